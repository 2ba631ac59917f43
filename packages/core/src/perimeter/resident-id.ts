/**
 * Resident identity card numbers (GB 11643-1999, 公民身份号码): 18 characters —
 * 6-digit administrative division code (GB/T 2260) of the place of first registration,
 * 8-digit birth date YYYYMMDD, 3-digit sequence (odd for men, even for women), 1 check character
 * (ISO 7064 MOD 11-2: weights 2^(17-i) mod 11, i.e. 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2; the
 * remainder 0..10 of the weighted sum maps to 1 0 X 9 8 7 6 5 4 3 2).
 */

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARACTERS = '10X98765432';

/**
 * The first two digits of GB/T 2260 division codes: provinces, autonomous regions and
 * municipalities, plus 71 (Taiwan), 81 (Hong Kong), 82 (Macao) used on residence permits and
 * 83 (Taiwan residents' residence permits).
 */
const PROVINCE_CODES = new Set(
  '11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 83'.split(
    ' ',
  ),
);

export const RESIDENT_ID_ERRORS = [
  'bad_length',
  'bad_character',
  'bad_region',
  'bad_birth_date',
  'bad_check_digit',
] as const;
export type ResidentIdError = (typeof RESIDENT_ID_ERRORS)[number];

export type ResidentIdResult =
  | { ok: true; id: string; regionCode: string; birthDate: string; sex: 'male' | 'female' }
  | { ok: false; reason: ResidentIdError };

/** The check character for the first 17 digits (which must be digits). */
export function residentIdCheckCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * WEIGHTS[i];
  return CHECK_CHARACTERS[sum % 11];
}

/**
 * Normalises (full-width digits and X to half-width, lower-case x to X, spaces and hyphens removed)
 * and validates an 18-character resident ID number. `today` (YYYY-MM-DD), when given, rejects
 * birth dates after it; core has no clock.
 */
export function validateResidentId(raw: string, today?: string): ResidentIdResult {
  if (raw.length > 40) return { ok: false, reason: 'bad_length' };
  let id = '';
  for (let i = 0; i < raw.length; i++) {
    let code = raw.charCodeAt(i);
    if (code >= 0xff01 && code <= 0xff5e) code -= 0xfee0;
    if (code === 0x20 || code === 0x2d || code === 0x3000) continue;
    if (code === 0x78) code = 0x58; // x → X
    id += String.fromCharCode(code);
  }
  if (id.length !== 18) return { ok: false, reason: 'bad_length' };
  if (!/^[0-9]{17}[0-9X]$/.test(id)) return { ok: false, reason: 'bad_character' };
  const regionCode = id.slice(0, 6);
  if (!PROVINCE_CODES.has(regionCode.slice(0, 2))) return { ok: false, reason: 'bad_region' };
  const year = Number(id.slice(6, 10));
  const month = Number(id.slice(10, 12));
  const day = Number(id.slice(12, 14));
  if (!isCalendarDate(year, month, day) || year < 1900) return { ok: false, reason: 'bad_birth_date' };
  const birthDate = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
  if (today !== undefined && birthDate > today) return { ok: false, reason: 'bad_birth_date' };
  if (residentIdCheckCharacter(id) !== id[17]) return { ok: false, reason: 'bad_check_digit' };
  const sequence = Number(id.slice(14, 17));
  return { ok: true, id, regionCode, birthDate, sex: sequence % 2 === 1 ? 'male' : 'female' };
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return day <= days;
}

/** For display: the region code and the last four characters, the birth date hidden. */
export function maskResidentId(id: string): string {
  if (id.length !== 18) return '*'.repeat(id.length);
  return `${id.slice(0, 6)}********${id.slice(14)}`;
}
