import { defineModule } from '../modules/module.js';
import { loadWorkerPoolConfig } from './config.js';
import type { Jobs } from './jobs.js';
import { PoolBusyError, WorkerPool } from './pool.js';

export type HeavyJobs = WorkerPool<Jobs>;

declare module '../modules/module.js' {
  interface ModuleServices {
    workers: HeavyJobs;
  }
}

/** Running jobs get this long to finish when the server stops, then their threads are ended. */
const STOP_GRACE_MS = 3_000;

/**
 * The worker pool for heavy jobs as a module: modules that run them name `workers` in `needs`.
 * The pool is made with the app and stopped with it (within the 10 s stop budget: running jobs
 * get a short grace when the server starts closing, queued ones are refused).
 */
export const workersModule = defineModule({
  name: 'workers',
  permissions: {},
  create: (deps) => {
    const config = deps.config.workers ?? loadWorkerPoolConfig(process.env);
    return new WorkerPool<Jobs>({
      ...config,
      jobs: new URL('./jobs.ts', import.meta.url),
      onThreadError: (error) => deps.log.error({ err: error }, 'worker thread failed'),
    });
  },
  routes: (app, _deps, pool) => {
    // A refusal because the queue is full says when to come back.
    app.addHook('onError', async (_request, reply, error) => {
      if (error instanceof PoolBusyError) reply.header('retry-after', String(error.retryAfterSeconds));
    });
    // Before the server waits for requests in flight: heavy ones must not outlast the stop budget.
    app.addHook('preClose', async () => {
      await pool.stop(STOP_GRACE_MS);
    });
  },
  // Threads start with the first heavy job (about a second each, to load TypeScript and the
  // core): a process that never runs one (tests, the CLI) starts none. `pool.warm()` starts them
  // all at once.
  start: (_deps, pool) => () => pool.stop(),
});
