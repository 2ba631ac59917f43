// Processes of this checkout still running: a server, simulator or benchmark a test started and
// did not stop. `npm test` fails when any is left after the suite (a leftover skews every later
// figure); `node scripts/leftovers.mjs` lists them.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const MARKERS = ['packages/server/src/main.ts', 'packages/server/src/cli.ts', 'scripts/start.mjs', 'bench/'];

export function leftoverProcesses() {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid || pid === process.ppid) continue;
    let args;
    let cwd;
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      continue; // gone, or not ours to read
    }
    const line = args.join(' ');
    const ours = cwd === root || cwd.startsWith(`${root}/`) || line.includes(root);
    if (ours && MARKERS.some((m) => line.includes(m))) found.push({ pid, command: line.slice(0, 200) });
  }
  return found;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const p of leftoverProcesses()) console.log(`${p.pid} ${p.command}`);
}
