/**
 * A pool thread: loads the job table, keeps the road graphs it is given (shared memory, see
 * shared-graph.ts) with the engines built on them, and runs one job at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CityGraph, type JobContext } from './context.js';
import { postError } from './errors.js';
import { type GraphMessage, graphFromMessage } from './shared-graph.js';

type ToWorker =
  | GraphMessage
  | { type: 'drop'; key: string }
  | { type: 'job'; id: number; name: string; input: unknown; cityKey?: string };

async function main() {
  const port = parentPort;
  if (!port) throw new Error('worker.ts runs as a worker thread');
  const { JOBS } = (await import(workerData.jobs)) as {
    JOBS: Record<string, (ctx: JobContext, input: unknown) => unknown>;
  };
  const cities = new Map<string, CityGraph>();
  // One job at a time: jobs are synchronous CPU work, and the pool sends a thread one job at once.
  port.on('message', async (message: ToWorker) => {
    if (message.type === 'graph') {
      cities.set(message.key, new CityGraph(message.cityId, graphFromMessage(message)));
      return;
    }
    if (message.type === 'drop') {
      cities.delete(message.key);
      return;
    }
    try {
      const job = JOBS[message.name];
      if (!job) throw new Error(`no such job: ${message.name}`);
      const context: JobContext = {
        city: () => {
          const city = message.cityKey ? cities.get(message.cityKey) : undefined;
          if (!city) throw new Error(`job ${message.name} was given no city graph`);
          return city;
        },
      };
      const value = await job(context, message.input);
      port.postMessage({ type: 'result', id: message.id, ok: true, value });
    } catch (error) {
      port.postMessage({ type: 'result', id: message.id, ok: false, error: postError(error) });
    }
  });
  port.postMessage({ type: 'ready' });
}

await main();
