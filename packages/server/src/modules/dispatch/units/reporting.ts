/**
 * Who may report for a unit (DESIGN.md "Who may see what": a device speaks only for itself, a
 * person cannot speak for a device): its AVL terminal (a device token bound to the unit), or a
 * person signed on to the unit for the shift. Dispatchers and commanders (dispatch.write) keep
 * setting the status of units they command without signing on.
 */
import { type Kysely, sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import { z } from 'zod';
import type { Database } from '../../../db/schema.js';
import type { DevicePrincipal } from '../../../http/auth.js';
import { ProblemError } from '../../../http/problem.js';
import { recordAudit } from '../../../identity/audit.js';
import type { Actor } from '../../../identity/service.js';
import type { Deps } from '../../module.js';
import type { CityRuntime } from '../../roads/registry.js';
import { DISPATCH_MESSAGES } from '../messages.js';
import type { DetailedIngestReport, IngestReport, UnitsService } from './service.js';
import type { PositionFix } from './store.js';

/** A sign-on older than this has lapsed (a shift is at most 12 hours). */
export const SHIFT_MAX_MS = 12 * 3600_000;

export const REPORTING_MESSAGES = {
  notSignedOn: {
    zh: '您尚未在该警力单元签到上岗，不能代其报告',
    en: 'You are not signed on to this unit, so you cannot report for it',
  },
  signedOnElsewhere: (callSign: string) => ({
    zh: `您已在 ${callSign} 签到上岗，请先签退`,
    en: `You are signed on to ${callSign}; sign off there first`,
  }),
  notSignedOnHere: { zh: '您未在该警力单元签到', en: 'You are not signed on to this unit' },
  unitNotOfYourOrg: {
    zh: '只能在本单位（或上级、下属单位）的警力单元签到',
    en: 'You may sign on only to units of your own org, above it or under it',
  },
};

/** A person's sign-on to a unit for a shift, as the API answers it. */
export const signOnSchema = z.object({
  id: z.string(),
  unitId: z.string(),
  callSign: z.string(),
  userId: z.string(),
  signedOnAt: z.string(),
  signedOffAt: z.string().nullable(),
  endedBy: z.enum(['self', 'lapsed']).nullable(),
});
export type SignOn = z.infer<typeof signOnSchema>;

/** Who sends an AVL batch: a device (its token) or a person (their session). */
export type AvlSender = { device: DevicePrincipal } | { actor: Actor };

export interface AvlReport extends IngestReport {
  rejected: { index: number; reason: string }[];
}

/** At most this many fixes are written together when requests are merged. */
const MERGE_MAX_FIXES = 5_000;

interface Waiting {
  fixes: readonly PositionFix[];
  city: CityRuntime;
  resolve: (report: IngestReport) => void;
  reject: (error: unknown) => void;
}

export class UnitReporting {
  private readonly db: Kysely<Database>;
  /** AVL batches waiting to be written (see `write`). */
  private readonly waiting: Waiting[] = [];
  private writing = false;

  constructor(
    private readonly deps: Pick<Deps<'places'>, 'db' | 'now' | 'permissions'>,
    private readonly units: Pick<UnitsService, 'ingestPositions'>,
  ) {
    this.db = deps.db.kysely;
  }

  // ---- sign-on for the shift

  /** Signs the actor on to a unit (again: the open sign-on is returned as it is). */
  async signOn(actor: Actor, unitId: string): Promise<SignOn> {
    const now = this.deps.now();
    const unit = await this.db
      .selectFrom('units')
      .leftJoin('orgs', 'orgs.id', 'units.home_org_id')
      .select(['units.id', 'units.call_sign', 'orgs.path as org_path'])
      .where('units.id', '=', unitId)
      .executeTakeFirst();
    if (!unit) throw new ProblemError('not_found', DISPATCH_MESSAGES.noSuchUnit);
    // Same branch of the org tree: a team's officer crews the station's car, a station its team's.
    if (
      unit.org_path &&
      !unit.org_path.startsWith(actor.orgPath) &&
      !actor.orgPath.startsWith(unit.org_path)
    ) {
      throw new ProblemError('forbidden', REPORTING_MESSAGES.unitNotOfYourOrg, [
        { field: 'id', rule: 'org_in_scope', message: '' },
      ]);
    }
    await this.endLapsed(actor.userId, now);
    const open = await this.open(actor.userId, now);
    if (open) {
      if (open.unitId === unitId) return open;
      throw new ProblemError('conflict', REPORTING_MESSAGES.signedOnElsewhere(open.callSign), [
        {
          field: 'id',
          rule: 'signed_on_elsewhere',
          message: REPORTING_MESSAGES.signedOnElsewhere(open.callSign).zh,
        },
      ]);
    }
    const id = uuidv7();
    await this.db
      .insertInto('unit_sign_ons')
      .values({
        id,
        unit_id: unitId,
        user_id: actor.userId,
        signed_on_at: now,
        signed_off_at: null,
        ended_by: null,
      })
      .execute();
    return (await this.byId(id))!;
  }

  /** Signs the actor off the unit; 409 when they are not signed on to it. */
  async signOff(actor: Actor, unitId: string): Promise<SignOn> {
    const now = this.deps.now();
    await this.endLapsed(actor.userId, now);
    const ended = await this.db
      .updateTable('unit_sign_ons')
      .set({ signed_off_at: now, ended_by: 'self' })
      .where('user_id', '=', actor.userId)
      .where('unit_id', '=', unitId)
      .where('signed_off_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    if (!ended) {
      throw new ProblemError('conflict', REPORTING_MESSAGES.notSignedOnHere, [
        { field: 'id', rule: 'not_signed_on', message: REPORTING_MESSAGES.notSignedOnHere.zh },
      ]);
    }
    return (await this.byId(ended.id))!;
  }

  /** The actor's sign-on for this shift, if any. */
  current(actor: Pick<Actor, 'userId'>): Promise<SignOn | null> {
    return this.open(actor.userId, this.deps.now());
  }

  // ---- reports

  /**
   * A person may set a unit's status if they command units (dispatch.write), or if they are signed
   * on to that unit; otherwise 403 (and the refusal is audited).
   */
  async assertMayReportStatus(actor: Actor, unitId: string): Promise<void> {
    if (this.deps.permissions.grants(actor.roles, 'dispatch.write')) return;
    const open = await this.current(actor);
    if (open?.unitId === unitId) return;
    await recordAudit(
      this.db,
      {
        userId: actor.userId,
        username: actor.username,
        action: 'permission_denied',
        resource: `unit:${unitId}`,
        detail: { reason: 'not_signed_on', report: 'status', signedOnTo: open?.unitId ?? null },
      },
      this.deps.now(),
    );
    throw new ProblemError('forbidden', REPORTING_MESSAGES.notSignedOn, [
      { field: 'id', rule: 'not_signed_on', message: REPORTING_MESSAGES.notSignedOn.zh },
    ]);
  }

  /**
   * An AVL batch from a device or a person: only fixes of the sender's unit (the device's binding,
   * or the unit the person is signed on to) are taken; the others are refused per fix and audited.
   * A person signed on to no unit is refused as a whole (403).
   */
  async ingest(sender: AvlSender, positions: readonly PositionFix[], city: CityRuntime): Promise<AvlReport> {
    let unitId: string;
    if ('device' in sender) {
      if (sender.device.kind !== 'avl') throw new ProblemError('forbidden');
      unitId = sender.device.unitId;
    } else {
      const open = await this.current(sender.actor);
      if (!open) {
        await this.auditRefusal(sender, null, positions.length, []);
        throw new ProblemError('forbidden', REPORTING_MESSAGES.notSignedOn, [
          { field: 'positions', rule: 'not_signed_on', message: REPORTING_MESSAGES.notSignedOn.zh },
        ]);
      }
      unitId = open.unitId;
    }
    const own: PositionFix[] = [];
    const ownIndex: number[] = [];
    const refused: number[] = [];
    for (const [index, p] of positions.entries()) {
      if (p.unitId === unitId) {
        own.push(p);
        ownIndex.push(index);
      } else refused.push(index);
    }
    if (refused.length > 0) {
      const claimed = [...new Set(refused.map((i) => positions[i].unitId))];
      await this.auditRefusal(sender, unitId, refused.length, claimed);
    }
    const report: IngestReport = own.length
      ? await this.write(own, city)
      : { accepted: 0, outOfOrder: 0, duplicates: 0, rejected: [] };
    const rejected = [
      ...report.rejected.map((r) => ({ index: ownIndex[r.index], reason: r.reason })),
      ...refused.map((index) => ({ index, reason: 'not_bound_unit' })),
    ].sort((a, b) => a.index - b.index);
    return { ...report, rejected };
  }

  /**
   * Writes a request's fixes together with those of the requests that arrived meanwhile: a
   * thousand terminals posting a fix each second are a few statements a second, not thousands
   * (one statement per request is what saturates the database). At low load a batch is written at
   * once; while one is being written, the next gathers. Each request gets its own report.
   */
  private write(fixes: readonly PositionFix[], city: CityRuntime): Promise<IngestReport> {
    return new Promise<IngestReport>((resolve, reject) => {
      this.waiting.push({ fixes, city, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain() {
    this.writing = true;
    try {
      while (this.waiting.length > 0) {
        // Requests of this turn of the event loop join the batch.
        await new Promise<void>((resolve) => setImmediate(resolve));
        const city = this.waiting[0].city;
        const batch: Waiting[] = [];
        let size = 0;
        for (let i = 0; i < this.waiting.length && size < MERGE_MAX_FIXES; ) {
          if (this.waiting[i].city !== city) {
            i++;
            continue;
          }
          const [w] = this.waiting.splice(i, 1);
          batch.push(w);
          size += w.fixes.length;
        }
        let report: DetailedIngestReport;
        try {
          report = await this.units.ingestPositions(
            batch.flatMap((w) => w.fixes),
            city,
          );
        } catch (error) {
          for (const w of batch) w.reject(error);
          continue;
        }
        let offset = 0;
        for (const w of batch) {
          const end = offset + w.fixes.length;
          const mine = (i: number) => i >= offset && i < end;
          const rejected = report.rejected
            .filter((r) => mine(r.index))
            .map((r) => ({ index: r.index - offset, reason: r.reason }));
          w.resolve({
            accepted: w.fixes.length - rejected.length,
            outOfOrder: report.outOfOrderAt.filter(mine).length,
            duplicates: report.duplicateAt.filter(mine).length,
            rejected,
          });
          offset = end;
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private auditRefusal(sender: AvlSender, unitId: string | null, refused: number, claimed: string[]) {
    const who =
      'device' in sender
        ? { userId: null, username: `device:${sender.device.name}` }
        : { userId: sender.actor.userId, username: sender.actor.username };
    return recordAudit(
      this.db,
      {
        ...who,
        action: 'permission_denied',
        resource: unitId ? `unit:${unitId}` : 'POST /api/dispatch/avl',
        detail: {
          reason: unitId ? 'not_bound_unit' : 'not_signed_on',
          deviceId: 'device' in sender ? sender.device.deviceId : null,
          refused,
          claimed: claimed.slice(0, 20),
        },
      },
      this.deps.now(),
    );
  }

  // ---- SQL

  private async endLapsed(userId: string, now: Date) {
    await this.db
      .updateTable('unit_sign_ons')
      .set({
        signed_off_at: sql<Date>`signed_on_at + make_interval(secs => ${SHIFT_MAX_MS / 1000})`,
        ended_by: 'lapsed',
      })
      .where('user_id', '=', userId)
      .where('signed_off_at', 'is', null)
      .where('signed_on_at', '<=', new Date(now.getTime() - SHIFT_MAX_MS))
      .execute();
  }

  private async open(userId: string, now: Date): Promise<SignOn | null> {
    const row = await this.signOns()
      .where('s.user_id', '=', userId)
      .where('s.signed_off_at', 'is', null)
      .where('s.signed_on_at', '>', new Date(now.getTime() - SHIFT_MAX_MS))
      .executeTakeFirst();
    return row ? present(row) : null;
  }

  private async byId(id: string): Promise<SignOn | null> {
    const row = await this.signOns().where('s.id', '=', id).executeTakeFirst();
    return row ? present(row) : null;
  }

  private signOns() {
    return this.db
      .selectFrom('unit_sign_ons as s')
      .innerJoin('units', 'units.id', 's.unit_id')
      .select([
        's.id',
        's.unit_id',
        'units.call_sign',
        's.user_id',
        's.signed_on_at',
        's.signed_off_at',
        's.ended_by',
      ]);
  }
}

function present(r: {
  id: string;
  unit_id: string;
  call_sign: string;
  user_id: string;
  signed_on_at: Date | string;
  signed_off_at: Date | string | null;
  ended_by: string | null;
}): SignOn {
  return {
    id: r.id,
    unitId: r.unit_id,
    callSign: r.call_sign,
    userId: r.user_id,
    signedOnAt: new Date(r.signed_on_at).toISOString(),
    signedOffAt: r.signed_off_at === null ? null : new Date(r.signed_off_at).toISOString(),
    endedBy: r.ended_by as SignOn['endedBy'],
  };
}
