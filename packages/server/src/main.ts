import { buildApp } from './app.js';
import { createBus } from './bus/index.js';
import { loadConfig } from './config.js';
import { migrate, openDatabase } from './db/database.js';
import { ensureBundledCity } from './demo.js';
import { seedIfEmpty } from './seed.js';

/** Starts the platform: database, migrations, first-run seed, bus, HTTP. */
export async function start() {
  const config = loadConfig();
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: `${config.dataDir}/pglite` });
  const applied = await migrate(db);
  const bus = await createBus(process.env);
  const { app, ctx } = await buildApp({ config, db, bus });
  if (applied.length) app.log.info({ applied }, 'migrations applied');
  const print = (line: string) => process.stdout.write(`${line}\n`);
  await seedIfEmpty(ctx.identity, config.adminPassword, print);
  if (config.demo) await ensureBundledCity(ctx, print);
  await app.listen({ port: config.port, host: config.host });
  process.stdout.write(`citywatch listening on http://127.0.0.1:${config.port} (database: ${db.kind})\n`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await app.close();
    await bus.close();
    await db.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

start().catch((error: unknown) => {
  process.stderr.write(`citywatch failed to start: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
