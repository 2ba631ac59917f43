// The npm registry this project is built against lacks Biome's non-Linux platform binaries, so
// `npm install` leaves them out of package-lock.json and `npm ci` then refuses the lock. This adds
// the missing optional entries back (os/cpu-gated, never fetched on Linux). Run it after any
// `npm install` that touches the lock: `node scripts/lock-platforms.mjs`.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const lockPath = path.resolve(import.meta.dirname, '../package-lock.json');
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const biome = lock.packages['node_modules/@biomejs/biome'];
const platforms = {
  'cli-android-arm64': ['android', 'arm64'],
  'cli-android-x64': ['android', 'x64'],
  'cli-darwin-arm64': ['darwin', 'arm64'],
  'cli-darwin-x64': ['darwin', 'x64'],
  'cli-linux-arm64': ['linux', 'arm64'],
  'cli-linux-arm64-musl': ['linux', 'arm64', 'musl'],
  'cli-linux-x64': ['linux', 'x64'],
  'cli-linux-x64-musl': ['linux', 'x64', 'musl'],
  'cli-win32-arm64': ['win32', 'arm64'],
  'cli-win32-x64': ['win32', 'x64'],
};
const added = [];
for (const [name, [os, cpu, libc]] of Object.entries(platforms)) {
  const key = `node_modules/@biomejs/${name}`;
  if (!biome || lock.packages[key]) continue;
  lock.packages[key] = {
    version: biome.version,
    cpu: [cpu],
    dev: true,
    license: 'MIT OR Apache-2.0',
    optional: true,
    os: [os],
    ...(libc ? { libc: [libc] } : {}),
    engines: { node: '>=14.21.3' },
  };
  added.push(name);
}
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(added.length ? `added to the lock: ${added.join(', ')}` : 'lock already complete');
