// Load for the drills and bench:cluster, through HAProxy: console WebSockets on /api/live
// subscribed to dispatch.incident_changed (reconnecting through HAProxy when their node goes), and
// incidents POSTed at a fixed rate (open loop). A console that reconnects resumes from the last
// stream sequence it received (/api/live?stream=&after=). Everything acknowledged (201) is remembered, so a
// drill can check afterwards that each one is stored and reached every console.
import WebSocket from 'ws';

const EVENT_TYPE = 'dispatch.incident_changed';

export class Consoles {
  constructor(base, cookie, count, options = {}) {
    this.base = base;
    this.cookie = cookie;
    this.reconnectMs = options.reconnectMs ?? 250;
    this.list = [];
    this.stopping = false;
    this.latency = [];
    this.postedAt = new Map();
    for (let i = 0; i < count; i++) {
      this.list.push({
        ws: null,
        ready: false,
        seen: new Set(),
        intervals: [],
        from: 0,
        drops: 0,
        readyAt: 0,
      });
      this.open(i);
    }
  }
  open(i) {
    const c = this.list[i];
    // Resume (live.ts): name the stream and the last sequence received, on whichever node.
    const resume = c.stream && c.lastSeq ? `?stream=${encodeURIComponent(c.stream)}&after=${c.lastSeq}` : '';
    const ws = new WebSocket(`${this.base.replace(/^http/, 'ws')}/api/live${resume}`, {
      headers: { cookie: this.cookie, origin: this.base },
    });
    c.ws = ws;
    ws.on('message', (data) => {
      const now = performance.now();
      let frame;
      try {
        frame = JSON.parse(String(data));
      } catch {
        return;
      }
      if (typeof frame.seq === 'number' && frame.seq > (c.lastSeq ?? 0) && frame.kind !== 'resync')
        c.lastSeq = frame.seq;
      if (frame.kind === 'resync') c.resyncs = (c.resyncs ?? 0) + 1;
      if (frame.kind === 'hello' && frame.stream) {
        if (c.stream && c.stream !== frame.stream) c.lastSeq = 0;
        c.stream = frame.stream;
      }
      if (frame.kind === 'hello') ws.send(JSON.stringify({ kind: 'subscribe', types: [EVENT_TYPE] }));
      else if (frame.kind === 'subscribed') {
        c.ready = true;
        c.from = now;
        c.readyAt = now;
      } else if (frame.kind === 'event' && frame.event?.type === EVENT_TYPE) {
        const id = frame.event.payload?.incidentId;
        if (!id || c.seen.has(id)) return;
        c.seen.add(id);
        const t0 = this.postedAt.get(id);
        if (t0 !== undefined) this.latency.push(now - t0);
      }
    });
    ws.on('error', () => {});
    ws.on('close', () => {
      if (c.ready) c.intervals.push([c.from, performance.now()]);
      if (c.ready) c.drops++;
      c.ready = false;
      if (!this.stopping) setTimeout(() => this.open(i), this.reconnectMs);
    });
  }
  readyCount() {
    return this.list.filter((c) => c.ready).length;
  }
  async waitAllReady(timeoutMs = 60_000) {
    const until = performance.now() + timeoutMs;
    while (this.readyCount() < this.list.length) {
      if (performance.now() > until) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
    return true;
  }
  /** Intervals each console was subscribed, up to now. */
  connectedIntervals(c) {
    return c.ready ? [...c.intervals, [c.from, Number.POSITIVE_INFINITY]] : c.intervals;
  }
  /**
   * For incidents acknowledged (POST started t0, answered tAck): events a console should have had
   * and did not. `steady`: the console was subscribed from before t0 to past tAck + graceMs without
   * a break; `gap`: the console was not subscribed at t0 or dropped before tAck + graceMs (an
   * event published while it was away: received only if the gateway resumes after a reconnect).
   */
  missed(acked, graceMs = 5_000) {
    let steady = 0;
    let steadyPairs = 0;
    let gap = 0;
    let gapPairs = 0;
    for (const c of this.list) {
      const intervals = this.connectedIntervals(c);
      for (const a of acked) {
        const inside = intervals.some(([from, to]) => from <= a.t0 && to >= a.tAck + graceMs);
        if (inside) {
          steadyPairs++;
          if (!c.seen.has(a.id)) steady++;
        } else {
          gapPairs++;
          if (!c.seen.has(a.id)) gap++;
        }
      }
    }
    return { steady, steadyPairs, gap, gapPairs };
  }
  close() {
    this.stopping = true;
    for (const c of this.list) c.ws?.terminate();
  }
}

export class Incidents {
  constructor(base, cookie, center, consoles) {
    this.base = base;
    this.cookie = cookie;
    this.center = center;
    this.consoles = consoles;
    this.acked = [];
    this.statuses = {};
    this.retryAfterMissing = 0;
    this.inFlight = 0;
    this.timer = null;
    this.sent = 0;
  }
  async post() {
    const t0 = performance.now();
    this.sent++;
    this.inFlight++;
    let status = 'network';
    try {
      const lon = this.center.lon + (Math.random() - 0.5) * 0.02;
      const lat = this.center.lat + (Math.random() - 0.5) * 0.02;
      const r = await fetch(`${this.base}/api/dispatch/incidents`, {
        method: 'POST',
        headers: { cookie: this.cookie, 'content-type': 'application/json', origin: this.base },
        body: JSON.stringify({
          category: 'public_order',
          subcategory: 'fight',
          priority: 'P2',
          lon,
          lat,
          narrative: '演练',
        }),
        signal: AbortSignal.timeout(15_000),
      });
      status = r.status;
      const text = await r.text();
      if (r.status === 201) {
        const id = JSON.parse(text).incident.id;
        this.consoles?.postedAt.set(id, t0);
        this.acked.push({ id, t0, tAck: performance.now() });
      } else if (r.status === 503 && !r.headers.get('retry-after')) this.retryAfterMissing++;
    } catch (error) {
      status = 'network';
      this.lastError = String(error?.cause?.message ?? error?.message ?? error);
    } finally {
      this.inFlight--;
      this.statuses[status] = (this.statuses[status] ?? 0) + 1;
    }
    return status;
  }
  /** POSTs `rate` a second until stop(); past 200 in flight a tick is skipped (counted). */
  run(rate) {
    this.timer = setInterval(() => {
      if (this.inFlight >= 200) {
        this.statuses.skipped = (this.statuses.skipped ?? 0) + 1;
        return;
      }
      void this.post();
    }, 1000 / rate);
  }
  async stop() {
    clearInterval(this.timer);
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 50));
  }
  errors() {
    return Object.entries(this.statuses)
      .filter(([s]) => s !== '201')
      .reduce((n, [, v]) => n + v, 0);
  }
  /** First acknowledgement whose POST started after `t`, in ms after t (null: none). */
  firstAckAfter(t) {
    const a = this.acked.filter((x) => x.t0 >= t).sort((x, y) => x.tAck - y.tAck)[0];
    return a ? a.tAck - t : null;
  }
}

export function p99(values) {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.99 * s.length) - 1)];
}

/** Acknowledged incident ids missing from the database at `pg` (a Postgres handle of lib.mjs). */
export function missingFromDb(pg, acked) {
  if (!acked.length) return [];
  const present = new Set();
  for (let i = 0; i < acked.length; i += 500) {
    const ids = acked.slice(i, i + 500).map((a) => `'${a.id}'`);
    const out = pg.psql(`select id from incidents where id in (${ids.join(',')})`);
    for (const line of out.split('\n')) if (line) present.add(line.trim());
  }
  return acked.filter((a) => !present.has(a.id));
}
