/**
 * Coverage (1-3-5 minute response circles) and the post placement advisor for one city.
 *
 * Which posts count: every row of `posts` for the city, plus every police-station org with a
 * location inside the city's bounds (the seeded stations), shown read-only with `source: 'org'`.
 * A posts row with `org_id` set stands in for that org's station (e.g. to correct its position),
 * so a station is never counted twice. Stations are always included rather than only "while the
 * city has no posts": otherwise placing the first street post would silently drop every station
 * and make coverage fall.
 *
 * The searches (coverage figures, the banded layer, the placement advisor, snapping thousands of
 * addresses) run on the worker pool (workers/jobs.ts), which keeps a coverage engine and the
 * candidate sites per city graph. Snapped addresses are kept here per loaded city (the city
 * registry hands out a new runtime when a city is re-imported, so they follow it). The searches
 * run on the city's turn-restricted graph (core/coverage/coverage.ts: a street behind a banned
 * turn is reached by the detour); snapping stays on the base graph, whose edge ids it shares.
 */
import type { EdgePosition } from '@citywatch/core/coverage/coverage';
import type { RoadGraph } from '@citywatch/core/roads/graph';
import { latLngToCell } from 'h3-js';
import type { Kysely } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Database } from '../../db/schema.js';
import { type FieldError, ProblemError } from '../../http/problem.js';
import type { HeavyJobs } from '../../workers/module.js';
import type { EtaService, ProfileChoice } from '../eta/service.js';
import type { CityRuntime } from '../roads/registry.js';
import { assertOrgInScope, type OrgScope } from '../scope.js';
import { messages } from './messages.js';
import * as store from './store.js';

export type PostKind = store.PostKind;

export interface Post {
  id: string;
  kind: PostKind;
  name: string;
  lon: number;
  lat: number;
  h3: string;
  orgId: string | null;
  /** The org the post belongs to (need to know); a station shown from the org tree: itself. */
  ownerOrgId: string;
  /** 'post': a row of the posts table (editable); 'org': a police-station org (edit it as an org). */
  source: 'post' | 'org';
  createdAt: string | null;
  updatedAt: string | null;
}

/** A demand location (incident, address, place) with an optional weight (default 1). */
export interface DemandPoint {
  lon: number;
  lat: number;
  weight?: number;
}

/**
 * Where the advisor's 'incidents' demand comes from. The default reads the `incidents` table;
 * pass another (e.g. a replayed calls file) to the service to plan against other history.
 */
export type IncidentDemandSource = (city: CityRuntime) => Promise<DemandPoint[]>;

export type DemandKind = 'incidents' | 'addresses';

export interface CoverageServiceOptions {
  incidentDemand?: IncidentDemandSource;
  /** Learned travel times (the eta module); without it every profile choice is the static one. */
  eta?: Pick<EtaService, 'routing'>;
}

// Posts and demand farther than this from any road are left out (and counted as off-network).
const SNAP_LIMIT_M = 1000;
// Beyond this from the city's bounds a point is outside the city (as in the places module).
const OUTSIDE_MARGIN_DEG = 0.05;
const MAX_INCIDENTS = 100_000;
const MAX_DEMAND_POINTS = 5_000;

/** The city's addresses on the road network: edge, position along it and H3 cell of each. */
interface SnappedAddresses {
  edge: Int32Array;
  t: Float64Array;
  cell: string[];
  offNetwork: number;
}

interface CityCoverageState {
  addresses?: Promise<SnappedAddresses>;
}

export interface CityLookup {
  city(name: string | undefined): Promise<CityRuntime>;
}

export class CoverageService {
  private readonly perCity = new WeakMap<CityRuntime, CityCoverageState>();
  private readonly incidentDemand: IncidentDemandSource;
  private readonly eta?: Pick<EtaService, 'routing'>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly cities: CityLookup,
    private readonly now: () => Date,
    private readonly jobs: HeavyJobs,
    options: CoverageServiceOptions = {},
  ) {
    this.eta = options.eta;
    this.incidentDemand =
      options.incidentDemand ?? (async (city) => store.incidentLocations(this.db, city.id, MAX_INCIDENTS));
  }

  city(name: string | undefined): Promise<CityRuntime> {
    return this.cities.city(name);
  }

  // ---------------------------------------------------------------------------------------------
  // Posts

  /**
   * The city's posts: with a scope (a person's list), only the posts owned by an org of its subtree
   * and the police stations of that subtree; without (coverage figures, layer, advisor), every post
   * of the city, since a neighbouring station's post covers one's roads as well.
   */
  async listPosts(city: CityRuntime, scope: OrgScope | null = null): Promise<Post[]> {
    const rows = await store.listPosts(this.db, city.id, scope);
    const standIns = new Set(rows.flatMap((r) => (r.org_id ? [r.org_id] : [])));
    const stations = await store.stationOrgsWithin(this.db, widen(city.bounds, OUTSIDE_MARGIN_DEG), scope);
    const fromOrgs: Post[] = stations
      .filter((s) => !standIns.has(s.id))
      .map((s) => ({
        id: s.id,
        kind: 'police_station',
        name: s.name,
        lon: s.lon,
        lat: s.lat,
        h3: latLngToCell(s.lat, s.lon, 9),
        orgId: s.id,
        ownerOrgId: s.id,
        source: 'org',
        createdAt: null,
        updatedAt: null,
      }));
    return [...fromOrgs, ...rows.map(presentPost)];
  }

  /** A post owned by the actor's org; the station it stands in for (orgId) must be of the actor's subtree. */
  async createPost(
    city: CityRuntime,
    input: { kind: PostKind; name: string; lon: number; lat: number; orgId?: string | null },
    actor: OrgScope,
  ): Promise<Post> {
    this.assertInside(city, input.lon, input.lat);
    if (input.orgId) await assertOrgInScope(this.db, actor, input.orgId, 'orgId');
    const row = await store.insertPost(
      this.db,
      {
        id: uuidv7(),
        city_id: city.id,
        kind: input.kind,
        name: input.name,
        lon: input.lon,
        lat: input.lat,
        h3: latLngToCell(input.lat, input.lon, 9),
        org_id: input.orgId ?? null,
        owner_org_id: actor.orgId,
      },
      this.now(),
    );
    return presentPost(row);
  }

  /** A post owned by an org of the actor's subtree (else 404). */
  async updatePost(
    id: string,
    patch: { kind?: PostKind; name?: string; lon?: number; lat?: number; orgId?: string | null },
    actor: OrgScope,
  ): Promise<Post> {
    const existing = await store.findPost(this.db, id, actor);
    if (!existing) throw this.notAnEditablePost(id);
    const lon = patch.lon ?? existing.lon;
    const lat = patch.lat ?? existing.lat;
    if (patch.lon !== undefined || patch.lat !== undefined) {
      const city = await this.cityById(existing.city_id);
      if (city) this.assertInside(city, lon, lat);
    }
    if (patch.orgId) await assertOrgInScope(this.db, actor, patch.orgId, 'orgId');
    const set: Parameters<typeof store.updatePost>[2] = {};
    if (patch.kind !== undefined) set.kind = patch.kind;
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.lon !== undefined || patch.lat !== undefined) {
      set.lon = lon;
      set.lat = lat;
      set.h3 = latLngToCell(lat, lon, 9);
    }
    if (patch.orgId !== undefined) set.org_id = patch.orgId;
    const row = await store.updatePost(this.db, id, set, this.now(), actor);
    if (!row) throw this.notAnEditablePost(id);
    return presentPost(row);
  }

  /** A post owned by an org of the actor's subtree (else 404). */
  async deletePost(id: string, actor: OrgScope): Promise<void> {
    if (!(await store.deletePost(this.db, id, actor))) throw this.notAnEditablePost(id);
  }

  // ---------------------------------------------------------------------------------------------
  // Coverage

  /** Shares of addresses and of road length within each threshold from the city's posts. */
  async coverage(
    city: CityRuntime,
    thresholds: readonly number[],
    options: { byCell?: boolean; profile?: ProfileChoice } = {},
  ) {
    const state = this.stateOf(city);
    const [posts, addresses, routing] = await Promise.all([
      this.listPosts(city),
      this.addressesOf(city, state),
      this.routing(city, options.profile ?? 'static'),
    ]);
    const started = performance.now();
    const snapped = this.snapPosts(city, posts);
    const { edge, t, cell } = addresses;
    const demand = options.byCell ? { edge, t, cell } : { edge, t };
    const snapMs = performance.now() - started;
    const result = await this.jobs.run(
      'coverage.figures',
      { posts: snapped.positions, demand, thresholds: [...thresholds] },
      // On the turn-restricted graph with the profile's times (same edge ids as the base graph the
      // posts were snapped on).
      { city: routing.poolCity },
    );
    const computeMs = snapMs + result.computeMs;
    return {
      city: city.name,
      profile: routing.label,
      posts: snapped.positions.length,
      postsOffNetwork: snapped.offNetwork,
      addresses: edge.length,
      addressesOffNetwork: addresses.offNetwork,
      totalRoadLengthM: round(result.totalRoadLengthM, 1),
      thresholds: result.thresholds.map((t) => ({
        seconds: t.seconds,
        addressShare: round(t.addressShare, 6),
        roadLengthShare: round(t.roadLengthShare, 6),
        roadLengthM: round(t.roadLengthM, 1),
      })),
      ...(options.byCell
        ? {
            cells: result.cells.map((c) => ({
              h3: c.cell,
              addresses: c.weight,
              shares: c.reached.map((r) => round(r / c.weight, 6)),
            })),
          }
        : {}),
      computeMs: round(computeMs, 3),
    };
  }

  /** The reached road as lines, each with the band (seconds) it is first reached within. */
  async layer(city: CityRuntime, thresholds: readonly number[], profile: ProfileChoice = 'static') {
    const [posts, routing] = await Promise.all([this.listPosts(city), this.routing(city, profile)]);
    const sorted = [...thresholds].sort((a, b) => a - b);
    const snapped = this.snapPosts(city, posts);
    const pieces = await this.jobs.run(
      'coverage.pieces',
      { posts: snapped.positions, sortedThresholds: sorted },
      { city: routing.poolCity },
    );
    const g = city.graph;
    const features = new Array(pieces.edge.length);
    for (let i = 0; i < features.length; i++) {
      features[i] = {
        type: 'Feature' as const,
        properties: { band: pieces.band[i] },
        geometry: {
          type: 'LineString' as const,
          coordinates: [pointAt(g, pieces.edge[i], pieces.from[i]), pointAt(g, pieces.edge[i], pieces.to[i])],
        },
      };
    }
    return { type: 'FeatureCollection' as const, profile: routing.label, features };
  }

  /**
   * Greedy maximal covering: where K new posts would cover the most demand within the threshold,
   * on top of the existing posts. Demand 'incidents' uses the incident history; a city without any
   * falls back to addresses and named places, and the answer says which demand was used.
   */
  async advise(city: CityRuntime, request: { k: number; demand: DemandKind; thresholdSeconds: number }) {
    let used: 'incidents' | 'addresses_and_places' = 'addresses_and_places';
    let raw: DemandPoint[] = [];
    if (request.demand === 'incidents') {
      raw = await this.incidentDemand(city);
      if (raw.length > 0) used = 'incidents';
    }
    if (used === 'addresses_and_places')
      raw = await store.gazetteerPoints(this.db, city.id, ['address', 'place']);
    return this.adviseFor(city, raw, request, { requested: request.demand, used });
  }

  /** The advisor on any demand points (the extension point for other demand sources). */
  async adviseOn(
    city: CityRuntime,
    demand: readonly DemandPoint[],
    request: { k: number; thresholdSeconds: number },
  ) {
    return this.adviseFor(city, demand, request, { requested: 'given', used: 'given' });
  }

  private async adviseFor(
    city: CityRuntime,
    raw: readonly DemandPoint[],
    request: { k: number; thresholdSeconds: number },
    source: { requested: DemandKind | 'given'; used: 'incidents' | 'addresses_and_places' | 'given' },
  ) {
    const posts = await this.listPosts(city);
    const started = performance.now();
    // Demand is snapped and the greedy covering runs on a worker thread (workers/jobs.ts).
    const lon = new Float64Array(raw.length);
    const lat = new Float64Array(raw.length);
    const weight = new Float64Array(raw.length);
    raw.forEach((p, i) => {
      lon[i] = p.lon;
      lat[i] = p.lat;
      weight[i] = p.weight ?? 1;
    });
    const existing = this.snapPosts(city, posts).positions;
    const { points, offNetwork, result } = await this.jobs.run(
      'coverage.advise',
      {
        demand: { lon, lat, weight },
        snapLimitM: SNAP_LIMIT_M,
        existingPosts: existing,
        k: request.k,
        radiusSeconds: request.thresholdSeconds,
        maxDemandPoints: MAX_DEMAND_POINTS,
      },
      { city: city.turnRouting().poolCity, transfer: [lon.buffer, lat.buffer, weight.buffer] },
    );
    return {
      city: city.name,
      thresholdSeconds: request.thresholdSeconds,
      demand: {
        ...source,
        points,
        offNetwork,
        aggregatedPoints: result.demandPoints,
      },
      existingPosts: existing.length,
      baselineShare: round(result.baselineShare, 6),
      picks: result.picks.map((p) => ({
        lon: p.lon,
        lat: p.lat,
        h3: latLngToCell(p.lat, p.lon, 9),
        gain: round(p.gain, 3),
        gainShare: round(result.totalWeight > 0 ? p.gain / result.totalWeight : 0, 6),
        cumulativeShare: round(p.cumulativeShare, 6),
      })),
      computeMs: round(performance.now() - started, 3),
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Internals

  /** The turn-restricted graph with the chosen profile's times (static without the eta module). */
  private async routing(city: CityRuntime, profile: ProfileChoice) {
    if (this.eta) return this.eta.routing(city, profile);
    return { label: 'static' as const, poolCity: city.turnRouting().poolCity };
  }

  private stateOf(city: CityRuntime): CityCoverageState {
    let state = this.perCity.get(city);
    if (!state) {
      state = {};
      this.perCity.set(city, state);
    }
    return state;
  }

  /** The city's addresses snapped to the network once per loaded city (on a worker thread). */
  private addressesOf(city: CityRuntime, state: CityCoverageState) {
    state.addresses ??= (async (): Promise<SnappedAddresses> => {
      const rows = await store.gazetteerPoints(this.db, city.id, ['address']);
      const lon = Float64Array.from(rows, (r) => r.lon);
      const lat = Float64Array.from(rows, (r) => r.lat);
      const snapped = await this.jobs.run(
        'snap',
        { lon, lat, limitM: SNAP_LIMIT_M },
        { city, transfer: [lon.buffer, lat.buffer] },
      );
      const keep: number[] = [];
      for (let i = 0; i < rows.length; i++) if (snapped.edge[i] >= 0) keep.push(i);
      return {
        edge: Int32Array.from(keep, (i) => snapped.edge[i]),
        t: Float64Array.from(keep, (i) => snapped.t[i]),
        cell: keep.map((i) => rows[i].h3),
        offNetwork: rows.length - keep.length,
      };
    })();
    state.addresses.catch(() => {
      state.addresses = undefined;
    });
    return state.addresses;
  }

  private snapPosts(
    city: CityRuntime,
    posts: readonly Post[],
  ): { positions: EdgePosition[]; offNetwork: number } {
    const positions: EdgePosition[] = [];
    let offNetwork = 0;
    for (const p of posts) {
      const hit = city.snapper.snap(p.lon, p.lat, SNAP_LIMIT_M);
      if (hit) positions.push({ edge: hit.edge, t: hit.t });
      else offNetwork++;
    }
    return { positions, offNetwork };
  }

  private async cityById(id: string): Promise<CityRuntime | undefined> {
    const row = await this.db.selectFrom('cities').select('name').where('id', '=', id).executeTakeFirst();
    return row ? this.cities.city(row.name) : undefined;
  }

  private assertInside(city: CityRuntime, lon: number, lat: number): void {
    const b = widen(city.bounds, OUTSIDE_MARGIN_DEG);
    if (lon >= b.minLon && lon <= b.maxLon && lat >= b.minLat && lat <= b.maxLat) return;
    const errors: FieldError[] = [
      { field: 'lon', rule: 'outside_city', message: '' },
      { field: 'lat', rule: 'outside_city', message: '' },
    ];
    throw new ProblemError('validation', messages.outsideCity(city.name), errors);
  }

  private notAnEditablePost(id: string): ProblemError {
    return new ProblemError('not_found', messages.notAnEditablePost(id));
  }
}

function presentPost(r: store.PostRow): Post {
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    lon: r.lon,
    lat: r.lat,
    h3: r.h3,
    orgId: r.org_id,
    ownerOrgId: r.owner_org_id,
    source: 'post',
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

function widen(b: store.Bounds, margin: number): store.Bounds {
  return {
    minLon: b.minLon - margin,
    minLat: b.minLat - margin,
    maxLon: b.maxLon + margin,
    maxLat: b.maxLat + margin,
  };
}

function pointAt(g: RoadGraph, edge: number, f: number): [number, number] {
  const a = g.edgeTail[edge];
  const b = g.edgeHead[edge];
  return [
    round(g.nodeLon[a] + f * (g.nodeLon[b] - g.nodeLon[a]), 7),
    round(g.nodeLat[a] + f * (g.nodeLat[b] - g.nodeLat[a]), 7),
  ];
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
