import { divisionName } from './divisions';

/**
 * GB/T 28181 national device code (国标编码): 20 digits. Digits 1–8 are the centre code, whose
 * first six are a GB/T 2260 administrative-division code (checked against the bundled published
 * list: it must exist), 9–10 the industry, 11–13 the device type (131 camera, 132 network camera),
 * 14 the network, 15–20 a serial number.
 */
export const CAMERA_DEVICE_TYPES = ['131', '132'] as const;

export type DeviceCodeRule = 'digits' | 'length' | 'division_exists' | 'camera_type';

/** The first rule a device code breaks, or null when it is a valid camera code. */
export function deviceCodeRule(code: string): DeviceCodeRule | null {
  if (!/^\d*$/.test(code)) return 'digits';
  if (code.length !== 20) return 'length';
  if (divisionName(code.slice(0, 6)) === undefined) return 'division_exists';
  if (!(CAMERA_DEVICE_TYPES as readonly string[]).includes(code.slice(10, 13))) return 'camera_type';
  return null;
}

/** The division a valid code lies in (its first six digits) and that division's name. */
export function codeDivision(code: string): { code: string; name: string } | null {
  const name = divisionName(code.slice(0, 6));
  return name === undefined ? null : { code: code.slice(0, 6), name };
}
