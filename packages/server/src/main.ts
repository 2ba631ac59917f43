import { start } from './platform.js';

// `npm start` runs this file: the platform with the settings from the environment.
start().catch((error: unknown) => {
  process.stderr.write(`citywatch failed to start: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
