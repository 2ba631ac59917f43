import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { Aedes, type AedesPublishPacket, type Client } from 'aedes';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { deviceDrops } from './drops.js';

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
  /** MQTT version to speak; default 5, falling back to 3.1.1 when the broker refuses 5. */
  protocolVersion?: 4 | 5;
  /**
   * The embedded broker, in this process: a clean session instead of a persistent one (its sessions
   * are in memory: a persistent one keeps nothing a crash would not lose, and costs Aedes a scan of
   * all the session's unacknowledged messages for every message delivered, aedes-persistence
   * outgoingUpdate: quadratic once acknowledgements wait for a batch), and no keepalive (under load
   * a PINGRESP queued behind a backlog of deliveries came late, the client dropped the connection,
   * and with it the clean session's unacknowledged messages). A batched ingest (sensors) does not
   * connect at all there: it subscribes on the broker itself (subscribeInProcessBatched).
   */
  inProcess?: boolean;
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
  /**
   * Re-checked on every publish: a device revoked meanwhile (on any node) is refused. A boolean
   * when answered from memory (the publish goes on in the same turn), a promise when it must read.
   */
  stillAllowed(principal: BrokerPrincipal): boolean | Promise<boolean>;
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

/**
 * The embedded brokers running in this process, by URL: a batched ingest whose connection is
 * `inProcess` subscribes on the broker itself instead of over TCP (subscribeMqttBatched).
 */
const inProcessBrokers = new Map<string, Aedes>();

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
    deviceDrops.count('broker', `refused_${kind}`);
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
  // One check in flight per device: the publishes that arrive meanwhile share its answer. Without
  // this, a device publishing faster than the database answers queued one query per message
  // (bench:devices: 25,000 queued lookups, nothing taken for minutes).
  const checking = new Map<string, Promise<boolean>>();
  const stillAllowed = (principal: BrokerPrincipal): boolean | Promise<boolean> => {
    if (principal.kind !== 'device') return authority.stillAllowed(principal);
    const pending = checking.get(principal.deviceId);
    if (pending) return pending;
    const answer = authority.stillAllowed(principal);
    if (typeof answer === 'boolean') return answer;
    const check = answer.finally(() => checking.delete(principal.deviceId));
    checking.set(principal.deviceId, check);
    return check;
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
    const decide = (allowed: boolean) => {
      if (allowed) return done(null);
      refuse('publish', client, 'revoked');
      done(new Error('revoked'));
    };
    const allowed = stillAllowed(principal);
    if (typeof allowed === 'boolean') decide(allowed);
    else allowed.then(decide, (error: unknown) => done(error as Error));
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
  const url = `mqtt://${host}:${actualPort}`;
  inProcessBrokers.set(url, broker);
  return {
    url,
    refusals,
    close: async () => {
      inProcessBrokers.delete(url);
      stopListening?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}

// ---- ingest

export interface MqttSubscription {
  client: MqttClient;
  /** Resolves once every message received so far is processed and acknowledged. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** A message whose processing keeps failing is given up (counted, logged) after this many tries. */
const MAX_ATTEMPTS = 8;
const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 5_000;
/**
 * QoS 1 messages the broker may have in flight to the server unacknowledged (MQTT 5 Receive
 * Maximum, the protocol's largest). Mosquitto takes it in place of its max_inflight_messages (20 by
 * default): with 20, a subscriber that acknowledges per batch gets 20 messages per batch, the rest
 * wait in the session's queue (max_queued_messages, 1000 by default) and beyond that Mosquitto drops
 * QoS 1 messages it has already acknowledged to the device.
 */
export const RECEIVE_MAXIMUM = 65_535;
/**
 * MQTT 5: the broker keeps the server's session (and queues for it) while it is away, however long
 * (0xFFFFFFFF: never expires), as a 3.1.1 persistent session does: reads taken by the broker while
 * the server was down for a weekend are still delivered.
 */
const SESSION_EXPIRY_S = 0xffffffff;

/**
 * Connects an ingest client on a persistent session (clean: false, a fixed client id). MQTT 5 with
 * a large Receive Maximum where the broker speaks it (Mosquitto, EMQX, HiveMQ…); 3.1.1 where it does
 * not (the embedded Aedes broker refuses 5 with "unacceptable protocol version").
 * Rejects when the broker cannot be reached or refuses the credentials within the timeout, so a
 * misconfigured deployment fails at start-up; later disconnections are retried by the client.
 */
async function connectIngestClient(
  connection: MqttConnection,
  clientId: string,
  timeoutMs: number,
  prepare: (client: MqttClient) => void,
): Promise<MqttClient> {
  const shownUrl = redactUrl(connection.url);
  const attempt = (protocolVersion: 4 | 5) => {
    const connectOptions: IClientOptions = {
      connectTimeout: timeoutMs,
      reconnectPeriod: 1_000,
      clean: connection.inProcess ?? false,
      ...(connection.inProcess ? { keepalive: 0 } : {}),
      clientId,
      protocolVersion,
      ...(protocolVersion === 5
        ? { properties: { receiveMaximum: RECEIVE_MAXIMUM, sessionExpiryInterval: SESSION_EXPIRY_S } }
        : {}),
      username: connection.username,
      password: connection.password,
      ...(connection.caFile ? { ca: readFileSync(connection.caFile) } : {}),
      ...(connection.certFile ? { cert: readFileSync(connection.certFile) } : {}),
      ...(connection.keyFile ? { key: readFileSync(connection.keyFile) } : {}),
    };
    const client = mqtt.connect(connection.url, connectOptions);
    prepare(client);
    return new Promise<MqttClient>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      const fail = (error: Error) => {
        clearTimeout(timer);
        client.end(true);
        reject(error);
      };
      client.once('connect', () => {
        clearTimeout(timer);
        client.removeListener('error', fail);
        resolve(client);
      });
      client.once('error', fail);
    });
  };
  const first = connection.protocolVersion ?? 5;
  try {
    return await attempt(first);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const refusedVersion = code === 1 || code === 132 || /protocol/i.test((error as Error).message);
    try {
      if (first === 5 && refusedVersion) return await attempt(4);
      throw error;
    } catch (final) {
      // The message names the broker without credentials; the cause is mqtt.js's own (no secrets).
      throw new Error(`MQTT broker ${shownUrl} is unreachable: ${(final as Error).message}`);
    }
  }
}

async function subscribeQos1(client: MqttClient, connection: MqttConnection, topic: string) {
  const granted = await client.subscribeAsync(topic, { qos: 1 });
  if (granted.some((g) => g.qos === 128 || g.qos > 2)) {
    client.end(true);
    throw new Error(`MQTT broker ${redactUrl(connection.url)} refused the subscription to ${topic}`);
  }
}

/**
 * Subscribes to `topic` with QoS 1 on a persistent session and hands each message to
 * `onMessage`, one at a time, in arrival order. A message is acknowledged (PUBACK) only once
 * `onMessage` has resolved: until then the client reads no further packet, so the broker keeps the
 * rest (its in-flight window and the session's queue) and nothing piles up here; after a crash the
 * broker delivers again what was not acknowledged. A failing `onMessage` is retried with backoff,
 * then given up (counted by the caller's onError).
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
  let closing = false;
  let current: Promise<void> = Promise.resolve();
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
  const client = await connectIngestClient(
    options.connection,
    options.clientId,
    options.connectTimeoutMs ?? 5_000,
    (c) => {
      // Acknowledge after processing: mqtt.js sends the PUBACK when this callback is called, and
      // reads the next packet only after that.
      c.handleMessage = (packet, callback) => {
        if (closing) return; // not acknowledged: delivered again to the next session
        current = processWithRetry(packet.topic, packet.payload as Buffer).then(
          () => callback(),
          () => {}, // stopping: not acknowledged, so the broker delivers it again
        );
      };
    },
  );
  await subscribeQos1(client, options.connection, options.topic);
  client.on('error', (error) => options.onError?.(error));
  return {
    client,
    idle: () => current,
    close: async () => {
      closing = true;
      await Promise.race([current.catch(() => {}), sleep(CLOSE_WAIT_MS)]);
      await endWithin(client, END_WAIT_MS);
    },
  };
}

/** What a batched subscription hands its messages to. */
export interface BatchSink {
  /**
   * Takes one message into the batch being gathered (parse, check, keep in memory). Work that must
   * not wait for the batch (an alarm to raise) is started here and returned: the batch is
   * acknowledged only once it is done. Must not throw: a bad message is the sink's to count.
   */
  take(topic: string, payload: Buffer): Promise<unknown> | undefined;
  /** Writes what was taken since the last commit (one statement); resolves once it is durable. */
  commit(): Promise<void>;
  /** Called after a batch was written and acknowledged, with its size. */
  acknowledged?(messages: number): void;
}

/**
 * A batch is written when BATCH_MAX messages are in, BATCH_DELAY_MS after its first message, or
 * when no message came for BATCH_IDLE_MS. Long batches coalesce: a device beating ten times a
 * second is one row per batch, not ten. The idle rule keeps a broker with a small in-flight window
 * (MQTT 3.1.1: Mosquitto's 20) from waiting a whole BATCH_DELAY_MS for each window's PUBACKs, and a
 * quiet stream from waiting at all. Alarms do not wait for either (the sink raises them at take).
 */
export const BATCH_MAX = 20_000;
export const BATCH_DELAY_MS = 1_000;
export const BATCH_IDLE_MS = 20;

/** A batched subscription: over MQTT (client), or on the embedded broker in this process (null). */
export type BatchedSubscription = Omit<MqttSubscription, 'client'> & { client: MqttClient | null };

/** mqtt.js's handleMessage callback given an error skips its PUBACK and reads the next packet. */
const LATER = new Error('acknowledged with its batch');

/**
 * Subscribes to `topic` with QoS 1 on a persistent session and takes messages in batches: each
 * message is taken into memory at once (the sink's take), the batch is written with one commit
 * (see BATCH_MAX, BATCH_DELAY_MS, BATCH_IDLE_MS), and only then are its messages acknowledged
 * (PUBACK), so "acknowledged" keeps meaning "durably taken". One commit at a time; the
 * next batch gathers meanwhile, and when it is full the client stops reading (TCP backpressure to
 * the broker, which holds the rest in its in-flight window). A failing commit is retried with
 * backoff until it succeeds or the subscription closes (then nothing of it is acknowledged and the
 * broker delivers it again to the next session). Acknowledgements of a connection that dropped
 * are not sent on the next one: the broker redelivers those messages (taken twice: at least once).
 */
export async function subscribeMqttBatched(options: {
  connection: MqttConnection;
  clientId: string;
  topic: string;
  sink: BatchSink;
  batchMax?: number;
  batchDelayMs?: number;
  batchIdleMs?: number;
  connectTimeoutMs?: number;
  onError?: (error: unknown) => void;
}): Promise<BatchedSubscription> {
  const embedded = options.connection.inProcess ? inProcessBrokers.get(options.connection.url) : undefined;
  if (embedded) return subscribeInProcessBatched(embedded, options);
  const { sink } = options;
  const batchMax = options.batchMax ?? BATCH_MAX;
  const batchDelayMs = options.batchDelayMs ?? BATCH_DELAY_MS;
  const batchIdleMs = options.batchIdleMs ?? BATCH_IDLE_MS;
  interface Batch {
    messageIds: number[];
    connection: number;
    work: Promise<unknown>[];
  }
  /** Stopping: no more messages are taken; then closing: a failing commit is no longer retried. */
  let stopping = false;
  let closing = false;
  let connectionNo = 0;
  let gathering: Batch = { messageIds: [], connection: 0, work: [] };
  /** The batch's age limit, and the idle gap (refreshed by every message). */
  let timer: NodeJS.Timeout | null = null;
  let idleTimer: NodeJS.Timeout | null = null;
  let writing: Promise<void> | null = null;
  /** The reader, stopped while a full batch waits for the one being written. */
  let resumeReader: (() => void) | null = null;
  let client: MqttClient;

  const sendPubacks = (batch: Batch) => {
    if (batch.connection !== connectionNo || !client.connected) return;
    // mqtt.js has no public call for a PUBACK sent later; its own path is _sendPacket.
    const send = (client as unknown as { _sendPacket(packet: object): void })._sendPacket.bind(client);
    for (const messageId of batch.messageIds) send({ cmd: 'puback', messageId, reasonCode: 0 });
  };
  const write = async (batch: Batch) => {
    for (const r of await Promise.allSettled(batch.work)) {
      if (r.status === 'rejected') options.onError?.(r.reason);
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await sink.commit();
        break;
      } catch (error) {
        options.onError?.(error);
        if (closing) throw error;
        await sleep(Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (attempt - 1)));
      }
    }
    sendPubacks(batch);
    sink.acknowledged?.(batch.messageIds.length);
  };
  const flush = () => {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (idleTimer) {
      clearTimeout(idleTimer);
      idleTimer = null;
    }
    if (writing || (gathering.messageIds.length === 0 && gathering.work.length === 0)) return;
    const batch = gathering;
    gathering = { messageIds: [], connection: connectionNo, work: [] };
    writing = write(batch)
      .catch(() => {}) // closing: left unacknowledged
      .finally(() => {
        writing = null;
        const resume = resumeReader;
        resumeReader = null;
        resume?.();
        if (gathering.messageIds.length >= batchMax) flush();
        else if (gathering.messageIds.length > 0 || gathering.work.length > 0) {
          timer ??= setTimeout(flush, batchDelayMs);
          idleTimer ??= setTimeout(flush, batchIdleMs);
        }
      });
  };

  client = await connectIngestClient(
    options.connection,
    options.clientId,
    options.connectTimeoutMs ?? 5_000,
    (c) => {
      // Set here: a persistent session's queued messages may arrive before connect resolves.
      client = c;
      c.on('connect', () => {
        connectionNo++;
        // What the dropped connection delivered and no batch wrote yet is not acknowledged on this
        // one: the broker delivers it again.
        gathering = { messageIds: [], connection: connectionNo, work: gathering.work };
      });
      c.handleMessage = (packet, callback) => {
        if (stopping) return; // not acknowledged: delivered again to the next session
        try {
          const work = sink.take(packet.topic, packet.payload as Buffer);
          if (work) gathering.work.push(work);
        } catch (error) {
          options.onError?.(error);
        }
        if (packet.qos > 0 && packet.messageId !== undefined) gathering.messageIds.push(packet.messageId);
        if (gathering.messageIds.length >= batchMax) {
          flush();
          // Still full (one batch is being written): read on once it is.
          if (gathering.messageIds.length >= batchMax) {
            resumeReader = () => callback(LATER);
            return;
          }
        } else {
          timer ??= setTimeout(flush, batchDelayMs);
          if (idleTimer) idleTimer.refresh();
          else idleTimer = setTimeout(flush, batchIdleMs);
        }
        callback(packet.qos > 0 ? LATER : undefined);
      };
    },
  );
  await subscribeQos1(client, options.connection, options.topic);
  client.on('error', (error) => options.onError?.(error));
  const idle = async () => {
    while (writing || gathering.messageIds.length > 0 || gathering.work.length > 0) {
      if (!writing) flush();
      await writing;
    }
  };
  return {
    client,
    idle,
    close: async () => {
      // What was taken is written and acknowledged before the session ends (a few seconds at most:
      // the process must stop within 10 s); what arrives after is left to the broker.
      stopping = true;
      resumeReader = null;
      await Promise.race([idle().catch(() => {}), sleep(CLOSE_WAIT_MS)]);
      closing = true;
      if (timer) clearTimeout(timer);
      if (idleTimer) clearTimeout(idleTimer);
      // A commit still hanging after that is not acknowledged; the broker delivers it again.
      await Promise.race([writing, sleep(1_000)]);
      await endWithin(client, END_WAIT_MS);
    },
  };
}

/**
 * The batched ingest on the embedded broker of this process: subscribed on Aedes itself (its
 * message emitter), not through a TCP client of its own. Over loopback every message was encoded
 * by Aedes, written to the server's socket, parsed again by mqtt.js, its PUBACK parsed by Aedes and
 * matched against the session's list of unacknowledged messages — all on the one event loop that
 * also runs the broker's side of every device, the batch writes and the API. At 10,000 messages/s
 * (bench:devices) that second hop took the process past what it could do, the server's socket
 * became a queue seconds long, and an alarm waited behind every heartbeat in it (alarm-to-console
 * p99 2.1 s; 78 ms through Mosquitto, a process of its own). Here a message is taken as the device's
 * PUBLISH is handled: an alarm is raised before the next device message is read.
 * Same batching and commit as over MQTT (the sink's take, one commit at a time, `acknowledged`
 * after it). Aedes acknowledges a QoS 1 PUBLISH to the device before handing it on (as it did over
 * TCP, and its sessions die with the process either way); a full batch waiting for the one being
 * written holds the delivery, and with it the reading of that device's connection (backpressure).
 */
function subscribeInProcessBatched(
  broker: Aedes,
  options: {
    topic: string;
    sink: BatchSink;
    batchMax?: number;
    batchDelayMs?: number;
    batchIdleMs?: number;
    onError?: (error: unknown) => void;
  },
): Promise<BatchedSubscription> {
  const { sink } = options;
  const batchMax = options.batchMax ?? BATCH_MAX;
  const batchDelayMs = options.batchDelayMs ?? BATCH_DELAY_MS;
  const batchIdleMs = options.batchIdleMs ?? BATCH_IDLE_MS;
  interface Batch {
    messages: number;
    work: Promise<unknown>[];
  }
  let stopping = false;
  let closing = false;
  let gathering: Batch = { messages: 0, work: [] };
  let timer: NodeJS.Timeout | null = null;
  let idleTimer: NodeJS.Timeout | null = null;
  let writing: Promise<void> | null = null;
  /** Deliveries held while a full batch waits for the one being written. */
  let held: (() => void)[] = [];

  const write = async (batch: Batch) => {
    for (const r of await Promise.allSettled(batch.work)) {
      if (r.status === 'rejected') options.onError?.(r.reason);
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await sink.commit();
        break;
      } catch (error) {
        options.onError?.(error);
        if (closing) throw error;
        await sleep(Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (attempt - 1)));
      }
    }
    sink.acknowledged?.(batch.messages);
  };
  const release = () => {
    const callbacks = held;
    held = [];
    for (const callback of callbacks) callback();
  };
  const flush = () => {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (idleTimer) {
      clearTimeout(idleTimer);
      idleTimer = null;
    }
    if (writing || (gathering.messages === 0 && gathering.work.length === 0)) return;
    const batch = gathering;
    gathering = { messages: 0, work: [] };
    writing = write(batch)
      .catch(() => {})
      .finally(() => {
        writing = null;
        release();
        if (gathering.messages >= batchMax) flush();
        else if (gathering.messages > 0 || gathering.work.length > 0) {
          timer ??= setTimeout(flush, batchDelayMs);
          idleTimer ??= setTimeout(flush, batchIdleMs);
        }
      });
  };
  const deliver = (packet: AedesPublishPacket, callback: () => void) => {
    if (stopping) return callback();
    try {
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
      const work = sink.take(packet.topic, payload);
      if (work) gathering.work.push(work);
    } catch (error) {
      options.onError?.(error);
    }
    gathering.messages++;
    if (gathering.messages >= batchMax) {
      flush();
      if (gathering.messages >= batchMax) {
        held.push(callback);
        return;
      }
    } else {
      timer ??= setTimeout(flush, batchDelayMs);
      if (idleTimer) idleTimer.refresh();
      else idleTimer = setTimeout(flush, batchIdleMs);
    }
    callback();
  };
  const idle = async () => {
    while (writing || gathering.messages > 0 || gathering.work.length > 0) {
      if (!writing) flush();
      await writing;
    }
  };
  return new Promise<BatchedSubscription>((resolve) => {
    broker.subscribe(options.topic, deliver, () =>
      resolve({
        client: null,
        idle,
        close: async () => {
          stopping = true;
          release();
          await new Promise<void>((done) => broker.unsubscribe(options.topic, deliver, () => done()));
          await Promise.race([idle().catch(() => {}), sleep(CLOSE_WAIT_MS)]);
          closing = true;
          if (timer) clearTimeout(timer);
          if (idleTimer) clearTimeout(idleTimer);
          await writing;
        },
      }),
    );
  });
}

const CLOSE_WAIT_MS = 5_000;
/**
 * How long ending an MQTT session may wait for the broker. mqtt.js's graceful end sends DISCONNECT
 * and resolves when the broker closes the connection: a broker that stopped answering (or a
 * connection dropped without a FIN) never does, and SIGTERM must stop the process within 10 s:
 * with the wait for the last message or batch (CLOSE_WAIT_MS) a close takes 8 s at most.
 */
export const END_WAIT_MS = 2_000;

/** Ends the client gracefully within `ms`, then by force (the socket destroyed, nothing awaited). */
export async function endWithin(client: MqttClient, ms: number): Promise<'ended' | 'forced'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'forced'>((resolve) => {
    timer = setTimeout(() => resolve('forced'), ms);
  });
  try {
    const ended = client.endAsync().then(
      () => 'ended' as const,
      () => 'ended' as const,
    );
    const how = await Promise.race([ended, late]);
    // client.end(true) is no use here: mqtt.js ignores an end while one is under way. Destroying
    // the socket ends that one (its 'close' completes the graceful end) and reconnects nothing.
    if (how === 'forced') {
      client.stream.destroy();
      await Promise.race([ended, sleep(500)]);
    }
    return how;
  } finally {
    clearTimeout(timer);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
