import { start } from './platform.js';

// What slips past every catch is logged, not lost: a background job's rejected promise must not
// take the command centre down, and must not pass unseen either.
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`citywatch: unhandled rejection: ${(reason as Error)?.stack ?? String(reason)}\n`);
});
// An exception nobody caught leaves the process in an unknown state: log it and exit non-zero.
process.on('uncaughtException', (error) => {
  process.stderr.write(`citywatch: uncaught exception: ${error.stack ?? error}\n`);
  process.exit(1);
});

// `npm start` runs this file: the platform with the settings from the environment.
start().catch((error: unknown) => {
  process.stderr.write(`citywatch failed to start: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
