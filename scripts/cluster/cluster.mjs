// `npm run cluster`: the cluster of scripts/cluster/lib.mjs on this machine (3 API nodes behind
// HAProxy, a three-node NATS JetStream cluster, PostgreSQL primary and standby), until Ctrl-C or
// SIGTERM: then everything stops (within 10 s) and the temp directory is removed.
//   node scripts/cluster/cluster.mjs [--nodes 2|3] [--head: the API nodes run a copy of the last commit]
import { startCluster, stopAll } from './lib.mjs';

const at = process.argv.indexOf('--nodes');
const nodes = at > 0 ? Number(process.argv[at + 1]) : 3;
if (![2, 3].includes(nodes)) throw new Error('--nodes must be 2 or 3');

let cluster;
let stopping = false;
const stop = async (signal) => {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`[cluster] ${signal}: stopping\n`);
  const hard = setTimeout(() => process.exit(1), 9_500);
  await stopAll();
  clearTimeout(hard);
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));

try {
  cluster = await startCluster({ nodes, head: process.argv.includes('--head') });
} catch (error) {
  if (!stopping) {
    process.stderr.write(`[cluster] failed to start: ${error.stack ?? error}\n`);
    process.exit(1);
  }
}
if (stopping) await new Promise(() => {});
console.log(`citywatch cluster: ${cluster.base} (admin / see scripts/cluster/lib.mjs ADMIN_PASSWORD)`);
console.log(`  API nodes: ${cluster.parts.api.map((p) => p.url).join(' ')}`);
console.log(`  NATS: ${cluster.natsUrl}`);
console.log(
  `  PostgreSQL: ${cluster.databaseUrl} (primary :${cluster.primary.port}, standby :${cluster.standby.port})`,
);
console.log(`  temp dir: ${cluster.tmp} (removed on stop); Ctrl-C stops everything`);
