import { describe, expect, it } from 'vitest';
import { cleanText, textRuleBroken } from './clean';

describe('the text rule at the edge', () => {
  it('refuses NUL and other C0 controls but keeps tab, newline and carriage return', () => {
    expect(textRuleBroken('a\u0000b')).toBe('control_character');
    expect(textRuleBroken('a\u001bb')).toBe('control_character');
    expect(textRuleBroken('a\u007fb')).toBe('control_character');
    expect(textRuleBroken('line one\nline two\tend\r\n')).toBeNull();
  });

  it('refuses lone surrogates and accepts paired ones (emoji, CJK extension B)', () => {
    expect(textRuleBroken('\ud800')).toBe('lone_surrogate');
    expect(textRuleBroken('x\udc00y')).toBe('lone_surrogate');
    expect(textRuleBroken('警情😀𠀀')).toBeNull();
  });

  it('normalises to NFC, keys and nested values included, and names where the rule is broken', () => {
    const decomposed = 'Jose\u0301';
    const r = cleanText({ name: decomposed, list: ['ok', 'bad\u0000'], [decomposed]: 1 });
    expect(r.problems).toEqual([{ path: ['list', 1], rule: 'control_character' }]);
    const v = r.value as Record<string, unknown>;
    expect(v.name).toBe('José');
    expect(v.name).toHaveLength(4);
    expect(Object.keys(v)).toContain('José');
  });
});
