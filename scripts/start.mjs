// `npm start`: build the web app if needed, then run the platform (migrations and first-run seed
// happen inside). Embedded PGlite under ./data unless DATABASE_URL is set.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ensureWebBuilt } from './web-build.mjs';

const root = path.resolve(import.meta.dirname, '..');
ensureWebBuilt();
const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'packages/server/src/main.ts')], {
  cwd: root,
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
