/**
 * Chinese motor-vehicle plate numbers (GA 36-2018, 中华人民共和国机动车号牌): normalisation of what a
 * camera or an operator typed, and validation of the result.
 *
 * A plate is: province abbreviation (1 Chinese character) + issuing-authority letter + serial.
 *   ordinary           粤B12345     serial: 5 letters/digits
 *   new_energy_small   粤BD12345    serial: D|F, then a letter or digit, then 4 digits
 *   new_energy_large   粤B12345D    serial: 5 digits, then D|F
 *   police             粤B1234警    serial: 4 letters/digits + 警
 *   coach              粤B1234学    (driving-school car)
 *   trailer            粤B1234挂
 *   hk_macau           粤Z1234港 / 粤Z1234澳   (cross-boundary vehicles)
 *   consulate          沪A1234领
 *   emergency          粤B1234应急 (fire and rescue, added in GA 36-2018)
 *   embassy            使123456 / 123456使 (embassy code + serial, no province)
 * Letters I and O are never used in the authority letter or the serial (they read as 1 and 0).
 * D stands for pure electric and F for other new-energy vehicles.
 */

export const PROVINCE_ABBREVIATIONS =
  '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼' as const;

export const PLATE_KINDS = [
  'ordinary',
  'new_energy_small',
  'new_energy_large',
  'police',
  'coach',
  'trailer',
  'hk_macau',
  'consulate',
  'embassy',
  'emergency',
] as const;
export type PlateKind = (typeof PLATE_KINDS)[number];

export const PLATE_ERRORS = [
  'empty',
  'too_long',
  'bad_character',
  'bad_province',
  'bad_authority',
  'bad_serial',
  'bad_length',
] as const;
export type PlateError = (typeof PLATE_ERRORS)[number];

export type PlateResult = { ok: true; plate: string; kind: PlateKind } | { ok: false; reason: PlateError };

/** Longest raw input considered; anything longer is not a plate read (and is not scanned). */
const MAX_RAW_LENGTH = 32;

const PROVINCES = new Set(PROVINCE_ABBREVIATIONS);
/** Letters allowed in the authority letter and the serial: A–Z without I and O. */
const LETTER = '[A-HJ-NP-Z]';
const ALNUM = '[0-9A-HJ-NP-Z]';
const AUTHORITY_RE = new RegExp(`^${LETTER}$`);
const ORDINARY_SERIAL_RE = new RegExp(`^${ALNUM}{5}$`);
/** GA 36-2018: D (pure electric) or F (other new energy) first, then a letter or digit, then 4 digits. */
const NEV_SMALL_SERIAL_RE = new RegExp(`^[DF]${ALNUM}[0-9]{4}$`);
/** GA 36-2018: 5 digits, then D or F. */
const NEV_LARGE_SERIAL_RE = /^[0-9]{5}[DF]$/;
/** Serial before a one-character suffix (警 学 挂 港 澳 领) or 应急: 4 letters/digits. */
const SUFFIXED_SERIAL_RE = new RegExp(`^${ALNUM}{4}$`);
const EMBASSY_RE = /^(?:使[0-9]{6}|[0-9]{6}使)$/;

const SUFFIX_KINDS: Record<string, PlateKind> = {
  警: 'police',
  学: 'coach',
  挂: 'trailer',
  港: 'hk_macau',
  澳: 'hk_macau',
  领: 'consulate',
};

/**
 * Brings a read into canonical form: full-width ASCII to half-width, lower to upper case, and the
 * separators cameras and people put in (spaces, middle dots, dots, hyphens) removed.
 */
export function canonicalPlateText(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    let code = raw.charCodeAt(i);
    // Full-width ASCII block FF01–FF5E maps onto 21–7E; U+3000 is the ideographic space.
    if (code >= 0xff01 && code <= 0xff5e) code -= 0xfee0;
    else if (code === 0x3000) code = 0x20;
    if (
      code === 0x20 ||
      code === 0x09 ||
      code === 0x2e || // .
      code === 0x2d || // -
      code === 0xb7 || // · middle dot, printed on plates
      code === 0x30fb || // ・ katakana middle dot (a common OCR substitute)
      code === 0x2022 || // • bullet
      code === 0x2027 // ‧ hyphenation point
    ) {
      continue;
    }
    if (code >= 0x61 && code <= 0x7a) code -= 0x20;
    out += String.fromCharCode(code);
  }
  return out;
}

/** Normalises and validates a plate number; the normalised form is what the hotlist is keyed by. */
export function normalisePlate(raw: string): PlateResult {
  if (raw.length > MAX_RAW_LENGTH) return { ok: false, reason: 'too_long' };
  const plate = canonicalPlateText(raw);
  if (plate.length === 0) return { ok: false, reason: 'empty' };
  if (plate.length > 9) return { ok: false, reason: 'too_long' };

  if (plate.includes('使')) {
    return EMBASSY_RE.test(plate)
      ? { ok: true, plate, kind: 'embassy' }
      : { ok: false, reason: 'bad_serial' };
  }
  if (!PROVINCES.has(plate[0])) return { ok: false, reason: 'bad_province' };
  if (!AUTHORITY_RE.test(plate[1] ?? '')) return { ok: false, reason: 'bad_authority' };
  const serial = plate.slice(2);

  if (serial.endsWith('应急')) {
    return SUFFIXED_SERIAL_RE.test(serial.slice(0, -2))
      ? { ok: true, plate, kind: 'emergency' }
      : { ok: false, reason: 'bad_serial' };
  }
  const suffixKind = SUFFIX_KINDS[serial[serial.length - 1]];
  if (suffixKind !== undefined) {
    if (serial.length !== 5) return { ok: false, reason: 'bad_length' };
    return SUFFIXED_SERIAL_RE.test(serial.slice(0, 4))
      ? { ok: true, plate, kind: suffixKind }
      : { ok: false, reason: 'bad_serial' };
  }
  if (serial.length === 5) {
    return ORDINARY_SERIAL_RE.test(serial)
      ? { ok: true, plate, kind: 'ordinary' }
      : { ok: false, reason: serialCharactersAllowed(serial) ? 'bad_serial' : 'bad_character' };
  }
  if (serial.length === 6) {
    if (NEV_SMALL_SERIAL_RE.test(serial)) return { ok: true, plate, kind: 'new_energy_small' };
    if (NEV_LARGE_SERIAL_RE.test(serial)) return { ok: true, plate, kind: 'new_energy_large' };
    return { ok: false, reason: serialCharactersAllowed(serial) ? 'bad_serial' : 'bad_character' };
  }
  return { ok: false, reason: 'bad_length' };
}

function serialCharactersAllowed(serial: string): boolean {
  return /^[0-9A-HJ-NP-Z]*$/.test(serial);
}

/** The normalised plate, or null when the read is not a valid plate. */
export function normalisedPlateOrNull(raw: string): string | null {
  const r = normalisePlate(raw);
  return r.ok ? r.plate : null;
}
