/**
 * Heavy work does not hold the event loop: oversized rings are refused at once with the limit
 * named, and while the largest accepted ring is stored and analysed (and coverage planned on the
 * bundled city) /api/health keeps answering. Also the pool's refusals as HTTP answers: a full
 * queue is 503 with Retry-After, a job past its time 503 naming the limit.
 */
import type { AddressInfo } from 'node:net';
import { RING_LIMITS } from '@citywatch/core/perimeter/ring';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ensureBundledCity } from '../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../test/app.js';
import { WorkerPool } from './pool.js';
import type { JOBS } from './test-jobs.js';

type Ring = number[][];

function circle(cx: number, cy: number, r: number, n: number): Ring {
  const ring: Ring = [];
  for (let i = 0; i < n - 1; i++) {
    const a = (2 * Math.PI * i) / (n - 1);
    ring.push([cx + r * Math.cos(a), cy + r * Math.sin(a)]);
  }
  ring.push(ring[0]);
  return ring;
}

/** `count` small holes of `n` positions each on a grid inside a circle of radius r around (cx, cy). */
function holes(cx: number, cy: number, r: number, count: number, n: number): Ring[] {
  const side = Math.ceil(Math.sqrt(count));
  const step = (1.2 * r) / side;
  const out: Ring[] = [];
  for (let i = 0; out.length < count; i++) {
    const x = cx - 0.6 * r + (i % side) * step;
    const y = cy - 0.6 * r + Math.floor(i / side) * step;
    out.push(n === 5 ? square(x, y, step / 4) : circle(x, y, step / 4, n));
  }
  return out;
}

function square(x: number, y: number, size: number): Ring {
  return [
    [x, y],
    [x + size, y],
    [x + size, y + size],
    [x, y + size],
    [x, y],
  ];
}

interface Problem {
  type: string;
  detail?: string;
  errors: { field: string; rule: string; message: string }[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number) => Math.round(x * 10) / 10;

describe(`heavy work off the event loop (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let base: string;
  let cookie: string;
  let center: { lon: number; lat: number; r: number };
  // A pool of its own for the refusal tests: one thread, one queued job, a short timeout.
  const small = new WorkerPool<typeof JOBS>({
    size: 1,
    maxQueue: 1,
    timeoutMs: 400,
    jobs: new URL('./test-jobs.ts', import.meta.url),
  });

  beforeAll(async () => {
    t = await createTestApp((app) => {
      const ms = z.object({ ms: z.coerce.number().int().min(0).max(60_000) });
      app.get(
        '/api/test/pool/sleep',
        { config: { permission: 'perimeter.read' }, schema: { querystring: ms } },
        async (request) => ({
          slept: await small.run('sleep', { ms: request.query.ms }, { timeoutMs: 10_000 }),
        }),
      );
      app.get(
        '/api/test/pool/spin',
        { config: { permission: 'perimeter.read' }, schema: { querystring: ms } },
        async (request) => ({ spun: await small.run('spin', { ms: request.query.ms }) }),
      );
    });
    await ensureBundledCity(t.ctx, () => {});
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    cookie = await t.login('admin', ADMIN_PASSWORD);
    const city = await t.ctx.places.city(undefined);
    const b = city.bounds;
    center = {
      lon: (b.minLon + b.maxLon) / 2,
      lat: (b.minLat + b.maxLat) / 2,
      r: 0.4 * Math.min(b.maxLon - b.minLon, b.maxLat - b.minLat),
    };
  }, 180_000);
  afterAll(async () => {
    await small.stop();
    await t.close();
  });

  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${base}${path}`, {
      method,
      headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  /** Runs `heavy` while timing /api/health calls one after another; returns its answer and the figures. */
  async function healthDuring<T>(heavy: () => Promise<T>) {
    const latencies: number[] = [];
    let done = false;
    const started = performance.now();
    const work = heavy().finally(() => {
      done = true;
    });
    while (!done) {
      const sent = performance.now();
      const r = await fetch(`${base}/api/health`);
      latencies.push(performance.now() - sent);
      expect(r.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const result = await work;
    return {
      result,
      ms: round(performance.now() - started),
      latencies,
      health: {
        calls: latencies.length,
        medianMs: round(median(latencies)),
        maxMs: round(Math.max(...latencies)),
      },
    };
  }

  it('refuses a ring of 3,000 holes and one of 200,000 vertices at once, naming the limit', async () => {
    const { lon, lat, r } = center;
    const started = performance.now();
    const manyHoles = await call('POST', '/api/perimeter/rings', {
      name: '千孔',
      level: 'district',
      geometry: { type: 'Polygon', coordinates: [circle(lon, lat, r, 65), ...holes(lon, lat, r, 3000, 5)] },
    });
    const holesMs = round(performance.now() - started);
    expect(manyHoles.status).toBe(400);
    const holesBody = (await manyHoles.json()) as Problem;
    expect(holesBody.errors).toEqual([
      expect.objectContaining({ field: 'geometry.coordinates', rule: 'too_many_holes' }),
    ]);
    expect(holesBody.errors[0].message).toContain(String(RING_LIMITS.holesPerPolygon));

    // Positions to 6 decimals (10 cm), as GIS tools export them: 4.6 MB of JSON, serialised
    // before the clock starts, so the time is the wire's and the server's.
    const fine = circle(lon, lat, r, 200_000).map(([x, y]) => [
      Math.round(x * 1e6) / 1e6,
      Math.round(y * 1e6) / 1e6,
    ]);
    fine[fine.length - 1] = fine[0];
    const denseBody = JSON.stringify({
      name: '密',
      level: 'district',
      geometry: { type: 'Polygon', coordinates: [fine] },
    });
    const refusal = await healthDuring(() =>
      fetch(`${base}/api/perimeter/rings`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: denseBody,
      }),
    );
    const dense = refusal.result;
    const denseMs = refusal.ms;
    expect(dense.status).toBe(400);
    expect(((await dense.json()) as Problem).errors.map((e) => [e.field, e.rule])).toEqual([
      ['geometry.coordinates.0', 'too_many_positions'],
      ['geometry.coordinates', 'too_many_positions_in_total'],
    ]);
    console.log(
      JSON.stringify({
        refused: {
          holes3000: { ms: holesMs },
          vertices200k: { bytes: denseBody.length, ms: denseMs, health: refusal.health },
        },
      }),
    );
    // "At once": before any geometric work (the 3,000-hole ring took 6.7 s, the next size killed
    // the process). Generous for a loaded machine: the time is mostly sending and parsing JSON.
    expect(holesMs).toBeLessThan(2_000);
    expect(denseMs).toBeLessThan(5_000);
  });

  it('keeps /api/health answering while the largest accepted ring is stored and analysed, and coverage planned', async () => {
    const { lon, lat, r } = center;
    // At the limits: 50,000 positions on the outer ring and 499 holes of 100: 99,900 in all.
    const outer = circle(lon, lat, r, RING_LIMITS.positionsPerRing);
    const inner = holes(lon, lat, r, RING_LIMITS.holesPerPolygon - 1, 100);
    const geometry = { type: 'Polygon', coordinates: [outer, ...inner] };
    const positions = geometry.coordinates.reduce((n, ring) => n + ring.length, 0);
    expect(positions).toBeLessThanOrEqual(RING_LIMITS.positionsInTotal);

    const create = await healthDuring(() =>
      call('POST', '/api/perimeter/rings', { name: '极限', level: 'city', geometry }),
    );
    expect(create.result.status).toBe(201);
    const ringId = ((await create.result.json()) as { id: string }).id;

    const analyse = await healthDuring(async () => {
      const r = await call('GET', `/api/perimeter/rings/${ringId}/analysis?cost=class`);
      return { status: r.status, body: (await r.json()) as { crossings: number } };
    });
    expect(analyse.result.status, JSON.stringify(analyse.result.body).slice(0, 500)).toBe(200);
    expect(analyse.result.body.crossings).toBeGreaterThan(0);

    const advise = await healthDuring(async () => {
      const r = await call('POST', '/api/coverage/advise', {
        k: 10,
        demand: 'addresses',
        thresholdSeconds: 300,
      });
      return { status: r.status, body: (await r.json()) as { picks: unknown[] } };
    });
    expect(advise.result.status).toBe(200);

    const figures = {
      positions,
      create: { ms: create.ms, health: create.health },
      analysis: { ms: analyse.ms, crossings: analyse.result.body.crossings, health: analyse.health },
      advise: { ms: advise.ms, picks: advise.result.body.picks.length, health: advise.health },
    };
    console.log(JSON.stringify({ healthDuringHeavyWork: figures }));
    // A behavioural guarantee, kept robust on a loaded machine (CI runs every test file at once):
    // while the heaviest requests compute, health answers typically well under 100 ms and never
    // stalls for a second.
    const computing = [...analyse.latencies, ...advise.latencies];
    expect(median(computing)).toBeLessThan(100);
    for (const { health } of [analyse, advise]) expect(health.maxMs).toBeLessThan(1_000);
    // Storing the ring is not computation: parsing its 4 MB body and the text rule over it, and
    // PGlite (PostgreSQL in WASM, on this thread) writing it, stall the loop for a few hundred
    // milliseconds at this size (less on PostgreSQL). Typical answers still come at once.
    expect(create.health.medianMs).toBeLessThan(100);
  }, 240_000);

  it('answers 503 with Retry-After when every thread is busy and the queue is full', async () => {
    const busy = [call('GET', '/api/test/pool/sleep?ms=1500'), call('GET', '/api/test/pool/sleep?ms=10')];
    await new Promise((resolve) => setTimeout(resolve, 300));
    const refused = await call('GET', '/api/test/pool/sleep?ms=10');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await refused.json()) as Problem).type).toBe('/problems/unavailable');
    expect((await Promise.all(busy)).map((r) => r.status)).toEqual([200, 200]);
    expect((await call('GET', '/api/test/pool/sleep?ms=10')).status).toBe(200);
  });

  it('stops a job past its time and answers 503 saying so; the next job runs', async () => {
    const started = performance.now();
    const r = await fetch(`${base}/api/test/pool/spin?ms=30000`, {
      headers: { cookie, 'accept-language': 'en' },
    });
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBeNull();
    expect(((await r.json()) as Problem).detail).toMatch(/longer than 0\.4 s and was stopped/);
    expect((await call('GET', '/api/test/pool/spin?ms=10')).status).toBe(200);
  });
});
