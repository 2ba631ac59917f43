import { buildApp } from './app.js';
import { createBus } from './bus/index.js';
import { loadConfig } from './config.js';
import { migrate, openDatabase } from './db/database.js';
import { ensureBundledCity, startSimulator } from './demo.js';
import { startEmbeddedBroker } from './ingest/mqtt.js';
import { AVL_TOPIC, startAvlMqttIngest } from './modules/dispatch/avl-mqtt.js';
import { purgeExpiredPersonalData } from './modules/retention/purge.js';
import { seedIfEmpty } from './seed.js';

export interface StartOptions {
  /** Run the city-day simulator on this city (default: the default city) at this speed. */
  simulate?: { city?: string; speed: number };
}

/** Starts the platform: database, migrations, first-run seed, bus, HTTP, and the demo if on. */
export async function start(options: StartOptions = {}) {
  const config = loadConfig();
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: `${config.dataDir}/pglite` });
  const applied = await migrate(db);
  const bus = await createBus(process.env);
  const print = (line: string) => process.stdout.write(`${line}\n`);
  // The embedded broker (or the bureau's) comes first: device ingest subscribes while the app starts.
  const broker = config.mqttUrl ? undefined : await startBrokerOrFallback(config.mqttPort, print);
  const mqttUrl = config.mqttUrl ?? broker!.url;
  const { app, ctx } = await buildApp({ config, db, bus, mqttUrl });
  if (applied.length) app.log.info({ applied }, 'migrations applied');
  await seedIfEmpty(ctx.identity, config.adminPassword, print);
  if (config.demo) await ensureBundledCity(ctx, print);
  const simulate =
    options.simulate ?? (config.demo && config.simulate ? { speed: config.simulateSpeed } : undefined);
  const simulator = simulate ? await startSimulator(app, ctx, simulate, print) : undefined;
  await app.listen({ port: config.port, host: config.host });
  const avl = await startAvlMqttIngest(ctx, mqttUrl, (obj, msg) => app.log.warn(obj, msg));
  print(`MQTT ${mqttUrl}: AVL on ${AVL_TOPIC}, plate reads on citywatch/plates/+`);
  ctx.dispatch.hotline.start();
  const policy = { callerDays: config.retentionCallerDays, avlDays: config.retentionAvlDays };
  const purge = () =>
    purgeExpiredPersonalData(db.kysely, policy, ctx.now()).catch((error: unknown) =>
      app.log.error({ err: error }, 'retention purge failed'),
    );
  await purge();
  const purgeTimer = setInterval(purge, 3600_000);
  purgeTimer.unref();
  process.stdout.write(`citywatch listening on http://127.0.0.1:${config.port} (database: ${db.kind})\n`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    simulator?.stop();
    clearInterval(purgeTimer);
    ctx.dispatch.hotline.stop();
    await avl.subscription.close();
    await broker?.close();
    await app.close();
    await bus.close();
    await db.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** The embedded broker on its usual port, or on a free one when that is taken (say, by Mosquitto). */
async function startBrokerOrFallback(port: number, print: (line: string) => void) {
  try {
    return await startEmbeddedBroker(port);
  } catch (error) {
    if ((error as { code?: string }).code !== 'EADDRINUSE') throw error;
    const broker = await startEmbeddedBroker(0);
    print(`MQTT port ${port} is taken; the embedded broker listens on ${broker.url}`);
    return broker;
  }
}
