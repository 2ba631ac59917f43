import { availableParallelism } from 'node:os';
import { RingValidationError } from '@citywatch/core/perimeter/ring';
import { buildRoadGraph } from '@citywatch/core/roads/graph';
import { afterEach, describe, expect, it } from 'vitest';
import { ProblemError } from '../http/problem.js';
import { decodeGraph, encodeGraph } from '../modules/roads/graph-codec.js';
import { loadWorkerPoolConfig } from './config.js';
import { JobTimeoutError, PoolBusyError, WorkerPool, type WorkerPoolOptions } from './pool.js';
import { sharedGraph } from './shared-graph.js';
import type { JOBS } from './test-jobs.js';

const TEST_JOBS = new URL('./test-jobs.ts', import.meta.url);
const pools: WorkerPool<typeof JOBS>[] = [];
function pool(options: Partial<WorkerPoolOptions> = {}) {
  const p = new WorkerPool<typeof JOBS>({
    size: 1,
    maxQueue: 4,
    timeoutMs: 10_000,
    jobs: TEST_JOBS,
    ...options,
  });
  pools.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.stop()));
});

function smallGraph() {
  const nodes = [0, 1, 2].map((i) => ({ osmId: i + 1, lon: i * 0.001, lat: 0 }));
  const edges = [
    { tail: 0, head: 1, time: 10, length: 100, way: 0 },
    { tail: 1, head: 2, time: 12.5, length: 120, way: 0 },
  ];
  return buildRoadGraph(nodes, edges, [
    { osmId: 7, name: null, highway: 'primary', speedKmh: 40, oneway: true },
  ]);
}

describe('worker pool', () => {
  it('runs TypeScript jobs in threads and returns their values', async () => {
    const p = pool({ size: 2 });
    expect(await p.run('echo', { value: { a: [1, 2], s: '圈层' } })).toEqual({ a: [1, 2], s: '圈层' });
    expect(await Promise.all([p.run('sleep', { ms: 50 }), p.run('sleep', { ms: 60 })])).toEqual([50, 60]);
    expect(p.stats()).toMatchObject({ size: 2, completed: 3, failed: 0 });
  });

  it('rebuilds ring and minimum-cut errors as their classes, others as errors naming the job', async () => {
    const p = pool();
    const ring = await p.run('fail', { ring: true }).catch((e: unknown) => e);
    expect(ring).toBeInstanceOf(RingValidationError);
    expect((ring as RingValidationError).issues).toEqual([
      { field: 'geometry', rule: 'zero_area', message: 'flat' },
    ]);
    await expect(p.run('fail', { ring: false })).rejects.toThrow(/boom \(in worker job fail\)/);
    expect(await p.run('echo', { value: 1 })).toBe(1);
    // An input that cannot be copied to a thread fails its job and leaves the thread free.
    await expect(p.run('echo', { value: () => 1 })).rejects.toThrow(/could not be cloned/);
    let deep: unknown = [];
    for (let i = 0; i < 200_000; i++) deep = [deep];
    await expect(p.run('echo', { value: deep })).rejects.toThrow();
    expect(await p.run('echo', { value: 2 })).toBe(2);
  });

  it('shares a city graph once per version, in shared memory, and follows a re-import', async () => {
    const p = pool();
    const graph = smallGraph();
    const first = await p.run('graph', undefined, { city: { id: 'c1', graph } });
    expect(first).toEqual({ cityId: 'c1', nodes: 3, edges: 2, sum: 22.5, shared: true });
    // A new graph object for the same city (a re-import) replaces the old one in the thread.
    const reimported = smallGraph();
    reimported.edgeTime[0] = 20;
    expect(await p.run('graph', undefined, { city: { id: 'c1', graph: reimported } })).toMatchObject({
      sum: 32.5,
    });
    expect(await p.run('graph', undefined, { city: { id: 'c1', graph } })).toMatchObject({ sum: 22.5 });
    // A graph loaded from the database already lives in shared memory: handed over as it is.
    const stored = decodeGraph(encodeGraph(graph), graph.ways);
    expect(sharedGraph('c2', stored).message.arrays.edgeTime).toBe(stored.edgeTime);
    expect(await p.run('graph', undefined, { city: { id: 'c2', graph: stored } })).toMatchObject({
      sum: 22.5,
    });
  });

  it('refuses a job with 503 and Retry-After when every thread is busy and the queue is full', async () => {
    const p = pool({ size: 1, maxQueue: 2 });
    const running = [p.run('sleep', { ms: 400 }), p.run('sleep', { ms: 10 }), p.run('sleep', { ms: 10 })];
    const refused = await p.run('echo', { value: 1 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PoolBusyError);
    expect(refused).toBeInstanceOf(ProblemError);
    expect((refused as PoolBusyError).status).toBe(503);
    expect((refused as PoolBusyError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(await Promise.all(running)).toEqual([400, 10, 10]);
    expect(p.stats()).toMatchObject({ refused: 1, queued: 0, busy: 0 });
  });

  it('stops a job past its time by ending its thread, answers 503, and carries on with a new thread', async () => {
    const p = pool({ timeoutMs: 300 });
    await p.run('echo', { value: 0 }); // thread started
    const started = Date.now();
    const error = await p.run('spin', { ms: 30_000 }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(JobTimeoutError);
    expect((error as JobTimeoutError).status).toBe(503);
    expect((error as JobTimeoutError).message).toMatch(/longer than 0\.3 s and was stopped/);
    expect(await p.run('echo', { value: 'after' })).toBe('after');
    expect(await p.run('spin', { ms: 20 }, { timeoutMs: 5_000 })).toBeGreaterThan(0);
    expect(p.stats()).toMatchObject({ timedOut: 1, threads: 1 });
  });

  it('a job that exhausts its heap stops its thread, not the process', async () => {
    const p = pool({ memoryMb: 64 });
    const error = await p.run('hog', undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProblemError);
    expect((error as ProblemError).message).toMatch(/more memory/);
    expect(await p.run('echo', { value: 'alive' })).toBe('alive');
  });

  it('stop refuses queued jobs, ends running ones after the grace and leaves no thread', async () => {
    const p = pool({ size: 1, maxQueue: 5 });
    const running = p.run('spin', { ms: 20_000 }).catch((e: unknown) => e);
    const queued = p.run('echo', { value: 1 }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await p.stop(200);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await queued).toBeInstanceOf(ProblemError);
    expect(await running).toBeInstanceOf(ProblemError);
    expect(p.stats().threads).toBe(0);
    await expect(p.run('echo', { value: 1 })).rejects.toBeInstanceOf(ProblemError);
  });

  it('sizes itself from the environment: CPUs − 1 by default, at least 1', () => {
    expect(loadWorkerPoolConfig({}).size).toBe(Math.max(1, availableParallelism() - 1));
    expect(loadWorkerPoolConfig({ CITYWATCH_WORKERS: '3', CITYWATCH_WORKER_QUEUE: '0' })).toMatchObject({
      size: 3,
      maxQueue: 0,
    });
    expect(() => loadWorkerPoolConfig({ CITYWATCH_WORKERS: '0' })).toThrow(/whole number/);
  });
});
