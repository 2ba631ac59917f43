import { describe, expect, it } from 'vitest';
import { canonicalPlateText, normalisePlate } from './plates';

describe('normalisePlate', () => {
  it.each([
    ['粤B12345', '粤B12345', 'ordinary'],
    ['京A·F0236', '京AF0236', 'ordinary'],
    ['粤BD12345', '粤BD12345', 'new_energy_small'],
    ['沪AFA1234', '沪AFA1234', 'new_energy_small'],
    ['粤BDF1234', '粤BDF1234', 'new_energy_small'],
    ['苏E12345D', '苏E12345D', 'new_energy_large'],
    ['川A12345F', '川A12345F', 'new_energy_large'],
    ['京A0001警', '京A0001警', 'police'],
    ['粤B1234学', '粤B1234学', 'coach'],
    ['鲁C1234挂', '鲁C1234挂', 'trailer'],
    ['粤Z1234港', '粤Z1234港', 'hk_macau'],
    ['粤Z1234澳', '粤Z1234澳', 'hk_macau'],
    ['沪A1234领', '沪A1234领', 'consulate'],
    ['粤B1234应急', '粤B1234应急', 'emergency'],
    ['使123456', '使123456', 'embassy'],
    ['123456使', '123456使', 'embassy'],
  ])('accepts %s as %s (%s)', (raw, plate, kind) => {
    expect(normalisePlate(raw)).toEqual({ ok: true, plate, kind });
  });

  it('normalises full-width characters, case and separators', () => {
    expect(normalisePlate(' 粤ｂ·ｄ１２-３４.５ ')).toEqual({
      ok: true,
      plate: '粤BD12345',
      kind: 'new_energy_small',
    });
    expect(normalisePlate('京a 12345')).toEqual({ ok: true, plate: '京A12345', kind: 'ordinary' });
    expect(canonicalPlateText('粤Ｂ　１２３４５')).toBe('粤B12345');
  });

  it.each([
    ['', 'empty'],
    [' · - ', 'empty'],
    ['A12345', 'bad_province'],
    ['港A12345', 'bad_province'],
    ['粤I12345', 'bad_authority'],
    ['粤O12345', 'bad_authority'],
    ['粤112345', 'bad_authority'],
    ['粤B1234', 'bad_length'],
    ['粤B1234O', 'bad_character'],
    ['粤B12I45', 'bad_character'],
    ['粤BA12345', 'bad_serial'], // 6-character serial not starting with D/F nor ending with D/F
    ['粤BD1234A', 'bad_serial'], // small NEV: last four must be digits
    ['粤B1234AD', 'bad_serial'], // large NEV: first five must be digits
    ['粤BD12345F', 'bad_length'],
    ['粤B123警', 'bad_length'],
    ['粤B12O4警', 'bad_serial'],
    ['使12345', 'bad_serial'],
    ['x'.repeat(100), 'too_long'],
  ])('rejects %j (%s)', (raw, reason) => {
    expect(normalisePlate(raw)).toEqual({ ok: false, reason });
  });

  it('accepts every province abbreviation', () => {
    for (const p of '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼') {
      expect(normalisePlate(`${p}A12345`).ok).toBe(true);
    }
  });
});
