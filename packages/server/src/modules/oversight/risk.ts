import {
  PREMISES_RADIUS_M,
  type RiskEvent,
  type RiskScore,
  scoreEvents,
} from '@citywatch/core/oversight/risk';
import { beijingDate, licenceStatus, type RiskLevel } from '@citywatch/core/oversight/schemas';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Actor } from '../../identity/service.js';
import { scopedUnits, unitNotFound, unitScope } from './units.js';

const RANK: Record<RiskLevel, number> = { low: 0, medium: 1, high: 2 };

/** Events older than this add nothing worth counting (8 half-lives). */
const LOOKBACK_DAYS = 720;

function metres(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const r = 6_371_008.8;
  const toRad = Math.PI / 180;
  const dLat = (lat2 - lat1) * toRad;
  const dLon = (lon2 - lon1) * toRad;
  const a =
    Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * toRad) * Math.cos(lat2 * toRad) * Math.sin(dLon / 2) ** 2;
  return 2 * r * Math.asin(Math.sqrt(a));
}

type UnitRow = {
  id: string;
  name: string;
  risk_level: RiskLevel;
  base_risk_level: RiskLevel;
  lon: number | null;
  lat: number | null;
  licence_no: string | null;
  licence_valid_until: string | null;
};

/** 积分预警: each unit's events under the declared rules, scored with decay; levels follow. */
export class RiskStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => Date,
  ) {}

  /** The events the rules count for these units (cases, escalations, incidents nearby, licences). */
  private async events(units: UnitRow[]): Promise<Map<string, RiskEvent[]>> {
    const out = new Map<string, RiskEvent[]>(units.map((u) => [u.id, []]));
    if (!units.length) return out;
    const now = this.now();
    const since = new Date(now.getTime() - LOOKBACK_DAYS * 86_400_000);
    const ids = units.map((u) => u.id);
    const cases = await this.db
      .selectFrom('oversight_cases')
      .select(['unit_id', 'number', 'severity', 'source', 'created_at', 'escalated_at'])
      .where('unit_id', 'in', ids)
      .where('created_at', '>=', since)
      .execute();
    for (const c of cases) {
      const list = out.get(c.unit_id)!;
      const at = new Date(c.created_at).toISOString();
      if (c.source === 'compliance') list.push({ rule: 'compliance_failing', ref: c.number, at });
      else
        list.push({
          rule: c.severity === 'serious' ? 'finding_serious' : 'finding_minor',
          ref: c.number,
          at,
        });
      if (c.escalated_at)
        list.push({
          rule: 'rectification_overdue',
          ref: c.number,
          at: new Date(c.escalated_at).toISOString(),
        });
    }
    const today = beijingDate(now);
    for (const u of units) {
      const status = licenceStatus(u.licence_valid_until, today);
      if (status === 'expired')
        out.get(u.id)!.push({
          rule: 'licence_expired',
          ref: u.licence_no ?? '',
          at: `${u.licence_valid_until}T16:00:00.000Z`, // the day after its last valid day, Beijing midnight
        });
      else if (status === 'expiring')
        out.get(u.id)!.push({ rule: 'licence_expiring', ref: u.licence_no ?? '', at: now.toISOString() });
    }
    // Incidents at the premises: within 100 m of the unit's point (a bounding box in SQL, then exact).
    const located = units.filter((u) => u.lon !== null && u.lat !== null);
    if (located.length) {
      const d = 0.0015;
      const lons = located.map((u) => u.lon!);
      const lats = located.map((u) => u.lat!);
      const incidents = await this.db
        .selectFrom('incidents')
        .select(['id', 'lon', 'lat', 'received_at'])
        .where('received_at', '>=', since)
        .where('lon', '>=', Math.min(...lons) - d)
        .where('lon', '<=', Math.max(...lons) + d)
        .where('lat', '>=', Math.min(...lats) - d)
        .where('lat', '<=', Math.max(...lats) + d)
        .limit(50_000)
        .execute();
      for (const i of incidents)
        for (const u of located)
          if (metres(u.lon!, u.lat!, i.lon, i.lat) <= PREMISES_RADIUS_M)
            out.get(u.id)!.push({
              rule: 'incident_at_premises',
              ref: i.id,
              at: new Date(i.received_at).toISOString(),
            });
    }
    return out;
  }

  private async score(units: UnitRow[]): Promise<RiskScore[]> {
    const events = await this.events(units);
    const now = this.now();
    return units.map((u) => {
      const scored = scoreEvents(events.get(u.id) ?? [], now);
      return {
        unitId: u.id,
        unitName: u.name,
        storedLevel: u.risk_level,
        baseLevel: u.base_risk_level,
        ...scored,
        // The registered level is a floor: points lift a unit, they never lower it below that.
        level: RANK[scored.level] >= RANK[u.base_risk_level] ? scored.level : u.base_risk_level,
      };
    });
  }

  private readonly columns = [
    'u.id',
    'u.name',
    'u.risk_level',
    'u.base_risk_level',
    'u.lon',
    'u.lat',
    'u.licence_no',
    'u.licence_valid_until',
  ] as const;

  /** One unit's score with every contribution (rule, event, points). */
  async unit(actor: Actor, id: string): Promise<RiskScore> {
    const scope = await unitScope(this.db, actor);
    const rows = await scopedUnits(this.db, scope).select(this.columns).where('u.id', '=', id).execute();
    if (!rows.length) throw unitNotFound();
    return (await this.score(rows))[0];
  }

  /** The risk board: the actor's units, highest score first. */
  async board(actor: Actor): Promise<RiskScore[]> {
    const scope = await unitScope(this.db, actor);
    const rows = await scopedUnits(this.db, scope).select(this.columns).limit(5000).execute();
    const scored = await this.score(rows);
    return scored.sort((a, b) => b.score - a.score || a.unitName.localeCompare(b.unitName));
  }

  /**
   * Moves every unit whose score crossed a threshold to its new level (the calendar follows);
   * answers how many moved. Run by the module's timer and after inspections.
   */
  async recompute(unitIds?: string[]): Promise<number> {
    let q = this.db.selectFrom('oversight_units as u').select(this.columns);
    if (unitIds) {
      if (!unitIds.length) return 0;
      q = q.where('u.id', 'in', unitIds);
    }
    const scored = await this.score(await q.execute());
    let moved = 0;
    for (const s of scored.filter((x) => x.level !== x.storedLevel)) {
      await this.db
        .updateTable('oversight_units')
        .set({ risk_level: s.level, updated_at: this.now() })
        .where('id', '=', s.unitId)
        .execute();
      moved++;
    }
    return moved;
  }
}
