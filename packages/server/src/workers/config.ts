import { availableParallelism } from 'node:os';

/** The worker pool for heavy jobs (ring analysis, minimum cuts, isochrones, coverage, placement). */
export interface WorkerPoolConfig {
  /** Threads (CITYWATCH_WORKERS; default: CPUs − 1, at least 1). */
  size: number;
  /** Jobs that may wait for a free thread; beyond that a request is answered 503 (CITYWATCH_WORKER_QUEUE). */
  maxQueue: number;
  /** A job running longer is stopped and its request answered 503 (CITYWATCH_WORKER_TIMEOUT_MS). */
  timeoutMs: number;
  /** Heap of one thread; a job needing more is stopped, not the process (CITYWATCH_WORKER_MEMORY_MB). */
  memoryMb: number;
}

function whole(value: string | undefined, fallback: number, min: number, max: number): number {
  const n = value === undefined || value === '' ? fallback : Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`expected a whole number from ${min} to ${max}, got ${value}`);
  }
  return n;
}

export function loadWorkerPoolConfig(env: NodeJS.ProcessEnv): WorkerPoolConfig {
  const cpus = availableParallelism();
  return {
    size: whole(env.CITYWATCH_WORKERS, Math.max(1, cpus - 1), 1, 256),
    maxQueue: whole(env.CITYWATCH_WORKER_QUEUE, 32, 0, 100_000),
    timeoutMs: whole(env.CITYWATCH_WORKER_TIMEOUT_MS, 60_000, 10, 3_600_000),
    memoryMb: whole(env.CITYWATCH_WORKER_MEMORY_MB, 1536, 64, 65_536),
  };
}
