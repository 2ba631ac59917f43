/**
 * Summarises a .cpuprofile written by `bench/dispatch.ts --profile FILE`: self time by function and
 * by file, top N. `npx tsx bench/dispatch/profile-summary.ts FILE [N]`
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
const [file, topArg] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, 'utf8')) as {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
};
const total = profile.samples.length;
const byFn = new Map<string, number>();
const byFile = new Map<string, number>();
for (const n of profile.nodes) {
  const hits = n.hitCount ?? 0;
  if (!hits) continue;
  const url = n.callFrame.url.replace(/^.*node_modules\//, 'nm/').replace(/^.*\/work\/main\//, '');
  const fn = `${n.callFrame.functionName || '(anon)'} ${url}:${n.callFrame.lineNumber + 1}`;
  byFn.set(fn, (byFn.get(fn) ?? 0) + hits);
  const key = url || n.callFrame.functionName;
  byFile.set(key, (byFile.get(key) ?? 0) + hits);
}
const top = Number(topArg ?? 25);
const show = (title: string, m: Map<string, number>) => {
  process.stdout.write(`${title}\n`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top))
    process.stdout.write(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}\n`);
};
show(`self time by function (${total} samples)`, byFn);
show('self time by file', byFile);
