import { describe, expect, it } from 'vitest';
import { partyScrubber, PURGED_MARK as X } from './redact.js';

describe('partyScrubber (the retention purge’s free-text pass)', () => {
  const scrub = partyScrubber([
    { name: '张三', phone: '138-0000-0001' },
    { name: '张三丰', phone: null },
    { name: '李', phone: '0755 2688 1234' },
  ]);

  it('replaces each name (longest first) and the party’s phone however it is grouped', () => {
    expect(
      scrub('张三丰与张三争执，张三电话 13800000001，又写作 138 0000 0001 和 +86-138-0000-0001'),
    ).toEqual({
      text: `${X}与${X}争执，${X}电话 ${X}，又写作 ${X} 和 ${X}`,
      replaced: 6,
    });
    expect(scrub('李家座机 0755-26881234').text).toBe(`李家座机 ${X}`);
  });

  it('replaces other phone-shaped numbers and resident ID numbers, and leaves dates, amounts and case numbers', () => {
    expect(scrub('物业 139-1234-5678，居委会 (010) 62751234，身份证 11010519491231002X').text).toBe(
      `物业 ${X}，居委会 ${X}，身份证 ${X}`,
    );
    const plain = '案件 M20261130-0001，2026-11-30 赔偿 30000 元，门牌 12 号，1380000000 不是手机号';
    expect(scrub(plain)).toEqual({ text: plain, replaced: 0 });
  });

  it('does not blank a one-character name everywhere', () => {
    expect(scrub('李子树下').text).toBe('李子树下');
  });
});
