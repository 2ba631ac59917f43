// Entry of every pool thread: TypeScript through tsx (as bin/citywatch.mjs does for the CLI), then
// the worker loop. A worker does not inherit the loader hooks of the thread that started it, so it
// registers its own; under `node --import tsx` the inherited registration is harmless.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
