/**
 * Learning travel times from the fleet's own positions (issue 16 item 4), server side.
 *
 * A run takes one UTC day of AVL fixes (unit_positions, partitioned by month: a day reads one
 * partition), unit by unit so memory stays bounded: splits each unit's fixes into trips at stops
 * of 5 min, map-matches them (core/roads/matching), and adds the traversals to the per edge ×
 * hour-of-week sufficient statistics (count, sum of seconds) in eta_edge_observations. An
 * unmatchable trip adds nothing. The day's run row (unique per city and day) is the claim, so a
 * day is learned once whichever node or trigger gets there first. The estimate itself
 * (core/roads/learned/profile.ts: empirical-Bayes shrinkage toward the static time) is computed
 * from the stored statistics when asked for.
 *
 * Emergency profile: a traversal is emergency driving, stored under the `emergency` profile and
 * never in `normal`, when
 *  - the unit's fix last before the traversal's middle says lights and siren on (AVL `emergency`,
 *    migration 091), or
 *  - the unit was on its way to an urgent incident (priority P1, core learned/emergency.ts) then: from its
 *    dispatch to that incident until its own on-scene report (dispatch_etas, dispatched_at to
 *    arrived_at; an arrival never reported counts for at most an hour), even when its device sends
 *    no flag: units sent to the most urgent incidents are expected to drive with lights and siren.
 * The emergency estimate shrinks toward the normal learned time (core profile.ts,
 * estimateEmergencyProfile); dispatch times urgent incidents with it.
 */

import { DijkstraEngine } from '@citywatch/core/roads/dijkstra';
import type { RoadGraph } from '@citywatch/core/roads/graph';
import { URGENT_PRIORITIES } from '@citywatch/core/roads/learned/emergency';
import { splitTrips, type TraceRow } from '@citywatch/core/roads/learned/evaluate';
import {
  DEFAULT_CITY_TIME_ZONE,
  emergencyProfileLabel,
  hourOfWeekAt,
  learnedProfileLabel,
  parseLearnedLabel,
  type TimeProfileLabel,
  utcOffsetSeconds,
} from '@citywatch/core/roads/learned/hour';
import {
  estimateEmergencyProfile,
  estimateProfile,
  type LearnedProfile,
  profileHour,
  TraversalStats,
  withEdgeTimes,
} from '@citywatch/core/roads/learned/profile';
import { emptySkips, HmmMatcher, SKIP_REASONS } from '@citywatch/core/roads/matching/hmm';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { PlacesService } from '../places/service.js';
import type { CityRuntime } from '../roads/registry.js';
import type {} from './tables.js';

export interface LearnRunSummary {
  day: string;
  city: string;
  trigger: 'nightly' | 'manual';
  units: number;
  fixes: number;
  matched: number;
  trips: number;
  unmatchable_trips: number;
  traversals: number;
  /** Of `traversals`, those stored as emergency driving (the rest are the normal profile). */
  emergency_traversals: number;
  skipped: Record<string, number>;
  /** False when the day had already been learned (nothing done). */
  ran: boolean;
}

/**
 * Which travel times a computation uses: `static` (road class and maxspeed), `learned` (the
 * learned times of the hour of week now) or `learned:Mon-08` (those of a chosen hour of week).
 */
export type ProfileChoice = 'static' | 'learned' | `learned:${string}`;

/** A choice resolved on a city: the turn-restricted graph with its times, and the label naming them. */
export interface ProfileRouting {
  /** `static` also when learned times were asked for but none are learned yet. */
  label: TimeProfileLabel;
  graph: RoadGraph;
  dijkstra: DijkstraEngine;
  /** The graph as the worker pool takes it (its own id per profile, so threads keep each apart). */
  poolCity: { id: string; graph: RoadGraph };
}

/** An urgent sending without an on-scene report counts as emergency driving for at most this. */
const URGENT_OPEN_MS = 3600_000;

export type DrivingProfile = 'normal' | 'emergency';

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const INSERT_BATCH = 500;

export class EtaService {
  private readonly matchers = new WeakMap<object, HmmMatcher>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly places: PlacesService,
    readonly now: () => Date,
    /**
     * The city's time zone: hours of week (statistics, labels, a picked hour) are its local
     * wall-clock hours. No per-city setting exists yet: Asia/Shanghai.
     */
    readonly timeZone: string = DEFAULT_CITY_TIME_ZONE,
  ) {}

  /** Whether a city is imported (the nightly run has nothing to do before). */
  async hasCity(): Promise<boolean> {
    try {
      await this.places.city(undefined);
      return true;
    } catch {
      return false;
    }
  }

  /** The UTC day before `now`, YYYY-MM-DD: what the nightly run learns. */
  yesterday(): string {
    return new Date(this.now().getTime() - 86_400_000).toISOString().slice(0, 10);
  }

  /** Learns one UTC day for the default city; a day already learned returns ran: false. */
  async learnDay(day: string, trigger: 'nightly' | 'manual', cityName?: string): Promise<LearnRunSummary> {
    if (!DAY_RE.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`)))
      throw new RangeError(`bad day ${day}`);
    const city = await this.places.city(cityName);
    const graph = city.graph;
    const summary: LearnRunSummary = {
      day,
      city: city.name,
      trigger,
      units: 0,
      fixes: 0,
      matched: 0,
      trips: 0,
      unmatchable_trips: 0,
      traversals: 0,
      emergency_traversals: 0,
      skipped: emptySkips(),
      ran: false,
    };
    const claimed = await this.db
      .insertInto('eta_learn_runs')
      .values({ city_id: city.id, day, trigger, edge_count: graph.edgeCount })
      .onConflict((oc) => oc.columns(['city_id', 'day']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!claimed) return summary;
    summary.ran = true;
    // Statistics of an earlier graph (a re-import changed the edges) no longer apply.
    const stale = await this.db
      .selectFrom('eta_learn_runs')
      .select('id')
      .where('city_id', '=', city.id)
      .where('edge_count', '<>', graph.edgeCount)
      .executeTakeFirst();
    if (stale) {
      await this.db.deleteFrom('eta_edge_observations').where('city_id', '=', city.id).execute();
      await this.db
        .deleteFrom('eta_learn_runs')
        .where('city_id', '=', city.id)
        .where('edge_count', '<>', graph.edgeCount)
        .execute();
    }
    let matcher = this.matchers.get(graph);
    if (!matcher) {
      matcher = new HmmMatcher(graph);
      this.matchers.set(graph, matcher);
    }
    const from = new Date(`${day}T00:00:00Z`);
    const to = new Date(from.getTime() + 86_400_000);
    const units = await this.db
      .selectFrom('unit_positions')
      .select('unit_id')
      .distinct()
      .where('at', '>=', from)
      .where('at', '<', to)
      .execute();
    // Traversals go under the local hour of week of their entry (the offset at the day's start:
    // exact for a zone without daylight saving, such as Asia/Shanghai).
    const offset = utcOffsetSeconds(this.timeZone, from);
    const stats = new TraversalStats(graph, offset);
    const emergencyStats = new TraversalStats(graph, offset);
    // Sendings to urgent incidents overlapping the day, per unit: [from, to] in Unix seconds.
    const urgent = new Map<string, Array<[number, number]>>();
    const sendings = await this.db
      .selectFrom('dispatch_etas')
      .innerJoin('incidents', 'incidents.id', 'dispatch_etas.incident_id')
      .select(['dispatch_etas.unit_id', 'dispatch_etas.dispatched_at', 'dispatch_etas.arrived_at'])
      .where('incidents.priority', 'in', URGENT_PRIORITIES)
      .where('dispatch_etas.dispatched_at', '<', to)
      .where('dispatch_etas.dispatched_at', '>=', new Date(from.getTime() - URGENT_OPEN_MS - 86_400_000))
      .execute();
    for (const r of sendings) {
      const start = new Date(r.dispatched_at).getTime();
      const end = r.arrived_at ? new Date(r.arrived_at).getTime() : start + URGENT_OPEN_MS;
      let list = urgent.get(r.unit_id);
      if (!list) {
        list = [];
        urgent.set(r.unit_id, list);
      }
      list.push([start / 1000, Math.min(end, start + 86_400_000) / 1000]);
    }
    for (const { unit_id } of units) {
      const fixes = await this.db
        .selectFrom('unit_positions')
        .select(['at', 'lon', 'lat', 'emergency'])
        .where('unit_id', '=', unit_id)
        .where('at', '>=', from)
        .where('at', '<', to)
        .orderBy('at')
        .execute();
      summary.units++;
      const rows: TraceRow[] = fixes.map((f) => ({
        vehicle: unit_id,
        time: new Date(f.at).getTime() / 1000,
        lon: f.lon,
        lat: f.lat,
      }));
      const times = rows.map((r) => r.time);
      const sent = urgent.get(unit_id) ?? [];
      // The rule in the file comment: the flag of the last fix at or before t, or an urgent sending.
      const emergencyAt = (t: number): boolean => {
        for (const [a, b] of sent) if (t >= a && t <= b) return true;
        let lo = 0;
        let hi = times.length - 1;
        if (hi < 0 || times[0] > t) return false;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (times[mid] <= t) lo = mid;
          else hi = mid - 1;
        }
        return fixes[lo].emergency === true;
      };
      for (const trip of splitTrips(rows)) {
        const r = matcher.match(trip.fixes);
        summary.trips++;
        summary.fixes += r.points;
        summary.matched += r.matched;
        for (const k of SKIP_REASONS) summary.skipped[k] += r.skipped[k];
        if (r.unmatchable) {
          summary.unmatchable_trips++;
          continue;
        }
        for (const t of r.traversals) {
          if (emergencyAt((t.entry + t.exit) / 2)) {
            if (emergencyStats.add(t.edge, t.entry, t.exit)) {
              summary.traversals++;
              summary.emergency_traversals++;
            }
          } else if (stats.add(t.edge, t.entry, t.exit)) summary.traversals++;
        }
      }
    }
    const cells = [
      ...[...stats.cells()].map((c) => ({ ...c, profile: 'normal' as const })),
      ...[...emergencyStats.cells()].map((c) => ({ ...c, profile: 'emergency' as const })),
    ];
    for (let i = 0; i < cells.length; i += INSERT_BATCH) {
      await this.db
        .insertInto('eta_edge_observations')
        .values(
          cells.slice(i, i + INSERT_BATCH).map((c) => ({
            city_id: city.id,
            profile: c.profile,
            edge: c.edge,
            hour_of_week: c.how,
            n: c.n,
            sum_s: c.sum,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['city_id', 'profile', 'edge', 'hour_of_week']).doUpdateSet((eb) => ({
            n: eb('eta_edge_observations.n', '+', eb.ref('excluded.n')),
            sum_s: eb('eta_edge_observations.sum_s', '+', eb.ref('excluded.sum_s')),
          })),
        )
        .execute();
    }
    await this.db
      .updateTable('eta_learn_runs')
      .set({
        finished_at: this.now(),
        units: summary.units,
        fixes: summary.fixes,
        matched: summary.matched,
        trips: summary.trips,
        unmatchable_trips: summary.unmatchable_trips,
        traversals: summary.traversals,
        skipped: JSON.stringify(summary.skipped),
      })
      .where('id', '=', claimed.id)
      .execute();
    return summary;
  }

  private readonly profiles = new Map<string, Promise<LearnedProfile>>();
  private readonly hours = new Map<string, { label: TimeProfileLabel; baseTimes: Float64Array }>();
  private readonly emergencyKnown = new Map<string, boolean>();

  /**
   * What the learned statistics of a city are at: the runs that added traversals (count, last
   * finish), null when there are none (routing stays static). Read from the database, so a run
   * on another node is seen too; cheap (a few rows per city and day).
   */
  async learnedVersion(cityId: string, profile: DrivingProfile = 'normal'): Promise<string | null> {
    const row = await this.db
      .selectFrom('eta_learn_runs')
      .select((eb) => [eb.fn.countAll<string>().as('runs'), eb.fn.max('finished_at').as('last')])
      .where('city_id', '=', cityId)
      .where('finished_at', 'is not', null)
      .where('traversals', '>', 0)
      .executeTakeFirst();
    if (!row || Number(row.runs) === 0 || !row.last) return null;
    const version = `${row.runs}:${new Date(row.last).toISOString()}`;
    if (profile === 'emergency') {
      // Learned once there is any emergency traversal; asked once per city and runs version.
      const key = `${cityId}:${version}`;
      let known = this.emergencyKnown.get(key);
      if (known === undefined) {
        known = !!(await this.db
          .selectFrom('eta_edge_observations')
          .select('edge')
          .where('city_id', '=', cityId)
          .where('profile', '=', 'emergency')
          .limit(1)
          .executeTakeFirst());
        if (this.emergencyKnown.size > 16) this.emergencyKnown.clear();
        this.emergencyKnown.set(key, known);
      }
      if (!known) return null;
    }
    return `${profile}:${version}`;
  }

  /**
   * The base-edge travel times of the hour of week holding `at` (city local time, as learned), with
   * the label naming them, or null when nothing is learned for the city (use the static times).
   * Cached per city, hour and statistics version: dispatch asks once per hour, not per call.
   */
  async hourTimes(
    at: Date,
    cityName?: string,
    driving: DrivingProfile = 'normal',
  ): Promise<{ label: TimeProfileLabel; baseTimes: Float64Array; version: string } | null> {
    return this.hourTimesOf(hourOfWeekAt(at, this.timeZone), cityName, driving);
  }

  /**
   * The base-edge times of one hour of week (as labels name it), null when nothing is learned (for
   * `emergency`: when no emergency traversal is learned; its label is `learned:Mon-08:emergency`).
   */
  async hourTimesOf(
    how: number,
    cityName?: string,
    driving: DrivingProfile = 'normal',
  ): Promise<{ label: TimeProfileLabel; baseTimes: Float64Array; version: string } | null> {
    const city = await this.places.city(cityName);
    const version = await this.learnedVersion(city.id, driving);
    if (!version) return null;
    const key = `${city.id}:${how}:${version}`;
    let hit = this.hours.get(key);
    if (!hit) {
      const profile = await this.profile(cityName, driving, version);
      hit = {
        label: driving === 'emergency' ? emergencyProfileLabel(how) : learnedProfileLabel(how),
        baseTimes: profileHour(profile, how),
      };
      // Only the current hour or two (of each driving profile) are asked for: keep the map small.
      if (this.hours.size > 8) this.hours.clear();
      this.hours.set(key, hit);
    }
    return { ...hit, version };
  }

  private readonly routings = new Map<string, ProfileRouting & { base: RoadGraph }>();

  /**
   * The routing a profile choice names on a city (coverage, isochrone layers and closure plans):
   * the city's turn-restricted graph with the static times or with the learned times of the hour
   * (now, or the chosen one), and a Dijkstra engine on it. Learned times asked for where nothing
   * is learned: the static routing, labelled `static`. Cached per hour and statistics version.
   */
  async routing(city: CityRuntime, choice: ProfileChoice): Promise<ProfileRouting> {
    const turns = city.turnRouting();
    const staticRouting: ProfileRouting = {
      label: 'static',
      graph: turns.graph,
      dijkstra: turns.dijkstra,
      poolCity: turns.poolCity,
    };
    if (choice === 'static') return staticRouting;
    const how = choice === 'learned' ? hourOfWeekAt(this.now(), this.timeZone) : parseLearnedLabel(choice);
    if (how === null) throw new RangeError(`bad profile ${choice}`);
    const hour = await this.hourTimesOf(how, city.name);
    if (!hour) return staticRouting;
    const key = `${city.id}:${hour.label}:${hour.version}`;
    let hit = this.routings.get(key);
    // A re-imported city is a new runtime with a new graph: its routings are built afresh.
    if (!hit || hit.base !== turns.graph) {
      const graph = withEdgeTimes(turns.graph, hour.baseTimes);
      hit = {
        label: hour.label,
        graph,
        dijkstra: new DijkstraEngine(graph),
        poolCity: { id: `${turns.poolCity.id}:${key}`, graph },
        base: turns.graph,
      };
      // A few hours of a city are asked for at a time: keep the map small.
      if (this.routings.size >= 4) this.routings.delete(this.routings.keys().next().value as string);
      this.routings.set(key, hit);
    }
    const { base: _, ...routing } = hit;
    return routing;
  }

  /** The learned profile of a city (cached per statistics version), from the stored statistics. */
  async profile(
    cityName?: string,
    profile: DrivingProfile = 'normal',
    knownVersion?: string | null,
  ): Promise<LearnedProfile> {
    const city = await this.places.city(cityName);
    const version = knownVersion ?? (await this.learnedVersion(city.id, profile)) ?? 'none';
    const key = `${city.id}:${profile}:${version}`;
    let p = this.profiles.get(key);
    if (!p) {
      p = (async () => {
        const stats = new TraversalStats(city.graph);
        const rows = await this.db
          .selectFrom('eta_edge_observations')
          .select(['edge', 'hour_of_week', 'n', 'sum_s'])
          .where('city_id', '=', city.id)
          .where('profile', '=', profile)
          .execute();
        for (const r of rows) stats.addCell(r.edge, r.hour_of_week, r.n, r.sum_s);
        if (profile === 'normal') return estimateProfile(stats);
        // Shrunk toward the normal profile of the same statistics version.
        const normal = await this.profile(cityName, 'normal', version.replace(/^emergency:/, 'normal:'));
        return estimateEmergencyProfile(stats, normal);
      })();
      // One version per city and profile is kept.
      for (const k of this.profiles.keys())
        if (k.startsWith(`${city.id}:${profile}:`)) this.profiles.delete(k);
      this.profiles.set(key, p);
      p.catch(() => this.profiles.delete(key));
    }
    return p;
  }
}
