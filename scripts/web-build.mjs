// Builds the web app when packages/web/dist is missing or older than any web or core source.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

export function ensureWebBuilt() {
  const index = path.join(root, 'packages/web/dist/index.html');
  const sources = Math.max(
    newestMtime(path.join(root, 'packages/web')),
    newestMtime(path.join(root, 'packages/core/src')),
  );
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  console.error('building the web app…');
  const r = spawnSync('npm', ['run', 'build', '-w', 'packages/web'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0) throw new Error('web build failed');
}

if (process.argv[1] === import.meta.filename) ensureWebBuilt();
