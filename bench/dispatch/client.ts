/**
 * The load generator of bench/dispatch.ts, run in a worker thread so that the clients do not share
 * the server's event loop (the machine has few cores; on one loop every client callback would
 * delay the server and inflate the figures it measures).
 *
 * Open loop: requests leave on a fixed schedule whether or not earlier ones have answered, so a
 * server that falls behind shows it as latency (and, past the in-flight cap, as errors).
 *   - 50 console sockets on /api/live, subscribed to dispatch.incident_changed;
 *   - every second each unit reports one AVL fix from its own AVL terminal (a device token bound
 *     to the unit: one POST per unit), the units split into `avlBatches` groups spread over the
 *     second, moving along real road edges at 8–15 m/s;
 *   - `incidentsPerSecond` incidents POSTed at random road nodes, spread over the second, each
 *     followed by GET …/recommendations once its POST has answered.
 * All times are taken on this thread's clock (performance.now()).
 */
import { parentPort, workerData } from 'node:worker_threads';
import WebSocket from 'ws';

export interface ClientInput {
  base: string;
  origin: string;
  cookie: string;
  unitIds: string[];
  /** Each unit's AVL terminal token (same order as unitIds). */
  avlTokens: string[];
  /** Node coordinates and forward CSR of the city graph. */
  nodeLon: Float64Array;
  nodeLat: Float64Array;
  firstOut: Uint32Array;
  edgeTail: Uint32Array;
  edgeHead: Uint32Array;
  edgeLength: Float64Array;
  /** Nodes of the largest strongly connected component: where units start and incidents happen. */
  mainNodes: Uint32Array;
  /** 1 for nodes of that component. */
  mainMask: Uint8Array;
  seconds: number;
  consoles: number;
  incidentsPerSecond: number;
  avlBatches: number;
  seed: number;
  /** A console event later than this after its POST started counts as never received. */
  eventTimeoutMs: number;
  /** Requests in flight above which a scheduled request is not sent and counted as an error. */
  maxInFlight: number;
}

export interface Stats {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export interface ClientReport {
  durationMs: number;
  console: Stats;
  consolePairs: number;
  consoleMissed: number;
  incidentPost: Stats;
  recommend: Stats;
  avlPost: Stats;
  incidentsSent: number;
  incidentsCreated: number;
  avlFixesSent: number;
  avlAccepted: number;
  avlRejected: number;
  avlOutOfOrder: number;
  /** Non-2xx answers and failed requests, by endpoint. */
  httpErrors: { incident: number; recommend: number; avl: number };
  wsErrors: number;
  /** Scheduled requests not sent because maxInFlight were outstanding. */
  skippedOverload: number;
  /** How late the scheduler fired at worst (the client's own lag). */
  schedulerLagMaxMs: number;
  /** Error messages, alike ones grouped, with counts. */
  errorKinds: Record<string, number>;
  recommendationsEmpty: number;
}

export type WorkerMessage = { kind: 'measuring' } | { kind: 'done'; report: ClientReport };

function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function stats(values: number[]): Stats {
  if (values.length === 0) return { count: 0, p50: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  const r = (x: number) => Math.round(x * 100) / 100;
  return { count: sorted.length, p50: r(at(0.5)), p99: r(at(0.99)), max: r(sorted[sorted.length - 1]) };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

async function run(input: ClientInput): Promise<ClientReport> {
  const random = randomSource(input.seed);
  /** Error messages (numbers blanked so alike ones group) → how often; at most 20 kinds kept. */
  const errorKinds = new Map<string, number>();
  const noteError = (what: string) => {
    const key = what.replace(/\d+/g, 'N').slice(0, 200);
    if (errorKinds.has(key) || errorKinds.size < 20) errorKinds.set(key, (errorKinds.get(key) ?? 0) + 1);
  };
  const httpErrors = { incident: 0, recommend: 0, avl: 0 };
  let wsErrors = 0;
  let measuring = false;

  // ---- consoles
  /** incidentId → arrival time at each console (index), first event only. */
  const arrivals = new Map<string, Float64Array>();
  const sockets: WebSocket[] = [];
  await Promise.all(
    Array.from({ length: input.consoles }, (_, c) => {
      return new Promise<void>((resolve, reject) => {
        const ws = new WebSocket(`${input.base.replace(/^http/, 'ws')}/api/live`, {
          headers: { cookie: input.cookie, origin: input.origin },
        });
        sockets.push(ws);
        let ready = false;
        ws.on('message', (data) => {
          const now = performance.now();
          const frame = JSON.parse(String(data)) as {
            kind: string;
            event?: { type: string; payload: { incidentId?: string } };
          };
          if (frame.kind === 'hello') {
            ws.send(JSON.stringify({ kind: 'subscribe', types: ['dispatch.incident_changed'] }));
          } else if (frame.kind === 'subscribed') {
            ready = true;
            resolve();
          } else if (frame.kind === 'event' && frame.event?.type === 'dispatch.incident_changed') {
            const id = frame.event.payload.incidentId;
            if (!id) return;
            let row = arrivals.get(id);
            if (!row) {
              row = new Float64Array(input.consoles).fill(Number.NaN);
              arrivals.set(id, row);
            }
            if (Number.isNaN(row[c])) row[c] = now;
          } else if (frame.kind === 'error') {
            wsErrors++;
            noteError(`console ${c}: ${frame.kind} ${String(data).slice(0, 200)}`);
          }
        });
        ws.on('unexpected-response', (_req, res) => {
          wsErrors++;
          noteError(`console ${c}: upgrade refused ${res.statusCode}`);
          reject(new Error(`console ${c}: upgrade refused ${res.statusCode}`));
        });
        ws.on('error', (error) => {
          wsErrors++;
          noteError(`console ${c}: ${error.message}`);
          if (!ready) reject(error);
        });
        ws.on('close', (code, reason) => {
          if (measuring) {
            wsErrors++;
            noteError(`console ${c}: closed ${code} ${String(reason)}`);
          }
        });
      });
    }),
  );

  // ---- units moving along the road graph
  const { nodeLon, nodeLat, firstOut, edgeTail, edgeHead, edgeLength, mainNodes, mainMask } = input;
  const n = input.unitIds.length;
  const edgeOf = new Int32Array(n);
  const along = new Float64Array(n);
  const speedOf = new Float64Array(n);
  const nextEdge = (node: number, comeFrom: number): number => {
    const options: number[] = [];
    for (let e = firstOut[node]; e < firstOut[node + 1]; e++) {
      if (mainMask[edgeHead[e]] && edgeHead[e] !== comeFrom) options.push(e);
    }
    if (options.length === 0) {
      for (let e = firstOut[node]; e < firstOut[node + 1]; e++) if (mainMask[edgeHead[e]]) options.push(e);
    }
    return options[Math.floor(random() * options.length)];
  };
  const tailOf = (e: number) => edgeTail[e];
  for (let i = 0; i < n; i++) {
    edgeOf[i] = nextEdge(mainNodes[Math.floor(random() * mainNodes.length)], -1);
    along[i] = 0;
    speedOf[i] = 8 + random() * 7;
  }
  const fixOf = (i: number, at: string) => {
    along[i] += speedOf[i];
    let e = edgeOf[i];
    for (let hops = 0; along[i] > edgeLength[e] && hops < 1000; hops++) {
      along[i] -= edgeLength[e];
      e = nextEdge(edgeHead[e], tailOf(e));
    }
    edgeOf[i] = e;
    const a = tailOf(e);
    const b = edgeHead[e];
    const t = edgeLength[e] > 0 ? Math.min(1, along[i] / edgeLength[e]) : 0;
    const lon = nodeLon[a] + (nodeLon[b] - nodeLon[a]) * t;
    const lat = nodeLat[a] + (nodeLat[b] - nodeLat[a]) * t;
    const dx = (nodeLon[b] - nodeLon[a]) * Math.cos((nodeLat[a] * Math.PI) / 180);
    const dy = nodeLat[b] - nodeLat[a];
    const heading = ((Math.atan2(dx, dy) * 180) / Math.PI + 360) % 360;
    return {
      unitId: input.unitIds[i],
      at,
      lon: Math.round(lon * 1e7) / 1e7,
      lat: Math.round(lat * 1e7) / 1e7,
      heading: Math.round(heading * 10) / 10,
      speed: Math.round(speedOf[i] * 10) / 10,
    };
  };

  // ---- HTTP
  let inFlight = 0;
  let skippedOverload = 0;
  const headers = { cookie: input.cookie, 'content-type': 'application/json' };
  async function request(
    method: string,
    path: string,
    body?: unknown,
    deviceToken?: string,
  ): Promise<{ status: number; json: unknown }> {
    inFlight++;
    try {
      const res = await fetch(`${input.base}${path}`, {
        method,
        headers: deviceToken
          ? { authorization: `Bearer ${deviceToken}`, 'content-type': 'application/json' }
          : body === undefined
            ? { cookie: input.cookie }
            : headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let json: unknown = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        json = text;
      }
      return { status: res.status, json };
    } finally {
      inFlight--;
    }
  }

  const avlLatency: number[] = [];
  const postLatency: number[] = [];
  const recLatency: number[] = [];
  let avlFixesSent = 0;
  let avlAccepted = 0;
  let avlRejected = 0;
  let avlOutOfOrder = 0;
  let incidentsSent = 0;
  let recommendationsEmpty = 0;
  let lastAvlAnswer = 0;
  /** incidentId → POST start. */
  const postedAt = new Map<string, number>();
  const pending = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    pending.add(p);
    p.finally(() => pending.delete(p));
  };

  const sendAvl = async (from: number, to: number, record: boolean) => {
    const at = new Date().toISOString();
    const sends = [];
    for (let i = from; i < to; i++) sends.push(sendFix(i, at, record));
    await Promise.all(sends);
  };
  /** One unit's fix, posted by its own terminal. */
  const sendFix = async (i: number, at: string, record: boolean) => {
    const positions = [fixOf(i, at)];
    const t0 = performance.now();
    try {
      const r = await request('POST', '/api/dispatch/avl', { positions }, input.avlTokens[i]);
      if (!record) return;
      avlFixesSent += positions.length;
      avlLatency.push(performance.now() - t0);
      lastAvlAnswer = performance.now();
      if (r.status < 200 || r.status >= 300) {
        httpErrors.avl++;
        noteError(`avl ${r.status}: ${JSON.stringify(r.json).slice(0, 300)}`);
        return;
      }
      const body = r.json as { accepted: number; outOfOrder: number; rejected: unknown[] };
      avlAccepted += body.accepted;
      avlOutOfOrder += body.outOfOrder;
      avlRejected += body.rejected.length;
      if (body.rejected.length) noteError(`avl rejected: ${JSON.stringify(body.rejected.slice(0, 3))}`);
    } catch (error) {
      if (!record) throw error;
      httpErrors.avl++;
      noteError(`avl: ${(error as Error).message}`);
    }
  };

  const sendIncident = async (record: boolean) => {
    const node = mainNodes[Math.floor(random() * mainNodes.length)];
    const t0 = performance.now();
    if (record) incidentsSent++;
    let id: string;
    try {
      const r = await request('POST', '/api/dispatch/incidents', {
        category: 'public_order',
        subcategory: 'fight',
        priority: 'P2',
        lon: nodeLon[node],
        lat: nodeLat[node],
        narrative: '压测',
      });
      if (r.status !== 201) {
        if (record) httpErrors.incident++;
        noteError(`incident ${r.status}: ${JSON.stringify(r.json).slice(0, 300)}`);
        return;
      }
      id = (r.json as { incident: { id: string } }).incident.id;
      if (record) {
        postLatency.push(performance.now() - t0);
        postedAt.set(id, t0);
      }
    } catch (error) {
      if (record) httpErrors.incident++;
      noteError(`incident: ${(error as Error).message}`);
      return;
    }
    const t1 = performance.now();
    try {
      const r = await request('GET', `/api/dispatch/incidents/${id}/recommendations`);
      if (!record) return;
      if (r.status !== 200) {
        httpErrors.recommend++;
        noteError(`recommendations ${r.status}: ${JSON.stringify(r.json).slice(0, 300)}`);
        return;
      }
      recLatency.push(performance.now() - t1);
      if ((r.json as { items: unknown[] }).items.length === 0) recommendationsEmpty++;
    } catch (error) {
      if (record) httpErrors.recommend++;
      noteError(`recommendations: ${(error as Error).message}`);
    }
  };

  // ---- warm-up (not measured): every unit gets a position (the server builds its tracker on the
  // first fix), and a few incidents and recommendations run through every code path once.
  const perBatch = Math.ceil(n / input.avlBatches);
  for (let round = 0; round < 2; round++) {
    for (let b = 0; b < input.avlBatches; b++)
      await sendAvl(b * perBatch, Math.min(n, (b + 1) * perBatch), false);
    for (let k = 0; k < 5; k++) await sendIncident(false);
    await sleep(200);
  }
  if (errorKinds.size) throw new Error(`warm-up failed: ${[...errorKinds.keys()].join('; ')}`);

  // ---- the measured run
  measuring = true;
  parentPort?.postMessage({ kind: 'measuring' } satisfies WorkerMessage);
  const plan: { at: number; kind: 'avl' | 'incident'; batch: number }[] = [];
  for (let s = 0; s < input.seconds; s++) {
    for (let b = 0; b < input.avlBatches; b++)
      plan.push({ at: s * 1000 + (b * 1000) / input.avlBatches, kind: 'avl', batch: b });
    for (let k = 0; k < input.incidentsPerSecond; k++)
      plan.push({ at: s * 1000 + ((k + 0.5) * 1000) / input.incidentsPerSecond, kind: 'incident', batch: 0 });
  }
  plan.sort((a, b) => a.at - b.at);
  const start = performance.now();
  let lagMax = 0;
  for (const step of plan) {
    const wait = start + step.at - performance.now();
    if (wait > 0) await sleep(wait);
    lagMax = Math.max(lagMax, performance.now() - (start + step.at));
    if (inFlight >= input.maxInFlight) {
      skippedOverload++;
      noteError(`skipped a ${step.kind}: ${inFlight} requests in flight`);
      continue;
    }
    if (step.kind === 'avl')
      track(sendAvl(step.batch * perBatch, Math.min(n, (step.batch + 1) * perBatch), true));
    else track(sendIncident(true));
  }
  const scheduleEnd = performance.now();
  // Let outstanding requests finish (bounded), then give the last events their time to arrive.
  const drainUntil = performance.now() + 30_000;
  while (pending.size > 0 && performance.now() < drainUntil) await Promise.race([...pending, sleep(100)]);
  if (pending.size > 0) noteError(`${pending.size} requests still outstanding 30 s after the schedule ended`);
  const graceUntil = performance.now() + input.eventTimeoutMs;
  const allArrived = () => {
    for (const id of postedAt.keys()) {
      const row = arrivals.get(id);
      if (!row || row.some(Number.isNaN)) return false;
    }
    return true;
  };
  while (!allArrived() && performance.now() < graceUntil) await sleep(50);
  measuring = false;

  // ---- figures
  const consoleLatency: number[] = [];
  let missed = 0;
  for (const [id, t0] of postedAt) {
    const row = arrivals.get(id);
    for (let c = 0; c < input.consoles; c++) {
      const t = row ? row[c] : Number.NaN;
      // Late events still count in the latency figures (they are real); late or lost ones are errors.
      if (!Number.isNaN(t)) consoleLatency.push(t - t0);
      if (Number.isNaN(t) || t - t0 > input.eventTimeoutMs) missed++;
    }
  }
  if (missed)
    noteError(
      `${missed} incident×console events late (> ${input.eventTimeoutMs} ms after the POST started) or lost`,
    );
  for (const ws of sockets) ws.close();
  const durationMs = Math.max(input.seconds * 1000, (lastAvlAnswer || scheduleEnd) - start);
  return {
    durationMs: Math.round(durationMs),
    console: stats(consoleLatency),
    consolePairs: postedAt.size * input.consoles,
    consoleMissed: missed,
    incidentPost: stats(postLatency),
    recommend: stats(recLatency),
    avlPost: stats(avlLatency),
    incidentsSent,
    incidentsCreated: postedAt.size,
    avlFixesSent,
    avlAccepted,
    avlRejected,
    avlOutOfOrder,
    httpErrors,
    wsErrors,
    skippedOverload,
    schedulerLagMaxMs: Math.round(lagMax),
    errorKinds: Object.fromEntries(errorKinds),
    recommendationsEmpty,
  };
}

if (parentPort && workerData) {
  run(workerData as ClientInput).then(
    (report) => parentPort?.postMessage({ kind: 'done', report } satisfies WorkerMessage),
    (error: unknown) => {
      throw error;
    },
  );
}
