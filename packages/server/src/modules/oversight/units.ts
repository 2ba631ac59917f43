import { STAFF_ROLES } from '@citywatch/core/identity/schemas';
import { countReasons, readUnitsCsv, UnitsCsvError } from '@citywatch/core/oversight/csv';
import {
  beijingDate,
  type CreateUnit,
  type ImportResult,
  type Industry,
  licenceStatus,
  type Unit,
  type UnitPeople,
  type UpdateUnit,
} from '@citywatch/core/oversight/schemas';
import type { Kysely, Transaction } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Database } from '../../db/schema.js';
import { ProblemError } from '../../http/problem.js';
import { appendAudit } from '../../identity/audit.js';
import type { Actor } from '../../identity/service.js';
import type { PlacesService } from '../places/service.js';
import { assertOrgInScope, orgsUnder } from '../scope.js';

type Q = Kysely<Database> | Transaction<Database>;

/**
 * Who sees which units: staff see the units of their org subtree; an enterprise user (no staff
 * role) sees only the one unit bound to them (none when unbound).
 */
export type UnitScope = { kind: 'org'; actor: Actor } | { kind: 'unit'; unitId: string | null };

export function isEnterpriseOnly(actor: Pick<Actor, 'roles'>): boolean {
  return !actor.roles.some((r) => (STAFF_ROLES as readonly string[]).includes(r));
}

export async function unitScope(db: Q, actor: Actor): Promise<UnitScope> {
  if (!isEnterpriseOnly(actor)) return { kind: 'org', actor };
  return { kind: 'unit', unitId: await enterpriseUnitOf(db, actor.userId) };
}

/** The one regulated unit an enterprise user is bound to, or null. */
export async function enterpriseUnitOf(db: Q, userId: string): Promise<string | null> {
  const row = await db
    .selectFrom('oversight_unit_users')
    .select('unit_id')
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row?.unit_id ?? null;
}

/** Restricts a query on `oversight_units` (aliased u) to the scope, inside the SQL. */
export function scopedUnits(db: Q, scope: UnitScope) {
  const q = db.selectFrom('oversight_units as u');
  if (scope.kind === 'org') return q.where('u.org_id', 'in', orgsUnder(db, scope.actor));
  return q.where('u.id', '=', scope.unitId ?? '00000000-0000-0000-0000-000000000000');
}

interface Place {
  lon: number | null;
  lat: number | null;
  address: string | null;
  orgId: string | null;
}

export const unitNotFound = () =>
  new ProblemError('not_found', { zh: '监管单位不存在', en: 'No such regulated unit' });

export class UnitsStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly places: PlacesService,
    private readonly now: () => Date,
  ) {}

  async list(actor: Actor, filter: { industry?: Industry; licence?: string; q?: string }): Promise<Unit[]> {
    const scope = await unitScope(this.db, actor);
    let q = scopedUnits(this.db, scope)
      .innerJoin('orgs', 'orgs.id', 'u.org_id')
      .selectAll('u')
      .select('orgs.name as org_name');
    if (filter.industry) q = q.where('u.industry', '=', filter.industry);
    if (filter.q) q = q.where('u.name', 'ilike', `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    const rows = await q.orderBy('u.name').limit(2000).execute();
    const cameras = rows.length
      ? await this.db
          .selectFrom('oversight_unit_cameras')
          .selectAll()
          .where(
            'unit_id',
            'in',
            rows.map((r) => r.id),
          )
          .orderBy('name')
          .execute()
      : [];
    const today = beijingDate(this.now());
    const units = rows.map((r) => ({
      id: r.id,
      orgId: r.org_id,
      orgName: r.org_name,
      industry: r.industry as Industry,
      name: r.name,
      licenceNo: r.licence_no,
      licenceValidFrom: r.licence_valid_from,
      licenceValidUntil: r.licence_valid_until,
      licenceStatus: licenceStatus(r.licence_valid_until, today),
      address: r.address,
      lon: r.lon,
      lat: r.lat,
      riskLevel: r.risk_level,
      cameras: cameras
        .filter((c) => c.unit_id === r.id)
        .map((c) => ({ id: c.id, name: c.name, streamUrl: c.stream_url })),
      createdAt: new Date(r.created_at).toISOString(),
    }));
    return filter.licence ? units.filter((u) => u.licenceStatus === filter.licence) : units;
  }

  async get(actor: Actor, id: string): Promise<Unit> {
    const scope = await unitScope(this.db, actor);
    const row = await scopedUnits(this.db, scope).select('u.id').where('u.id', '=', id).executeTakeFirst();
    if (!row) throw unitNotFound();
    const [unit] = (await this.list(actor, {})).filter((u) => u.id === id);
    if (!unit) throw unitNotFound();
    return unit;
  }

  /** Throws 404 unless the unit is in the actor's scope; answers its org. */
  async assertVisible(q: Q, actor: Actor, id: string): Promise<{ id: string; org_id: string; name: string }> {
    const scope = await unitScope(q, actor);
    const row = await scopedUnits(q, scope)
      .select(['u.id', 'u.org_id', 'u.name'])
      .where('u.id', '=', id)
      .executeTakeFirst();
    if (!row) throw unitNotFound();
    return row;
  }

  async people(actor: Actor, id: string): Promise<UnitPeople> {
    const unit = await this.assertVisible(this.db, actor, id);
    const row = await this.db
      .selectFrom('oversight_units')
      .select(['responsible_name', 'responsible_phone'])
      .where('id', '=', unit.id)
      .executeTakeFirstOrThrow();
    const staff = await this.db
      .selectFrom('oversight_unit_staff')
      .selectAll()
      .where('unit_id', '=', unit.id)
      .orderBy('name')
      .execute();
    return {
      responsibleName: row.responsible_name,
      responsiblePhone: row.responsible_phone,
      staff: staff.map((s) => ({ id: s.id, name: s.name, post: s.post, phone: s.phone })),
    };
  }

  /** Where a unit lies and whose it is: gazetteer address → point → jurisdiction → org. */
  private async locate(
    actor: Actor,
    input: Pick<CreateUnit, 'lon' | 'lat' | 'address' | 'orgId'>,
  ): Promise<Place> {
    let lon = input.lon ?? null;
    let lat = input.lat ?? null;
    let address = input.address ?? null;
    let orgId: string | null = null;
    try {
      if (lon === null && address) {
        const [hit] = await this.places.search({ q: address, kind: 'address', limit: 1, crs: 'wgs84' });
        if (hit && hit.score >= 0.5) {
          lon = hit.lon;
          lat = hit.lat;
          address = hit.label;
        }
      }
      if (lon !== null && lat !== null) {
        const city = await this.places.city(undefined);
        const area = city.jurisdictionAt(lon, lat);
        if (area) {
          const j = await this.db
            .selectFrom('jurisdictions')
            .select('org_id')
            .where('id', '=', area.id)
            .executeTakeFirst();
          orgId = j?.org_id ?? null;
        }
      }
    } catch (error) {
      if (!(error instanceof ProblemError && error.code === 'not_found')) throw error;
      // No city imported yet: the unit keeps what it was given.
    }
    return { lon, lat, address, orgId: orgId ?? input.orgId ?? actor.orgId };
  }

  async create(actor: Actor, input: CreateUnit): Promise<Unit> {
    const id = await this.insert(actor, input, this.db, await this.locate(actor, input));
    return this.get(actor, id);
  }

  /**
   * A registry correction. The row is locked for the change; a move decides the jurisdiction again
   * and must stay in the actor's subtree. The audit row names the fields changed, never their values
   * (the responsible person's name and phone are personal data).
   */
  async update(actor: Actor, id: string, patch: UpdateUnit): Promise<Unit> {
    const current = await this.assertVisible(this.db, actor, id);
    // A new address the gazetteer does not know changes the text only; the point and org stay.
    const located =
      patch.address !== undefined || patch.lon !== undefined
        ? await this.locate(actor, {
            address: patch.address,
            lon: patch.lon,
            lat: patch.lat,
            orgId: current.org_id,
          })
        : null;
    const place = located && located.lon !== null ? located : null;
    await this.db.transaction().execute(async (trx) => {
      const visible = await this.assertVisible(trx, actor, id);
      const row = await trx
        .selectFrom('oversight_units')
        .select(['industry', 'licence_valid_from', 'licence_valid_until'])
        .where('id', '=', visible.id)
        .forUpdate()
        .executeTakeFirstOrThrow();
      const from = patch.licenceValidFrom === undefined ? row.licence_valid_from : patch.licenceValidFrom;
      const until = patch.licenceValidUntil === undefined ? row.licence_valid_until : patch.licenceValidUntil;
      if (from && until && from > until)
        throw new ProblemError('validation', undefined, [
          {
            field: patch.licenceValidUntil === undefined ? 'licenceValidFrom' : 'licenceValidUntil',
            rule: 'after_valid_from',
            message: '',
          },
        ]);
      if (patch.licenceNo) {
        const dup = await trx
          .selectFrom('oversight_units')
          .select('id')
          .where('industry', '=', row.industry)
          .where('licence_no', '=', patch.licenceNo)
          .where('id', '!=', visible.id)
          .executeTakeFirst();
        if (dup)
          throw new ProblemError(
            'conflict',
            {
              zh: '该行业已登记此许可证号',
              en: 'This licence number is already registered in this industry',
            },
            [{ field: 'licenceNo', rule: 'unique', message: '' }],
          );
      }
      // A move outside every jurisdiction keeps the unit's org (locate falls back to it).
      const orgId = place?.orgId ?? visible.org_id;
      if (place) await assertOrgInScope(trx, actor, orgId, patch.lon !== undefined ? 'lon' : 'address');
      await trx
        .updateTable('oversight_units')
        .set({
          ...(patch.name !== undefined && { name: patch.name }),
          ...(patch.licenceNo !== undefined && { licence_no: patch.licenceNo }),
          ...(patch.licenceValidFrom !== undefined && { licence_valid_from: patch.licenceValidFrom }),
          ...(patch.licenceValidUntil !== undefined && { licence_valid_until: patch.licenceValidUntil }),
          // The registered level is the floor the risk score lifts from (risk.ts); the stored level
          // starts from it again and the next scoring lifts it where points warrant.
          ...(patch.riskLevel !== undefined && {
            base_risk_level: patch.riskLevel,
            risk_level: patch.riskLevel,
          }),
          ...(patch.responsibleName !== undefined && { responsible_name: patch.responsibleName }),
          ...(patch.responsiblePhone !== undefined && { responsible_phone: patch.responsiblePhone }),
          ...(patch.address !== undefined && { address: located?.address ?? patch.address }),
          ...(place && { lon: place.lon, lat: place.lat, org_id: orgId }),
          updated_at: this.now(),
        })
        .where('id', '=', visible.id)
        .execute();
      await appendAudit(
        trx,
        {
          userId: actor.userId,
          username: actor.username,
          action: 'write',
          resource: `oversight_unit:${visible.id}`,
          detail: {
            route: 'PATCH /api/oversight/units/:id',
            event: 'oversight_unit_updated',
            changed: Object.keys(patch).sort(),
            ...(orgId !== visible.org_id && { fromOrgId: visible.org_id, toOrgId: orgId }),
          },
        },
        this.now(),
      );
    });
    return this.get(actor, id);
  }

  /** Writes a located unit (inside the caller's transaction); answers its id. */
  private async insert(actor: Actor, input: CreateUnit, q: Q, place: Place): Promise<string> {
    await assertOrgInScope(q, actor, place.orgId ?? actor.orgId, input.orgId ? 'orgId' : 'address');
    if (input.licenceNo) {
      const dup = await q
        .selectFrom('oversight_units')
        .select('id')
        .where('industry', '=', input.industry)
        .where('licence_no', '=', input.licenceNo)
        .executeTakeFirst();
      if (dup)
        throw new ProblemError(
          'conflict',
          { zh: '该行业已登记此许可证号', en: 'This licence number is already registered in this industry' },
          [{ field: 'licenceNo', rule: 'unique', message: '' }],
        );
    }
    const id = uuidv7();
    const now = this.now();
    await q
      .insertInto('oversight_units')
      .values({
        id,
        org_id: place.orgId ?? actor.orgId,
        industry: input.industry,
        name: input.name,
        licence_no: input.licenceNo ?? null,
        licence_valid_from: input.licenceValidFrom ?? null,
        licence_valid_until: input.licenceValidUntil ?? null,
        address: place.address,
        lon: place.lon,
        lat: place.lat,
        risk_level: input.riskLevel ?? 'low',
        base_risk_level: input.riskLevel ?? 'low',
        responsible_name: input.responsibleName ?? null,
        responsible_phone: input.responsiblePhone ?? null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    if (input.staff?.length)
      await q
        .insertInto('oversight_unit_staff')
        .values(
          input.staff.map((s) => ({
            id: uuidv7(),
            unit_id: id,
            name: s.name,
            post: s.post ?? null,
            phone: s.phone ?? null,
          })),
        )
        .execute();
    if (input.cameras?.length)
      await q
        .insertInto('oversight_unit_cameras')
        .values(
          input.cameras.map((c) => ({ id: uuidv7(), unit_id: id, name: c.name, stream_url: c.streamUrl })),
        )
        .execute();
    return id;
  }

  /**
   * CSV import: good rows are all written in one transaction; bad rows counted per reason. The
   * audit row is written in that transaction and names every unit created (the route's own write
   * row would only name the route: it is turned off on that route).
   */
  async importCsv(actor: Actor, text: string): Promise<ImportResult> {
    let parsed: ReturnType<typeof readUnitsCsv>;
    try {
      parsed = readUnitsCsv(text);
    } catch (error) {
      if (error instanceof UnitsCsvError)
        throw new ProblemError('validation', { zh: `CSV 缺少列：${error.message}`, en: error.message }, [
          { field: 'file', rule: 'csv_columns', message: '' },
        ]);
      throw error;
    }
    const bad = [...parsed.bad];
    let imported = 0;
    const seen = new Set<string>();
    // Located first (the gazetteer reads outside the transaction), then written in one transaction.
    const places: Place[] = [];
    for (const { unit } of parsed.units) places.push(await this.locate(actor, unit));
    const created: string[] = [];
    await this.db.transaction().execute(async (trx) => {
      for (const [i, { row, unit }] of parsed.units.entries()) {
        const key = unit.licenceNo ? `${unit.industry}|${unit.licenceNo}` : null;
        if (key && seen.has(key)) {
          bad.push({ row, reason: 'duplicate_licence' });
          continue;
        }
        try {
          created.push(await this.insert(actor, unit, trx, places[i]));
          if (key) seen.add(key);
          imported++;
        } catch (error) {
          if (!(error instanceof ProblemError)) throw error;
          const rule = error.errors?.[0]?.rule;
          bad.push({ row, reason: rule === 'unique' ? 'duplicate_licence' : (rule ?? error.code) });
        }
      }
      await appendAudit(
        trx,
        {
          userId: actor.userId,
          username: actor.username,
          action: 'write',
          resource: 'POST /api/oversight/unit-imports',
          detail: {
            route: 'POST /api/oversight/unit-imports',
            event: 'oversight_units_imported',
            unitIds: created,
            imported,
            bad: bad.length,
            reasons: countReasons(bad),
          },
        },
        this.now(),
      );
    });
    bad.sort((a, b) => a.row - b.row);
    return { imported, bad: bad.length, reasons: countReasons(bad), rows: bad.slice(0, 200) };
  }

  /** Binds an enterprise user (role `enterprise`, in the actor's subtree) to a unit the actor sees. */
  async bindUser(actor: Actor, unitId: string, userId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await this.assertVisible(trx, actor, unitId);
      const user = await trx
        .selectFrom('users')
        .select(['id', 'roles'])
        .where('id', '=', userId)
        .where('org_id', 'in', orgsUnder(trx, actor))
        .executeTakeFirst();
      if (!user)
        throw new ProblemError('validation', undefined, [
          { field: 'userId', rule: 'org_in_scope', message: '' },
        ]);
      if (!user.roles.includes('enterprise'))
        throw new ProblemError(
          'validation',
          { zh: '只能绑定企业用户角色的账号', en: 'Only users with the enterprise role can be bound' },
          [{ field: 'userId', rule: 'enterprise_role', message: '' }],
        );
      await trx
        .insertInto('oversight_unit_users')
        .values({ user_id: userId, unit_id: unitId, bound_by: actor.userId, bound_at: this.now() })
        .onConflict((oc) =>
          oc.column('user_id').doUpdateSet({ unit_id: unitId, bound_by: actor.userId, bound_at: this.now() }),
        )
        .execute();
    });
  }
}
