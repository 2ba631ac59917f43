import { describe, expect, it } from 'vitest';
import { maskResidentId, residentIdCheckCharacter, validateResidentId } from './resident-id';

/** A synthetic number: region + birth date + sequence, with its check character computed. */
function synthetic(first17: string): string {
  return first17 + residentIdCheckCharacter(first17);
}

describe('resident ID (GB 11643-1999)', () => {
  it('computes the MOD 11-2 check character', () => {
    // Weighted sum of 11010519491231002 is 167; 167 mod 11 = 2 → 'X'.
    expect(residentIdCheckCharacter('11010519491231002')).toBe('X');
    // 44030720000229123: sum 189 → 189 mod 11 = 2 → 'X'; check the table position-wise instead.
    const sums = '44030720000229123'.split('').map(Number);
    const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const sum = sums.reduce((s, d, i) => s + d * weights[i], 0);
    expect(residentIdCheckCharacter('44030720000229123')).toBe('10X98765432'[sum % 11]);
  });

  it('accepts a valid number, normalising x and full-width digits', () => {
    const id = synthetic('44030720000229123');
    const r = validateResidentId(id);
    expect(r).toEqual({ ok: true, id, regionCode: '440307', birthDate: '2000-02-29', sex: 'male' });
    const withX = synthetic('11010519491231002');
    expect(withX.endsWith('X')).toBe(true);
    expect(validateResidentId(withX.toLowerCase()).ok).toBe(true);
    const fullWidth = withX.replace(/[0-9X]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
    expect(validateResidentId(fullWidth)).toMatchObject({ ok: true, id: withX, sex: 'female' });
    expect(validateResidentId(`${id.slice(0, 6)} ${id.slice(6, 14)} ${id.slice(14)}`).ok).toBe(true);
  });

  it('rejects wrong check digits, dates, regions and shapes', () => {
    const id = synthetic('44030719900515123');
    const wrong = id.slice(0, 17) + (id[17] === '0' ? '1' : '0');
    expect(validateResidentId(wrong)).toEqual({ ok: false, reason: 'bad_check_digit' });
    expect(validateResidentId(synthetic('44030719900230123'))).toEqual({
      ok: false,
      reason: 'bad_birth_date',
    });
    expect(validateResidentId(synthetic('44030719001301123'))).toEqual({
      ok: false,
      reason: 'bad_birth_date',
    });
    expect(validateResidentId(synthetic('44030718991231123'))).toEqual({
      ok: false,
      reason: 'bad_birth_date',
    });
    expect(validateResidentId(synthetic('44030720300101123'), '2026-11-23')).toEqual({
      ok: false,
      reason: 'bad_birth_date',
    });
    expect(validateResidentId(synthetic('99030719900515123'))).toEqual({ ok: false, reason: 'bad_region' });
    expect(validateResidentId('4403071990051512')).toEqual({ ok: false, reason: 'bad_length' });
    expect(validateResidentId('44030719900515A23X')).toEqual({ ok: false, reason: 'bad_character' });
  });

  it('masks the birth date for display', () => {
    const id = synthetic('44030719900515123');
    expect(maskResidentId(id)).toBe(`440307********${id.slice(14)}`);
    expect(maskResidentId(id)).toHaveLength(18);
  });
});
