import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { Aedes, type Client } from 'aedes';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

/**
 * MQTT for high-rate device inputs (AVL, plate reads). In production the bureau's broker
 * (Mosquitto or any MQTT server) at MQTT_URL; in the embedded default an in-process Aedes broker,
 * closed like the bureau's should be: every client authenticates, a device publishes only on its
 * own topic, nothing is retained, and only the server subscribes.
 */

/** How the server's ingest reaches a broker. Credentials never go into a log line or an error. */
export interface MqttConnection {
  url: string;
  username?: string;
  password?: string;
  /** TLS (mqtts://): the CA to trust and the client certificate, PEM file paths. */
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /**
   * Prefix of the ingest clients' fixed ids (`<prefix>-plates`, `<prefix>-avl`): persistent
   * sessions are found again by id after a restart. Each API node needs its own prefix.
   */
  clientIdPrefix: string;
}

/** A URL as it may be shown: without user and password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}

// ---- the embedded broker

/** Who a connected client is, once it authenticated. */
export type BrokerPrincipal =
  | { kind: 'server' }
  | {
      kind: 'device';
      deviceId: string;
      /** The one topic it may publish on (its checkpoint's plates, its unit's AVL). */
      topic: string;
    };

/** What the embedded broker asks about its clients (modules/devices answers for devices). */
export interface BrokerAuthority {
  /** The principal behind a CONNECT, or null to refuse it (CONNACK 5, not authorized). */
  authenticate(
    clientId: string,
    username: string | undefined,
    password: Buffer | undefined,
  ): Promise<BrokerPrincipal | null>;
  /** Re-checked on every publish: a device revoked meanwhile (on any node) is refused. */
  stillAllowed(principal: BrokerPrincipal): Promise<boolean>;
  /** Called with a device id when its token is revoked or replaced: its connections are closed. */
  onRevoke?(listener: (deviceId: string) => void): () => void;
}

/** The server's own credential on the embedded broker, generated at every start. */
export interface ServerCredential {
  username: string;
  password: string;
}

/** Whether a presented credential is the server's (constant time). */
export function isServerCredential(
  credential: ServerCredential,
  username: string | undefined,
  password: Buffer | undefined,
): boolean {
  if (username !== credential.username || !password) return false;
  const a = createHash('sha256').update(password).digest();
  const b = createHash('sha256').update(credential.password).digest();
  return timingSafeEqual(a, b);
}

export interface EmbeddedBroker {
  url: string;
  /** Refusals so far, by rule (for tests and metrics). */
  refusals: Record<'connect' | 'publish' | 'retain' | 'subscribe', number>;
  close(): Promise<void>;
}

export async function startEmbeddedBroker(
  port: number,
  options: { authority: BrokerAuthority; host?: string; log?: (obj: object, msg: string) => void },
): Promise<EmbeddedBroker> {
  const { authority } = options;
  const host = options.host ?? '127.0.0.1';
  // concurrency 0: mqemitter hands each message on at once instead of queueing beyond 100 in
  // flight; its queue is drained by synchronous recursion, which overflowed the stack ("Maximum call
  // stack size exceeded" in mqemitter's released/_do, mcollina/mqemitter#204) at 10,000 messages/s
  // in bench:devices and took the whole process down.
  const broker = await Aedes.createBroker({ concurrency: 0 });
  const principals = new WeakMap<Client, BrokerPrincipal>();
  const byDevice = new Map<string, Set<Client>>();
  const refusals = { connect: 0, publish: 0, retain: 0, subscribe: 0 };
  const refuse = (kind: keyof typeof refusals, client: Client | null, detail: string) => {
    refusals[kind]++;
    options.log?.({ clientId: client?.id, rule: kind, detail }, 'MQTT refused');
  };

  broker.authenticate = (client, username, password, done) => {
    authority.authenticate(client.id, username, password).then(
      (principal) => {
        if (!principal) {
          refuse('connect', client, 'bad credentials');
          const error = Object.assign(new Error('not authorized'), { returnCode: 5 as const });
          return done(error, false);
        }
        principals.set(client, principal);
        if (principal.kind === 'device') {
          const set = byDevice.get(principal.deviceId) ?? new Set<Client>();
          byDevice.set(principal.deviceId, set);
          set.add(client);
        }
        done(null, true);
      },
      (error: unknown) =>
        done(
          Object.assign(error instanceof Error ? error : new Error(String(error)), {
            returnCode: 3 as const,
          }),
          false,
        ),
    );
  };
  broker.authorizePublish = (client, packet, done) => {
    const principal = client ? principals.get(client) : undefined;
    if (!client || !principal) {
      refuse('publish', client, 'no principal');
      return done(new Error('not authorized'));
    }
    // Retained messages would hand the last read of a checkpoint to whoever subscribes next.
    if (packet.retain) {
      refuse('retain', client, packet.topic);
      return done(new Error('retained messages are refused'));
    }
    if (principal.kind !== 'device' || packet.topic !== principal.topic) {
      refuse('publish', client, packet.topic);
      return done(new Error('not authorized for this topic'));
    }
    authority.stillAllowed(principal).then(
      (allowed) => {
        if (allowed) return done(null);
        refuse('publish', client, 'revoked');
        done(new Error('revoked'));
      },
      (error: unknown) => done(error as Error),
    );
  };
  broker.authorizeSubscribe = (client, subscription, done) => {
    if (principals.get(client)?.kind === 'server') return done(null, subscription);
    refuse('subscribe', client, subscription.topic);
    // Negated: SUBACK 128 for this topic, and nothing is ever forwarded to this client.
    done(null, null);
  };
  broker.authorizeForward = (client, packet) =>
    principals.get(client)?.kind === 'server' && !packet.retain ? packet : null;
  broker.on('clientDisconnect', (client) => {
    const principal = principals.get(client);
    if (principal?.kind === 'device') byDevice.get(principal.deviceId)?.delete(client);
  });
  const stopListening = authority.onRevoke?.((deviceId) => {
    for (const client of byDevice.get(deviceId) ?? []) client.close();
    byDevice.delete(deviceId);
  });

  const server: Server = createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return {
    url: `mqtt://${host}:${actualPort}`,
    refusals,
    close: async () => {
      stopListening?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}

// ---- ingest

export interface MqttSubscription {
  client: MqttClient;
  /** Resolves once the message being processed (if any) is processed and acknowledged. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** A message whose processing keeps failing is given up (counted, logged) after this many tries. */
const MAX_ATTEMPTS = 8;
const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 5_000;

/**
 * Subscribes to `topic` with QoS 1 on a persistent session (clean: false, a fixed client id) and
 * hands each message to `onMessage`, one at a time, in arrival order. A message is acknowledged
 * (PUBACK) only once `onMessage` has resolved: until then the client reads no further packet, so
 * the broker keeps the rest (its in-flight window and the session's queue) and nothing piles up
 * here; after a crash the broker delivers again what was not acknowledged. A failing `onMessage`
 * is retried with backoff, then given up (counted by the caller's onError).
 * Rejects when the broker cannot be reached or refuses the credentials within the timeout, so a
 * misconfigured deployment fails at start-up; later disconnections are retried by the client.
 */
export async function subscribeMqtt(options: {
  connection: MqttConnection;
  /** Fixed client id, so the broker finds the session again after a restart. */
  clientId: string;
  topic: string;
  onMessage: (topic: string, payload: Buffer) => Promise<void>;
  connectTimeoutMs?: number;
  onError?: (error: unknown) => void;
}): Promise<MqttSubscription> {
  const { connection } = options;
  const shownUrl = redactUrl(connection.url);
  const timeoutMs = options.connectTimeoutMs ?? 5_000;
  const connectOptions: IClientOptions = {
    connectTimeout: timeoutMs,
    reconnectPeriod: 1_000,
    clean: false,
    clientId: options.clientId,
    protocolVersion: 4,
    username: connection.username,
    password: connection.password,
    ...(connection.caFile ? { ca: readFileSync(connection.caFile) } : {}),
    ...(connection.certFile ? { cert: readFileSync(connection.certFile) } : {}),
    ...(connection.keyFile ? { key: readFileSync(connection.keyFile) } : {}),
  };
  const client = mqtt.connect(connection.url, connectOptions);
  let closing = false;
  let current: Promise<void> = Promise.resolve();
  // Acknowledge after processing: mqtt.js sends the PUBACK when this callback is called, and reads
  // the next packet only after that.
  client.handleMessage = (packet, callback) => {
    if (closing) return; // not acknowledged: delivered again to the next session
    current = processWithRetry(packet.topic, packet.payload as Buffer).then(
      () => callback(),
      () => {}, // stopping: not acknowledged, so the broker delivers it again
    );
  };
  const processWithRetry = async (topic: string, payload: Buffer) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await options.onMessage(topic, payload);
        return;
      } catch (error) {
        options.onError?.(error);
        if (attempt >= MAX_ATTEMPTS || closing) {
          if (closing) throw error; // left unacknowledged for the next session
          return; // given up: acknowledged so that one bad message does not stop the stream
        }
        await sleep(Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (attempt - 1)));
      }
    }
  };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      client.end(true);
      // The message names the broker without credentials; the cause is mqtt.js's own (no secrets).
      reject(new Error(`MQTT broker ${shownUrl} is unreachable: ${error.message}`));
    };
    client.once('connect', () => {
      clearTimeout(timer);
      client.removeListener('error', fail);
      resolve();
    });
    client.once('error', fail);
  });
  const granted = await client.subscribeAsync(options.topic, { qos: 1 });
  if (granted.some((g) => g.qos === 128)) {
    client.end(true);
    throw new Error(`MQTT broker ${shownUrl} refused the subscription to ${options.topic}`);
  }
  client.on('error', (error) => options.onError?.(error));
  return {
    client,
    idle: () => current,
    close: async () => {
      closing = true;
      await current.catch(() => {});
      await client.endAsync();
    },
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
