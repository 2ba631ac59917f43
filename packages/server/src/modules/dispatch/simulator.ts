import { DISPATCH_CATEGORIES } from '@citywatch/core/dispatch/categories';
import { largestStronglyConnectedComponent } from '@citywatch/core/roads/ch';
import { DijkstraEngine } from '@citywatch/core/roads/dijkstra';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { CityRuntime } from '../roads/registry.js';

/**
 * A city day at road speeds: units patrol real roads, calls arrive at real places, and the
 * simulated dispatcher sends the recommended unit when nobody in the room has acted within two
 * (simulated) minutes. Everything goes through the same HTTP API the consoles and devices use, so
 * the demo exercises the real code paths.
 */
export interface SimulatorOptions {
  /** Simulated seconds per real second. */
  speed: number;
  /** Mean simulated seconds between calls. */
  callEverySeconds: number;
  /** Real milliseconds between ticks. */
  tickMs: number;
  seed: number;
  /** The platform's clock (AVL fixes carry it). */
  now: () => Date;
  /** Where calls come from: [lon, lat] points weighted by what stands there (addresses, buildings). */
  callSpots: readonly (readonly [number, number])[];
  log?: (line: string) => void;
}

interface SimUnit {
  id: string;
  callSign: string;
  /** Its AVL terminal's device token: positions are posted as the unit's device, not as a person. */
  avlToken: string;
  /** Current path as edge ids and progress along it. */
  path: number[];
  edgeIndex: number;
  /** Simulated seconds already spent on path[edgeIndex]. */
  onEdge: number;
  node: number;
  mission: { incidentId: string; phase: 'to_scene' | 'on_scene'; until?: number } | null;
}

interface SimCall {
  incidentId: string;
  at: number;
}

export class CitySimulator {
  private readonly engine: DijkstraEngine;
  private readonly mainNodes: number[];
  private readonly units: SimUnit[] = [];
  private readonly pending: SimCall[] = [];
  private simTime = 0;
  private nextCallAt: number;
  private random: () => number;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private inflight: Promise<void> = Promise.resolve();

  constructor(
    private readonly app: FastifyInstance,
    private readonly city: CityRuntime,
    private readonly cookie: string,
    private readonly options: SimulatorOptions,
  ) {
    this.engine = new DijkstraEngine(city.graph);
    const scc = largestStronglyConnectedComponent(city.graph);
    this.mainNodes = [];
    for (let v = 0; v < city.graph.nodeCount; v++) if (scc[v]) this.mainNodes.push(v);
    this.random = mulberry32(options.seed);
    this.nextCallAt = this.exponential(options.callEverySeconds);
  }

  /**
   * Adds the city's units (by call sign, with the token of each one's AVL terminal) to the
   * simulation, each starting at a random road node.
   */
  async addUnits(units: readonly { id: string; callSign: string; avlToken: string }[]) {
    for (const u of units) {
      const node = this.mainNodes[Math.floor(this.random() * this.mainNodes.length)];
      this.units.push({
        id: u.id,
        callSign: u.callSign,
        avlToken: u.avlToken,
        path: [],
        edgeIndex: 0,
        onEdge: 0,
        node,
        mission: null,
      });
    }
    await this.reportPositions();
  }

  start() {
    this.timer = setInterval(() => {
      if (this.busy) return; // a slow tick is skipped, not queued
      this.busy = true;
      this.inflight = this.tick(this.options.speed * (this.options.tickMs / 1000))
        .catch((error: unknown) => this.options.log?.(`simulator: ${(error as Error).message}`))
        .finally(() => {
          this.busy = false;
        });
    }, this.options.tickMs);
    this.timer.unref();
  }

  /** Stops ticking and waits for the tick under way, so nothing calls the API after this. */
  async stop() {
    clearInterval(this.timer);
    await this.inflight;
  }

  /** Advances the city by `seconds` of simulated time. */
  async tick(seconds: number) {
    this.simTime += seconds;
    for (const u of this.units) this.move(u, seconds);
    await this.reportPositions();
    while (this.simTime >= this.nextCallAt) {
      await this.newCall();
      this.nextCallAt += this.exponential(this.options.callEverySeconds);
    }
    await this.dispatchWaitingCalls();
    await this.advanceMissions();
  }

  private move(u: SimUnit, seconds: number) {
    const g = this.city.graph;
    let left = seconds;
    while (left > 0) {
      if (u.edgeIndex >= u.path.length) {
        if (u.mission) return; // parked at the scene
        this.routeTo(u, this.mainNodes[Math.floor(this.random() * this.mainNodes.length)]);
        if (u.path.length === 0) return;
      }
      const edge = u.path[u.edgeIndex];
      const remaining = g.edgeTime[edge] - u.onEdge;
      if (left < remaining) {
        u.onEdge += left;
        return;
      }
      left -= remaining;
      u.node = g.edgeHead[edge];
      u.edgeIndex++;
      u.onEdge = 0;
    }
  }

  private routeTo(u: SimUnit, target: number) {
    const time = this.engine.oneToOne(u.node, target);
    u.path = Number.isFinite(time) ? this.engine.pathEdges(target) : [];
    u.edgeIndex = 0;
    u.onEdge = 0;
  }

  private position(u: SimUnit): { lon: number; lat: number; heading: number } {
    const g = this.city.graph;
    if (u.edgeIndex >= u.path.length) return { lon: g.nodeLon[u.node], lat: g.nodeLat[u.node], heading: 0 };
    const e = u.path[u.edgeIndex];
    const f = g.edgeTime[e] > 0 ? u.onEdge / g.edgeTime[e] : 0;
    const a = g.edgeTail[e];
    const b = g.edgeHead[e];
    const dLon = g.nodeLon[b] - g.nodeLon[a];
    const dLat = g.nodeLat[b] - g.nodeLat[a];
    const heading =
      ((Math.atan2(dLon * Math.cos((g.nodeLat[a] * Math.PI) / 180), dLat) * 180) / Math.PI + 360) % 360;
    return { lon: g.nodeLon[a] + f * dLon, lat: g.nodeLat[a] + f * dLat, heading };
  }

  private async reportPositions() {
    if (this.units.length === 0) return;
    const at = this.options.now().toISOString();
    // Each unit's terminal posts its own fix (a device speaks only for its unit).
    await Promise.all(
      this.units.map((u) =>
        this.call(
          {
            method: 'POST',
            url: '/api/dispatch/avl',
            payload: { positions: [{ unitId: u.id, at, ...round(this.position(u)) }] },
          },
          u.avlToken,
        ),
      ),
    );
  }

  private async newCall() {
    const spots = this.options.callSpots;
    if (spots.length === 0) return;
    const [lon, lat] = spots[Math.floor(this.random() * spots.length)];
    const police = DISPATCH_CATEGORIES.filter((c) => c.police);
    const category = police[Math.floor(this.random() * police.length)];
    const sub = category.sub[Math.floor(this.random() * category.sub.length)];
    const priority = (['P1', 'P2', 'P2', 'P3', 'P3', 'P3', 'P4'] as const)[Math.floor(this.random() * 7)];
    const r = await this.call({
      method: 'POST',
      url: '/api/dispatch/incidents',
      payload: {
        category: category.code,
        subcategory: sub.code,
        priority,
        lon,
        lat,
        narrative: `【模拟】${sub.zh}`,
      },
    });
    if (r.statusCode === 201) {
      const id = (r.json() as { incident: { id: string } }).incident.id;
      this.pending.push({ incidentId: id, at: this.simTime });
    }
  }

  private async dispatchWaitingCalls() {
    for (const call of [...this.pending]) {
      if (this.simTime - call.at < 120) continue;
      this.pending.splice(this.pending.indexOf(call), 1);
      const incident = (
        await this.call({ method: 'GET', url: `/api/dispatch/incidents/${call.incidentId}` })
      ).json() as { status: string; lon: number; lat: number };
      if (incident.status !== 'received') continue; // a person already handled it
      const recs = (
        await this.call({ method: 'GET', url: `/api/dispatch/incidents/${call.incidentId}/recommendations` })
      ).json() as { items: { unitId: string }[] };
      const mine = recs.items.find((r) => this.units.some((u) => u.id === r.unitId && !u.mission));
      if (!mine) {
        this.pending.push({ ...call, at: this.simTime }); // try again later
        continue;
      }
      const d = await this.call({
        method: 'POST',
        url: `/api/dispatch/incidents/${call.incidentId}/dispatch`,
        payload: { unitId: mine.unitId },
      });
      if (d.statusCode !== 200) continue;
      const unit = this.units.find((u) => u.id === mine.unitId)!;
      unit.mission = { incidentId: call.incidentId, phase: 'to_scene' };
      const target = this.city.snapper.snap(incident.lon, incident.lat, 1000);
      if (target) this.routeTo(unit, this.city.graph.edgeHead[target.edge]);
      await this.call({
        method: 'POST',
        url: `/api/dispatch/units/${unit.id}/status`,
        payload: { status: 'en_route' },
      });
    }
  }

  private async advanceMissions() {
    for (const u of this.units) {
      const m = u.mission;
      if (!m) continue;
      if (m.phase === 'to_scene' && u.edgeIndex >= u.path.length) {
        m.phase = 'on_scene';
        m.until = this.simTime + 600 + this.random() * 900; // 10–25 minutes on scene
        await this.call({
          method: 'POST',
          url: `/api/dispatch/units/${u.id}/status`,
          payload: { status: 'on_scene' },
        });
      } else if (m.phase === 'on_scene' && this.simTime >= (m.until ?? 0)) {
        await this.call({
          method: 'POST',
          url: `/api/dispatch/incidents/${m.incidentId}/transition`,
          payload: { to: 'cleared' },
        });
        await this.call({
          method: 'POST',
          url: `/api/dispatch/incidents/${m.incidentId}/transition`,
          payload: { to: 'closed' },
        });
        u.mission = null;
      }
    }
  }

  /** Answers the API refused, by route and status (a healthy day has none but expected 409s). */
  readonly refusals = new Map<string, number>();

  /** Calls the API as the simulated dispatcher, or as a unit's AVL terminal when given its token. */
  private async call(options: InjectOptions, deviceToken?: string) {
    const r = await this.app.inject({
      ...options,
      headers: {
        ...(options.headers ?? {}),
        ...(deviceToken ? { authorization: `Bearer ${deviceToken}` } : { cookie: this.cookie }),
      },
    });
    if (r.statusCode >= 400) {
      const key = `${options.method} ${String(options.url).replace(/[0-9a-f-]{36}/g, ':id')} ${r.statusCode}`;
      this.refusals.set(key, (this.refusals.get(key) ?? 0) + 1);
    }
    return r;
  }

  private exponential(mean: number): number {
    return -Math.log(1 - this.random()) * mean;
  }
}

function round(p: { lon: number; lat: number; heading: number }) {
  return {
    lon: Math.round(p.lon * 1e7) / 1e7,
    lat: Math.round(p.lat * 1e7) / 1e7,
    heading: Math.round(p.heading),
  };
}

/** Small seeded PRNG: the same seed replays the same day. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
