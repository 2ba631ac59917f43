// `npm start`: build the web app if needed, then run the platform (migrations and first-run seed
// happen inside). Embedded PGlite under ./data unless DATABASE_URL is set. SIGINT/SIGTERM go to the
// server, and this wrapper exits with it (with its exit code), never leaving it behind.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ensureWebBuilt } from './web-build.mjs';

const root = path.resolve(import.meta.dirname, '..');
// CITYWATCH_WEB_BUILD=off serves whatever packages/web/dist holds (tests of the wrapper itself).
if (process.env.CITYWATCH_WEB_BUILD !== 'off') ensureWebBuilt();
const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'packages/server/src/main.ts')], {
  cwd: root,
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    child.kill(signal);
    // The server stops itself within 10 s; past that it is killed rather than left running.
    setTimeout(() => child.kill('SIGKILL'), 12_000).unref();
  });
}
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
