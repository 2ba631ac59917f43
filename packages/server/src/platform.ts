import { randomBytes } from 'node:crypto';
import { buildApp } from './app.js';
import { createBus } from './bus/index.js';
import { loadConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { migrate } from './db/migrate.js';
import { ensureBundledCity, startSimulator } from './demo.js';
import { createNatsProbe } from './http/nats-probe.js';
import { type BrokerAuthority, type MqttConnection, redactUrl, startEmbeddedBroker } from './ingest/mqtt.js';
import { deviceBrokerAuthority } from './modules/devices/broker.js';
import { seedIfEmpty } from './seed.js';

export interface StartOptions {
  /** Run the city-day simulator on this city (default: the default city) at this speed. */
  simulate?: { city?: string; speed: number };
}

/** After this long a stop that has not finished exits anyway (the process must be gone in 10 s). */
const STOP_DEADLINE_MS = 8_000;

/** Starts the platform: database, migrations, first-run seed, bus, HTTP, modules, and the demo if on. */
export async function start(options: StartOptions = {}) {
  const config = loadConfig();
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: `${config.dataDir}/pglite` });
  const applied = await migrate(db);
  const bus = await createBus(process.env);
  const print = (line: string) => process.stdout.write(`${line}\n`);
  // /api/health reports the node unhealthy while no NATS server answers (HAProxy then stops sending).
  const natsProbe = process.env.NATS_URL?.trim() ? await createNatsProbe(process.env.NATS_URL) : undefined;
  const {
    app,
    ctx,
    start: startModules,
  } = await buildApp({
    config,
    db,
    bus,
    busProbe: natsProbe ? () => natsProbe.check() : undefined,
  });
  if (applied.length) app.log.info({ applied }, 'migrations applied');
  await seedIfEmpty(ctx.identity, config.adminPassword, print);
  // The demo on the embedded database: nothing there is real, so people may send the demo's units
  // to their own calls. On PostgreSQL demo and real units never serve each other's calls.
  ctx.dispatch.demo.mixAllowed = config.demo && !config.databaseUrl;
  if (config.demo) await ensureBundledCity(ctx, print);
  else if (config.databaseUrl && !process.env.CITYWATCH_DEMO)
    print('demo off: DATABASE_URL is set (CITYWATCH_DEMO=on runs it on this database, on demo units only)');
  // The embedded broker (or the bureau's) comes before the modules start: device ingest subscribes
  // as they start. The embedded one is closed: devices by their tokens, the server by a credential
  // made for this run.
  const server = { username: 'citywatch-server', password: randomBytes(32).toString('base64url') };
  const broker = config.mqttUrl
    ? undefined
    : await startBrokerOrFallback(config.mqttPort, deviceBrokerAuthority(ctx.devices, server), print);
  const mqtt: MqttConnection = broker
    ? // Aedes speaks MQTT 3.1.1 only (and has no in-flight window to widen); a clean session there
      // without keepalive (mqtt.ts MqttConnection.inProcess says why).
      {
        url: broker.url,
        ...server,
        clientIdPrefix: config.mqttClientId,
        protocolVersion: 4,
        inProcess: true,
      }
    : {
        url: config.mqttUrl!,
        username: config.mqttUsername,
        password: config.mqttPassword,
        caFile: config.mqttCaFile,
        certFile: config.mqttCertFile,
        keyFile: config.mqttKeyFile,
        clientIdPrefix: config.mqttClientId,
      };
  await startModules({ mqtt });
  const simulate =
    options.simulate ?? (config.demo && config.simulate ? { speed: config.simulateSpeed } : undefined);
  const simulator = simulate ? await startSimulator(app, ctx, simulate, print) : undefined;
  await app.listen({ port: config.port, host: config.host });
  print(`MQTT ${redactUrl(mqtt.url)}: AVL on citywatch/avl/+, plate reads on citywatch/plates/+`);
  print(`citywatch listening on http://127.0.0.1:${config.port} (database: ${db.kind})`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'stopping');
    const deadline = setTimeout(() => {
      process.stderr.write(`citywatch: stop took over ${STOP_DEADLINE_MS} ms; exiting\n`);
      process.exit(1);
    }, STOP_DEADLINE_MS);
    deadline.unref();
    try {
      // The simulator drives the API in process: it stops before the app stops answering.
      await simulator?.stop();
      // Stops accepting, closes live sockets, waits for requests in flight, then stops the modules
      // in reverse order (timers, subscriptions, MQTT ingest, volume flush).
      await app.close();
      await broker?.close();
      await bus.close();
      await natsProbe?.close();
      await db.close();
      clearTimeout(deadline);
      process.exit(0);
    } catch (error) {
      process.stderr.write(`citywatch: stop failed: ${(error as Error).stack ?? error}\n`);
      process.exit(1);
    }
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

/** The embedded broker on its usual port, or on a free one when that is taken (say, by Mosquitto). */
async function startBrokerOrFallback(
  port: number,
  authority: BrokerAuthority,
  print: (line: string) => void,
) {
  try {
    return await startEmbeddedBroker(port, { authority });
  } catch (error) {
    if ((error as { code?: string }).code !== 'EADDRINUSE') throw error;
    const broker = await startEmbeddedBroker(0, { authority });
    print(`MQTT port ${port} is taken; the embedded broker listens on ${broker.url}`);
    return broker;
  }
}
