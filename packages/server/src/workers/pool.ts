/**
 * A small pool of worker threads for heavy jobs (DESIGN.md "Data": routing, isochrones, coverage
 * and cuts run in process, heavy jobs on worker threads), so the event loop keeps answering while
 * they run. Bounded on every side:
 * - a fixed number of threads, started with the app and stopped with it;
 * - a bounded queue: when every thread is busy and the queue is full, a job is refused at once
 *   with 503 and Retry-After (PoolBusyError) instead of piling up;
 * - a timeout per job: a job still running is stopped by terminating its thread (JavaScript cannot
 *   be interrupted otherwise), answered 503, and the thread replaced;
 * - a heap limit per thread: a job that needs more memory stops its thread, not the process.
 *
 * Jobs are named functions of a job table module (jobs.ts) that every thread imports; a job on a
 * city gets that city's road graph, shared with the thread once per graph version (shared-graph.ts).
 * Threads run TypeScript through tsx (bootstrap.mjs). Idle threads do not keep the process alive.
 */
import { Worker } from 'node:worker_threads';
import type { RoadGraph } from '@citywatch/core/roads/graph';
import { ProblemError } from '../http/problem.js';
import type { JobContext } from './context.js';
import { type PostedError, reviveError } from './errors.js';
import { messages } from './messages.js';
import { type SharedGraph, sharedGraph } from './shared-graph.js';

// biome-ignore lint/suspicious/noExplicitAny: a job table holds functions of any input
export type JobTable = Record<string, (ctx: JobContext, input: any) => unknown>;
export type JobInput<J extends JobTable, K extends keyof J> = Parameters<J[K]>[1];
export type JobOutput<J extends JobTable, K extends keyof J> = Awaited<ReturnType<J[K]>>;

export interface WorkerPoolOptions {
  /** Threads (at least 1). */
  size: number;
  /** Jobs that may wait for a thread (0: none wait). */
  maxQueue: number;
  /** Default limit on a job's running time. */
  timeoutMs: number;
  /** Heap limit of each thread (old generation), MB. */
  memoryMb?: number;
  /** URL of the job table module (exports `JOBS`). */
  jobs: URL;
  /** Where thread failures are reported. */
  onThreadError?: (error: Error) => void;
}

export interface RunOptions {
  /** The city whose road graph the job works on (loaded into the thread once per graph version). */
  city?: { id: string; graph: RoadGraph };
  /** This job's limit instead of the pool's. */
  timeoutMs?: number;
  /** Buffers of the input handed over instead of copied (they become unusable here). */
  transfer?: ArrayBuffer[];
}

/** The queue is full: 503 with a Retry-After estimate (the workers module adds the header). */
export class PoolBusyError extends ProblemError {
  constructor(readonly retryAfterSeconds: number) {
    super('unavailable', messages.busy(retryAfterSeconds));
    this.name = 'PoolBusyError';
  }
}

/** A job ran past its time and was stopped. */
export class JobTimeoutError extends ProblemError {
  constructor(
    readonly job: string,
    readonly timeoutMs: number,
  ) {
    super('unavailable', messages.timedOut(Math.round(timeoutMs / 100) / 10));
    this.name = 'JobTimeoutError';
  }
}

export interface PoolStats {
  size: number;
  threads: number;
  busy: number;
  queued: number;
  maxQueue: number;
  completed: number;
  failed: number;
  timedOut: number;
  refused: number;
}

interface Pending {
  id: number;
  name: string;
  input: unknown;
  city?: SharedGraph;
  timeoutMs: number;
  transfer: ArrayBuffer[];
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface Thread {
  worker: Worker;
  ready: boolean;
  job?: Pending;
  startedAt: number;
  timer?: NodeJS.Timeout;
  /** Graph keys loaded in the thread, least recently used first. */
  graphs: SharedGraph[];
  /** Set when the thread is being ended on purpose (timeout, stop): its exit is expected. */
  ending?: boolean;
  failure?: Error;
}

type FromWorker =
  | { type: 'ready' }
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: PostedError };

/** Graphs kept per thread: a few cities, and the old version of one during a re-import. */
const GRAPHS_PER_THREAD = 3;
const BOOTSTRAP = new URL('./bootstrap.mjs', import.meta.url);
const ENTRY = new URL('./worker.ts', import.meta.url);

export class WorkerPool<J extends JobTable> {
  private readonly threads: Thread[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;
  /** Smoothed running time of a job, for Retry-After. */
  private averageMs = 1_000;
  private readonly counts = { completed: 0, failed: 0, timedOut: 0, refused: 0 };
  private readonly idle: (() => void)[] = [];

  constructor(private readonly options: WorkerPoolOptions) {
    if (!(options.size >= 1)) throw new RangeError('a pool needs at least one thread');
  }

  /** Starts every thread now (otherwise they start with the first jobs). */
  warm(): void {
    while (!this.closed && this.threads.length < this.options.size) this.spawn();
  }

  /** Runs job `name` on a thread; rejects with PoolBusyError when the queue is full. */
  run<K extends keyof J & string>(
    name: K,
    input: JobInput<J, K>,
    options: RunOptions = {},
  ): Promise<JobOutput<J, K>> {
    if (this.closed) return Promise.reject(new ProblemError('unavailable', messages.stopping));
    const live = this.threads.filter((t) => !t.ending);
    const free = live.some((t) => !t.job) || live.length < this.options.size;
    if (!free && this.queue.length >= this.options.maxQueue) {
      this.counts.refused++;
      return Promise.reject(new PoolBusyError(this.retryAfterSeconds()));
    }
    return new Promise<JobOutput<J, K>>((resolve, reject) => {
      this.queue.push({
        id: this.nextId++,
        name,
        input,
        city: options.city ? sharedGraph(options.city.id, options.city.graph) : undefined,
        timeoutMs: options.timeoutMs ?? this.options.timeoutMs,
        transfer: options.transfer ?? [],
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      this.pump();
    });
  }

  stats(): PoolStats {
    return {
      size: this.options.size,
      threads: this.threads.length,
      busy: this.threads.filter((t) => t.job).length,
      queued: this.queue.length,
      maxQueue: this.options.maxQueue,
      ...this.counts,
    };
  }

  /**
   * Stops taking jobs: queued ones are refused (503), running ones get up to `graceMs` to finish,
   * then every thread is ended. Resolves when all threads are gone.
   */
  async stop(graceMs = 0): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new ProblemError('unavailable', messages.stopping));
    if (graceMs > 0 && this.threads.some((t) => t.job)) {
      await Promise.race([
        new Promise<void>((resolve) => this.idle.push(resolve)),
        new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref()),
      ]);
    }
    await Promise.all(
      [...this.threads].map((thread) => {
        thread.ending = true;
        if (thread.job) this.finish(thread, () => new ProblemError('unavailable', messages.stopping));
        return thread.worker.terminate();
      }),
    );
    this.threads.length = 0;
  }

  private retryAfterSeconds(): number {
    const waiting = this.queue.length + this.threads.length;
    const seconds = Math.ceil((this.averageMs * waiting) / this.options.size / 1000);
    return Math.min(120, Math.max(1, seconds));
  }

  private spawn(): Thread {
    const worker = new Worker(BOOTSTRAP, {
      workerData: { entry: ENTRY.href, jobs: this.options.jobs.href },
      // Not the parent's flags: the bootstrap registers tsx itself.
      execArgv: [],
      resourceLimits: this.options.memoryMb ? { maxOldGenerationSizeMb: this.options.memoryMb } : undefined,
      stdout: false,
      stderr: false,
    });
    const thread: Thread = { worker, ready: false, startedAt: 0, graphs: [] };
    worker.unref();
    worker.on('message', (message: FromWorker) => this.onMessage(thread, message));
    worker.on('error', (error) => {
      thread.failure = error;
      if (!thread.ending) this.options.onThreadError?.(error);
    });
    worker.on('exit', () => this.onExit(thread));
    this.threads.push(thread);
    return thread;
  }

  private onMessage(thread: Thread, message: FromWorker): void {
    if (message.type === 'ready') {
      thread.ready = true;
      if (thread.job) this.arm(thread);
      return;
    }
    const job = thread.job;
    if (!job || job.id !== message.id) return;
    const ms = performance.now() - thread.startedAt;
    this.averageMs = 0.8 * this.averageMs + 0.2 * ms;
    if (message.ok) {
      this.counts.completed++;
      this.finish(thread, undefined, message.value);
    } else {
      this.counts.failed++;
      this.finish(thread, () => reviveError(message.error, job.name));
    }
    this.pump();
  }

  private onExit(thread: Thread): void {
    const index = this.threads.indexOf(thread);
    if (index >= 0) this.threads.splice(index, 1);
    if (thread.job) {
      const failure = thread.failure;
      this.counts.failed++;
      this.finish(thread, () =>
        (failure as { code?: string } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new ProblemError('unavailable', messages.outOfMemory)
          : failure && !thread.ready
            ? failure
            : new ProblemError('unavailable', messages.crashed),
      );
    }
    this.pump();
  }

  /** Ends the thread's job with a value or an error, and marks the thread free. */
  private finish(thread: Thread, error: (() => Error) | undefined, value?: unknown): void {
    const job = thread.job;
    if (!job) return;
    clearTimeout(thread.timer);
    thread.timer = undefined;
    thread.job = undefined;
    thread.worker.unref();
    if (error) job.reject(error());
    else job.resolve(value);
    if (!this.threads.some((t) => t.job)) for (const resolve of this.idle.splice(0)) resolve();
  }

  private arm(thread: Thread): void {
    const job = thread.job;
    if (!job) return;
    thread.startedAt = performance.now();
    thread.timer = setTimeout(() => {
      if (thread.job !== job) return;
      this.counts.timedOut++;
      thread.ending = true;
      this.finish(thread, () => new JobTimeoutError(job.name, job.timeoutMs));
      // The only way to stop running JavaScript; the thread is replaced by the next job.
      void thread.worker.terminate();
    }, job.timeoutMs);
    thread.timer.unref();
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.closed) {
      let thread = this.threads.find((t) => !t.job && !t.ending);
      if (!thread && this.threads.filter((t) => !t.ending).length < this.options.size) thread = this.spawn();
      if (!thread) return;
      const job = this.queue.shift()!;
      this.dispatch(thread, job);
    }
  }

  private dispatch(thread: Thread, job: Pending): void {
    thread.job = job;
    thread.worker.ref();
    try {
      if (job.city) this.load(thread, job.city);
      thread.worker.postMessage(
        { type: 'job', id: job.id, name: job.name, input: job.input, cityKey: job.city?.key },
        job.transfer,
      );
    } catch (error) {
      // The input cannot be copied to a thread (say, nested deeper than the serialiser goes): the
      // job fails here and the thread stays free.
      this.counts.failed++;
      this.finish(thread, () => (error instanceof Error ? error : new Error(String(error))));
      return;
    }
    if (thread.ready) this.arm(thread);
  }

  /** Makes sure the thread holds the graph: older versions of the city and the least used go. */
  private load(thread: Thread, graph: SharedGraph): void {
    const at = thread.graphs.indexOf(graph);
    if (at >= 0) {
      thread.graphs.splice(at, 1);
      thread.graphs.push(graph);
      return;
    }
    for (const old of [...thread.graphs]) {
      if (old.cityId === graph.cityId || thread.graphs.length >= GRAPHS_PER_THREAD) {
        thread.worker.postMessage({ type: 'drop', key: old.key });
        thread.graphs.splice(thread.graphs.indexOf(old), 1);
      }
    }
    thread.worker.postMessage(graph.message);
    thread.graphs.push(graph);
  }
}
