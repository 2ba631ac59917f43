import { booleanPointInPolygon } from '@turf/turf';
import { z } from 'zod';
import { distanceM, polygonGeometrySchema } from '../patrol/plans.js';

/**
 * Volunteers and teams (群防群治): a team belongs to an org and has a leader among its members;
 * members carry minimal personal data (a name, optionally a phone); shifts have a capacity, a
 * place with a radius or an area, and a task (a fixed post or patrolling the area). Members sign up
 * from their own phone link (a secret token, like a citizen report's), offer a shift to the team,
 * take a shift another offered, check in by position and, on a patrol, post positions. Pure rules:
 * overlap, capacity, where a check-in counts, hours served.
 */

export const SHIFT_TASKS = ['post', 'patrol'] as const;
export type ShiftTask = (typeof SHIFT_TASKS)[number];
export const SHIFT_TASK_LABELS: Record<ShiftTask, { zh: string; en: string }> = {
  post: { zh: '定点值守', en: 'Fixed post' },
  patrol: { zh: '区域巡逻', en: 'Area patrol' },
};

/** A check-in radius when the shift names none. */
export const DEFAULT_CHECK_IN_RADIUS_M = 200;
/** A shift is at most a day long. */
export const MAX_SHIFT_HOURS = 24;

const text = (max: number) => z.string().trim().min(1).max(max);
const lon = z.number().min(-180).max(180);
const lat = z.number().min(-90).max(90);
const phone = z
  .string()
  .trim()
  .regex(/^[0-9+\- ]{5,20}$/);

export const createTeamSchema = z.strictObject({
  name: text(100),
  /** Defaults to the actor's org; must lie in the actor's subtree. */
  orgId: z.uuid().optional(),
});
export type CreateTeam = z.infer<typeof createTeamSchema>;

export const updateTeamSchema = z
  .strictObject({
    name: text(100).optional(),
    leaderId: z.uuid().nullable().optional(),
  })
  .refine((p) => Object.keys(p).length > 0, { message: 'Nothing to change' });

export const createMemberSchema = z.strictObject({
  name: text(50),
  phone: phone.optional(),
});
export type CreateMember = z.infer<typeof createMemberSchema>;

export const createShiftSchema = z
  .strictObject({
    title: text(100),
    task: z.enum(SHIFT_TASKS).default('post'),
    startsAt: z.iso.datetime({ offset: true }),
    endsAt: z.iso.datetime({ offset: true }),
    capacity: z.number().int().min(1).max(500),
    lon,
    lat,
    radiusM: z.number().int().min(20).max(5000).default(DEFAULT_CHECK_IN_RADIUS_M),
    /** The area of a patrol (and where a check-in counts besides the radius). */
    area: polygonGeometrySchema.optional(),
  })
  .superRefine((s, ctx) => {
    const start = Date.parse(s.startsAt);
    const end = Date.parse(s.endsAt);
    if (!(end > start)) ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'after_start' });
    else if (end - start > MAX_SHIFT_HOURS * 3_600_000)
      ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'too_long' });
    if (s.task === 'patrol' && !s.area) ctx.addIssue({ code: 'custom', path: ['area'], message: 'required' });
  });
export type CreateShift = z.infer<typeof createShiftSchema>;

export const teamSchema = z.object({
  id: z.string(),
  name: z.string(),
  org: z.object({ id: z.string(), name: z.string() }),
  leaderId: z.string().nullable(),
  memberCount: z.number(),
});
export type Team = z.infer<typeof teamSchema>;

/** A member as lists show one: no phone (that is read with a purpose). */
export const memberSchema = z.object({
  id: z.string(),
  teamId: z.string(),
  name: z.string(),
  hasPhone: z.boolean(),
  leader: z.boolean(),
});
export type Member = z.infer<typeof memberSchema>;

export const signupSchema = z.object({
  memberId: z.string(),
  name: z.string(),
  offered: z.boolean(),
  checkedInAt: z.string().nullable(),
  checkedOutAt: z.string().nullable(),
});

export const shiftSchema = z.object({
  id: z.string(),
  teamId: z.string(),
  teamName: z.string(),
  orgId: z.string(),
  title: z.string(),
  task: z.enum(SHIFT_TASKS),
  startsAt: z.string(),
  endsAt: z.string(),
  capacity: z.number(),
  lon: z.number(),
  lat: z.number(),
  radiusM: z.number(),
  area: polygonGeometrySchema.nullable(),
  signups: z.array(signupSchema),
});
export type Shift = z.infer<typeof shiftSchema>;

/** What a member's own link shows: their team's shifts, counts only (no other member's name). */
export const myShiftsSchema = z.object({
  memberId: z.string(),
  name: z.string(),
  shifts: z.array(
    shiftSchema
      .pick({
        id: true,
        title: true,
        task: true,
        startsAt: true,
        endsAt: true,
        capacity: true,
        lon: true,
        lat: true,
        radiusM: true,
        area: true,
      })
      .extend({
        signed: z.number(),
        offered: z.boolean(),
        mine: z
          .object({
            offered: z.boolean(),
            checkedInAt: z.string().nullable(),
            checkedOutAt: z.string().nullable(),
          })
          .nullable(),
      }),
  ),
});
export type MyShifts = z.infer<typeof myShiftsSchema>;

/** What a member's phone sends. */
export const shiftRefSchema = z.strictObject({ shiftId: z.uuid() });
export const checkInSchema = z.strictObject({ shiftId: z.uuid(), lon, lat });
export const fixesSchema = z.strictObject({
  shiftId: z.uuid(),
  fixes: z
    .array(z.strictObject({ at: z.iso.datetime({ offset: true }), lon, lat }))
    .min(1)
    .max(500),
});

export const hoursRowSchema = z.object({
  month: z.string(),
  teamId: z.string(),
  teamName: z.string(),
  memberId: z.string().nullable(),
  name: z.string().nullable(),
  shifts: z.number(),
  hours: z.number(),
});
export type HoursRow = z.infer<typeof hoursRowSchema>;

// ---- rules -----------------------------------------------------------------------------------

export interface Interval {
  startsAt: Date | string;
  endsAt: Date | string;
}
const ms = (d: Date | string) => new Date(d).getTime();

/** Two shifts overlap when one starts before the other ends (touching ends do not). */
export function overlaps(a: Interval, b: Interval): boolean {
  return ms(a.startsAt) < ms(b.endsAt) && ms(b.startsAt) < ms(a.endsAt);
}

/** Why a member may not sign up for (or take) a shift, as field and rule; null when they may. */
export function signUpRefusal(
  shift: Interval & { id: string; capacity: number; signed: number },
  mine: (Interval & { id: string })[],
  now: Date,
): { field: string; rule: 'shift_over' | 'already_signed' | 'capacity' | 'overlap' } | null {
  if (ms(shift.endsAt) <= now.getTime()) return { field: 'shiftId', rule: 'shift_over' };
  if (mine.some((m) => m.id === shift.id)) return { field: 'shiftId', rule: 'already_signed' };
  if (shift.signed >= shift.capacity) return { field: 'shiftId', rule: 'capacity' };
  if (mine.some((m) => overlaps(m, shift))) return { field: 'shiftId', rule: 'overlap' };
  return null;
}

/** A check-in is accepted within the shift's radius of its place, or inside its area. */
export function checkInDistance(
  shift: { lon: number; lat: number; radiusM: number; area: z.infer<typeof polygonGeometrySchema> | null },
  at: { lon: number; lat: number },
): { metres: number; ok: boolean } {
  const metres = Math.round(distanceM(shift.lon, shift.lat, at.lon, at.lat));
  const inArea = shift.area ? booleanPointInPolygon([at.lon, at.lat], shift.area as never) : false;
  return { metres, ok: metres <= shift.radiusM || inArea };
}

/** Check-in opens this long before a shift starts. */
export const CHECK_IN_EARLY_MIN = 30;

/**
 * Hours a member served on a shift: from the check-in (or the start, if earlier) to the check-out
 * (or the end, if later or absent), in hours with two decimals; 0 without a check-in.
 */
export function hoursServed(
  shift: Interval,
  checkedInAt: Date | string | null,
  checkedOutAt: Date | string | null,
): number {
  if (!checkedInAt) return 0;
  const from = Math.max(ms(shift.startsAt), ms(checkedInAt));
  const to = Math.min(ms(shift.endsAt), checkedOutAt ? ms(checkedOutAt) : ms(shift.endsAt));
  return to > from ? Math.round(((to - from) / 3_600_000) * 100) / 100 : 0;
}

/** The month of a time in China Standard Time, 'YYYY-MM'. */
export function monthOf(d: Date | string): string {
  return new Date(ms(d) + 8 * 3_600_000).toISOString().slice(0, 7);
}
