import { shareWithin, summarise } from '@citywatch/core/dispatch/figures';
import type { Priority } from '@citywatch/core/dispatch/incident';
import { validityRate } from '@citywatch/core/dispatch/triage';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import type { OrgScope } from '../../scope.js';
import { UNASSIGNED_STATION } from '../messages.js';
import * as store from './store.js';

/**
 * Response figures over a period: call to dispatch, dispatch to arrival and call to arrival by
 * priority, by station and by hour of the day; the validity rate (share of calls that were police
 * matters) and how many P1 calls had a unit on scene within 1, 3 and 5 minutes.
 */
export class FiguresService {
  constructor(private readonly db: Kysely<Database>) {}

  /** Positions and times of the scope's police incidents received in [from, to) (no demo calls). */
  async policeIncidentPoints(scope: OrgScope, from: Date, to: Date) {
    const rows = await store.policeIncidentPointsBetween(this.db, scope, from, to);
    return rows.map((r) => ({ lon: r.lon, lat: r.lat, at: new Date(r.received_at) }));
  }

  /** Over the incidents of the scope's subtree (city-level staff: the city). */
  async figures(scope: OrgScope, from: Date, to: Date) {
    const rows = await store.incidentsReceivedBetween(this.db, scope, from, to);
    const secs = (a: Date | null, b: Date | null) =>
      a && b ? (new Date(b).getTime() - new Date(a).getTime()) / 1000 : null;
    const pick = (
      sel: (r: (typeof rows)[number]) => number | null,
      filter: (r: (typeof rows)[number]) => boolean = () => true,
    ) =>
      rows
        .filter(filter)
        .map(sel)
        .filter((x): x is number => x !== null);
    const byPriority = Object.fromEntries(
      (['P1', 'P2', 'P3', 'P4'] as Priority[]).map((p) => [
        p,
        {
          callToDispatch: summarise(
            pick(
              (r) => secs(r.received_at, r.dispatched_at),
              (r) => r.priority === p,
            ),
          ),
          dispatchToArrival: summarise(
            pick(
              (r) => secs(r.dispatched_at, r.arrived_at),
              (r) => r.priority === p,
            ),
          ),
          callToArrival: summarise(
            pick(
              (r) => secs(r.received_at, r.arrived_at),
              (r) => r.priority === p,
            ),
          ),
        },
      ]),
    );
    const orgNames = await store.orgNames(this.db, scope);
    const groupBy = (key: (r: (typeof rows)[number]) => string) => {
      const groups = new Map<string, typeof rows>();
      for (const r of rows) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
      return [...groups].map(([k, rs]) => ({
        key: k,
        calls: rs.length,
        callToArrival: summarise(
          rs.map((r) => secs(r.received_at, r.arrived_at)).filter((x): x is number => x !== null),
        ),
      }));
    };
    const hourOf = (d: Date) =>
      new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Asia/Shanghai',
        hour: '2-digit',
        hourCycle: 'h23',
      }).format(new Date(d));
    const byStation = groupBy((r) => (r.org_id ? (orgNames.get(r.org_id) ?? r.org_id) : UNASSIGNED_STATION));
    const byHour = groupBy((r) => hourOf(r.received_at)).sort((a, b) => a.key.localeCompare(b.key));
    const p1Arrivals = pick(
      (r) => secs(r.received_at, r.arrived_at),
      (r) => r.priority === 'P1',
    );
    const police = rows.filter((r) => r.police).length;
    return {
      calls: rows.length,
      policeIncidents: police,
      validityRate: validityRate(police, rows.length),
      byPriority,
      byStation,
      byHour,
      p1WithinMinutes: {
        '1': shareWithin(p1Arrivals, 60),
        '3': shareWithin(p1Arrivals, 180),
        '5': shareWithin(p1Arrivals, 300),
      },
    };
  }
}
