import { z } from 'zod';
import { calendarDateSchema } from '../time/calendar-date.js';

/**
 * 要素管控: the regulated units the bureau oversees. Special industries (特种行业 and the like),
 * explosives enterprises and hazardous-chemical holders, and internal-security units (内保单位:
 * schools, hospitals, other key units).
 */
export const INDUSTRIES = [
  'hotel',
  'scrap_metal',
  'seal_engraving',
  'logistics',
  'motor_repair',
  'second_hand',
  'entertainment',
  'explosives',
  'hazardous_chemicals',
  'school',
  'hospital',
  'internal_other',
] as const;
export const industrySchema = z.enum(INDUSTRIES);
export type Industry = z.infer<typeof industrySchema>;

/** Internal-security units (内保单位): compliance items instead of a licence. */
export const INTERNAL_SECURITY: readonly Industry[] = ['school', 'hospital', 'internal_other'];

/** Chinese names, as the CSV import also accepts them. */
export const INDUSTRY_NAMES: Record<Industry, string> = {
  hotel: '旅馆业',
  scrap_metal: '废旧金属收购',
  seal_engraving: '印章刻制',
  logistics: '物流寄递',
  motor_repair: '机动车维修',
  second_hand: '二手典当',
  entertainment: '娱乐场所',
  explosives: '民爆企业',
  hazardous_chemicals: '危化品单位',
  school: '学校',
  hospital: '医院',
  internal_other: '其他内保单位',
};

export const RISK_LEVELS = ['low', 'medium', 'high'] as const;
export const riskLevelSchema = z.enum(RISK_LEVELS);
export type RiskLevel = z.infer<typeof riskLevelSchema>;

/** Days a licence is "expiring" before its end date. */
export const LICENCE_WARNING_DAYS = 30;

export type LicenceStatus = 'none' | 'valid' | 'expiring' | 'expired';

/** A licence's state on `today` ('YYYY-MM-DD'): expired after its last valid day, expiring within 30 days. */
export function licenceStatus(validUntil: string | null, today: string): LicenceStatus {
  if (!validUntil) return 'none';
  if (validUntil < today) return 'expired';
  return daysBetween(today, validUntil) <= LICENCE_WARNING_DAYS ? 'expiring' : 'valid';
}

/** Whole days from a to b (dates 'YYYY-MM-DD'). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/** The calendar date in Beijing time (the bureau's day). */
export function beijingDate(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

const isoDate = calendarDateSchema;
const text = (max: number) => z.string().trim().min(1).max(max);
const phone = z
  .string()
  .trim()
  .regex(/^[0-9+\- ]{5,20}$/);

export const staffInputSchema = z.strictObject({
  name: text(50),
  post: text(50).optional(),
  phone: phone.optional(),
});
export const cameraInputSchema = z.strictObject({
  name: text(100),
  streamUrl: z
    .string()
    .trim()
    .max(500)
    .regex(/^(rtsp|rtmp|https?):\/\/\S+$/),
});

export const createUnitSchema = z
  .strictObject({
    industry: industrySchema,
    name: text(200),
    licenceNo: text(64).optional(),
    licenceValidFrom: isoDate.optional(),
    licenceValidUntil: isoDate.optional(),
    /** A gazetteer address (looked up in the city) or a free text address with lon/lat. */
    address: text(300).optional(),
    lon: z.number().min(-180).max(180).optional(),
    lat: z.number().min(-90).max(90).optional(),
    /** The jurisdiction's org when the location does not decide it (must lie in the actor's subtree). */
    orgId: z.string().uuid().optional(),
    riskLevel: riskLevelSchema.optional(),
    responsibleName: text(50).optional(),
    responsiblePhone: phone.optional(),
    staff: z.array(staffInputSchema).max(200).optional(),
    cameras: z.array(cameraInputSchema).max(50).optional(),
  })
  .refine((u) => (u.lon === undefined) === (u.lat === undefined), {
    path: ['lat'],
    message: 'lon_and_lat',
    params: { rule: 'lon_and_lat' },
  })
  .refine((u) => !u.licenceValidFrom || !u.licenceValidUntil || u.licenceValidFrom <= u.licenceValidUntil, {
    path: ['licenceValidUntil'],
    message: 'after_valid_from',
    params: { rule: 'after_valid_from' },
  });
export type CreateUnit = z.infer<typeof createUnitSchema>;

/**
 * A registry correction: only the fields sent change; null clears an optional one. Moving the unit
 * (address or lon/lat) decides its jurisdiction again. Staff and cameras are not edited here.
 */
export const updateUnitSchema = z
  .strictObject({
    name: text(200).optional(),
    licenceNo: text(64).nullable().optional(),
    licenceValidFrom: isoDate.nullable().optional(),
    licenceValidUntil: isoDate.nullable().optional(),
    address: text(300).optional(),
    lon: z.number().min(-180).max(180).optional(),
    lat: z.number().min(-90).max(90).optional(),
    riskLevel: riskLevelSchema.optional(),
    responsibleName: text(50).nullable().optional(),
    responsiblePhone: phone.nullable().optional(),
  })
  .refine((u) => Object.keys(u).length > 0, {
    path: [],
    message: 'empty_patch',
    params: { rule: 'empty_patch' },
  })
  .refine((u) => (u.lon === undefined) === (u.lat === undefined), {
    path: ['lat'],
    message: 'lon_and_lat',
    params: { rule: 'lon_and_lat' },
  });
export type UpdateUnit = z.infer<typeof updateUnitSchema>;

/** A unit as listed: no personal data (responsible person and staff need a purpose). */
export const unitSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  orgName: z.string(),
  industry: industrySchema,
  name: z.string(),
  licenceNo: z.string().nullable(),
  licenceValidFrom: z.string().nullable(),
  licenceValidUntil: z.string().nullable(),
  licenceStatus: z.enum(['none', 'valid', 'expiring', 'expired']),
  address: z.string().nullable(),
  lon: z.number().nullable(),
  lat: z.number().nullable(),
  riskLevel: riskLevelSchema,
  cameras: z.array(z.object({ id: z.string(), name: z.string(), streamUrl: z.string() })),
  createdAt: z.string(),
});
export type Unit = z.infer<typeof unitSchema>;
export const unitListSchema = z.object({ items: z.array(unitSchema) });

/** The people of a unit (personal data: read with a purpose, audited). */
export const unitPeopleSchema = z.object({
  responsibleName: z.string().nullable(),
  responsiblePhone: z.string().nullable(),
  staff: z.array(
    z.object({ id: z.string(), name: z.string(), post: z.string().nullable(), phone: z.string().nullable() }),
  ),
});
export type UnitPeople = z.infer<typeof unitPeopleSchema>;

export const bindUserSchema = z.strictObject({ userId: z.string().uuid() });

export const importResultSchema = z.object({
  imported: z.number(),
  bad: z.number(),
  /** Bad rows counted per reason (e.g. unknown_industry, invalid_date, duplicate_licence). */
  reasons: z.record(z.string(), z.number()),
  rows: z.array(z.object({ row: z.number(), reason: z.string() })),
});
export type ImportResult = z.infer<typeof importResultSchema>;
