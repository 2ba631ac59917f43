/**
 * NATS JetStream event bus: several stateless API nodes share one stream; every node consumes every
 * event (each with its own ephemeral ordered consumer) and fans it out to its own subscribers (its
 * WebSocket clients, its jobs). Publishing waits for the stream's ack and uses the event id as the
 * JetStream message id, so a re-published event (a retry) is stored and delivered once.
 *
 * Stream `CITYWATCH` (configurable), subjects `citywatch.events.>`, one subject per event type:
 * `citywatch.events.<type>`. Reconnects are the client library's job (it retries forever); the
 * ordered consumer re-creates itself after a reconnect and resumes after the last sequence it saw.
 *
 * A NATS server dying (the drill `npm run drill -- --only nats-kill`, three servers, stream R3) costs
 * two things this bus repairs:
 *   - while the stream elects a new leader (~4 s) a publish fails at once ("no responders"): it is
 *     retried with the same message id until the stream acknowledges it (publishRetryMs, default
 *     60 s, inside the stream's 2 min de-duplication window, so a publish that was stored but whose
 *     ack was lost is not stored twice). Before, the event was only counted as failed: every
 *     console missed it although the incident was committed.
 *   - an ordered consumer is an R1 consumer on one server; when that server dies the library only
 *     re-checks the consumer (which stays unreachable) every `expires`, with its heartbeat watch
 *     stopped after a reconnect: this node's consoles stalled for good. The bus makes a new ordered
 *     consumer from the sequence after the last one it delivered (re-tried until the cluster
 *     answers) after every reconnect, and when the pull's idle heartbeats (CONSUMER_HEARTBEAT_MS)
 *     are missed (the consumer's server died while this node is connected to another). Sequences
 *     at or below the last delivered are dropped, so nothing is delivered twice.
 *
 * Every event is delivered with its stream sequence (resume.ts): a console that reconnects to any
 * node names the last sequence it got and is replayed the rest from the stream (an ordered consumer
 * from that sequence on), as long as the stream still holds it (max age, default 24 h).
 * A message at or below the last sequence delivered, or with an id already delivered, is dropped.
 */
import type { EventBus, EventHandler, SubscribeFilter, Unsubscribe } from '@citywatch/core/events/bus';
import { parseDomainEvent } from '@citywatch/core/events/bus';
import type { DomainEvent, DomainEventType } from '@citywatch/core/events/events';
import {
  type Consumer,
  type ConsumerMessages,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type StreamInfo,
} from '@nats-io/jetstream';
import { connect, type NatsConnection, nanos } from '@nats-io/transport-node';
import { type BusLogger, consoleBusLogger, LocalFanOut } from './in-process';
import { RecentIds, type ResumableBus, type SequencedEvent, setSequence } from './resume';

export interface NatsBusOptions {
  /** NATS server URL(s), comma-separated, e.g. `nats://127.0.0.1:4222`. */
  url: string;
  /** JetStream stream name; default `CITYWATCH`. */
  stream?: string;
  /** Subject prefix; events go to `<prefix>.<type>`. Default `citywatch.events`. */
  subjectPrefix?: string;
  /** How long the stream keeps events (only used when this node creates the stream); default 24 h. */
  maxAgeMs?: number;
  /** JetStream de-duplication window for message ids (only on creation); default 2 min. */
  duplicateWindowMs?: number;
  /** Timeout of the first connection attempt; default 5 s. */
  connectTimeoutMs?: number;
  /** Client name shown in NATS monitoring; default `citywatch-api`. */
  name?: string;
  /**
   * How long a publish is retried (same message id) before it is given up and reported failed;
   * default 60 s. Keep it below the stream's de-duplication window.
   */
  publishRetryMs?: number;
  logger?: BusLogger;
}

export const DEFAULT_STREAM = 'CITYWATCH';
export const DEFAULT_SUBJECT_PREFIX = 'citywatch.events';
/** Idle heartbeat of the consumer's pulls: two missed (~2-3 s of silence) re-create the consumer. */
export const CONSUMER_HEARTBEAT_MS = 1_000;
/** Lifetime of one pull request (the library re-pulls before it ends). */
const CONSUMER_PULL_EXPIRES_MS = 10_000;
const DEFAULT_PUBLISH_RETRY_MS = 60_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** An ordered consumer of the stream's events from `fromSeq` on, consuming into `onMessage`. */
async function openConsumer(
  js: JetStreamClient,
  streamName: string,
  prefix: string,
  fromSeq: number,
  onMessage: (m: JsMsg) => void,
): Promise<{ consumer: Consumer; messages: ConsumerMessages }> {
  const consumer = await js.consumers.get(streamName, {
    filter_subjects: `${prefix}.>`,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: fromSeq,
  });
  const messages = await consumer.consume({
    callback: onMessage,
    idle_heartbeat: CONSUMER_HEARTBEAT_MS,
    expires: CONSUMER_PULL_EXPIRES_MS,
  });
  return { consumer, messages };
}

export class NatsBus implements EventBus, ResumableBus {
  private closed = false;
  private closing: Promise<void> | null = null;
  private lastSeq: number;
  private readonly seen = new RecentIds(10_000);
  /** Publishes not yet acknowledged (close waits a little for them). */
  private readonly inFlight = new Set<Promise<void>>();
  /** A consumer re-creation under way (one at a time). */
  private restarting: Promise<void> | null = null;
  /** Times the consumer was re-created after missed heartbeats (tests, logs). */
  consumerRestarts = 0;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private consumer: Consumer,
    private messages: ConsumerMessages,
    private readonly fanOut: LocalFanOut,
    private readonly subjectPrefix: string,
    private readonly log: BusLogger,
    private readonly streamName: string,
    readonly streamId: string,
    startSeq: number,
    private readonly publishRetryMs: number,
  ) {
    this.lastSeq = startSeq - 1;
  }

  /** Connects, makes sure the stream exists and starts consuming events published from now on. */
  static async create(opts: NatsBusOptions): Promise<NatsBus> {
    const log = opts.logger ?? consoleBusLogger;
    const streamName = opts.stream ?? DEFAULT_STREAM;
    const prefix = opts.subjectPrefix ?? DEFAULT_SUBJECT_PREFIX;
    const servers = opts.url
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers,
        name: opts.name ?? 'citywatch-api',
        timeout: opts.connectTimeoutMs ?? 5_000,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 1_000,
      });
    } catch (err) {
      throw new Error(`cannot connect to NATS at ${opts.url}: ${errorMessage(err)}`, { cause: err });
    }
    try {
      const jsm = await jetstreamManager(nc);
      const info = await ensureStream(jsm, streamName, prefix, opts);
      const js = jetstream(nc);
      // "Only new messages": start right after the stream's last sequence. This is DeliverPolicy.New
      // pinned to a sequence, so that when the ordered consumer re-creates itself (after a reconnect)
      // before it has seen a message it does not fall back to replaying the stream from sequence 1.
      const fan = new LocalFanOut(log);
      let bus: NatsBus | null = null;
      const early: JsMsg[] = [];
      const { consumer, messages } = await openConsumer(
        js,
        streamName,
        prefix,
        info.state.last_seq + 1,
        (m: JsMsg) => {
          if (bus) bus.onMessage(m);
          else early.push(m);
        },
      );
      const streamId = `${streamName}@${info.created}`;
      bus = new NatsBus(
        nc,
        js,
        consumer,
        messages,
        fan,
        prefix,
        log,
        streamName,
        streamId,
        info.state.last_seq + 1,
        opts.publishRetryMs ?? DEFAULT_PUBLISH_RETRY_MS,
      );
      for (const m of early) bus.onMessage(m);
      bus.watchStatus();
      bus.watchConsumer(messages);
      return bus;
    } catch (err) {
      await nc.close().catch(() => {});
      throw new Error(`NATS JetStream at ${opts.url} is not usable: ${errorMessage(err)}`, { cause: err });
    }
  }

  subjectFor(type: DomainEventType): string {
    return `${this.subjectPrefix}.${type}`;
  }

  /**
   * Resolves once the stream has stored the event. A failed attempt (no stream leader during an
   * election, a timeout, a reconnect) is retried with the same message id, backing off up to 1 s,
   * for publishRetryMs; then the last error is thrown (the app counts it as a publish failure).
   */
  publish(event: DomainEvent): Promise<void> {
    if (this.closed) return Promise.reject(new Error('event bus is closed'));
    const done = this.publishUntilStored(event);
    this.inFlight.add(done);
    const forget = () => this.inFlight.delete(done);
    done.then(forget, forget);
    return done;
  }

  private async publishUntilStored(event: DomainEvent): Promise<void> {
    const subject = this.subjectFor(event.type);
    const data = JSON.stringify(event);
    const giveUpAt = Date.now() + this.publishRetryMs;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.js.publish(subject, data, { msgID: event.id });
        if (attempt > 0)
          this.log.info({ eventId: event.id, attempts: attempt + 1 }, 'event published after retries');
        return;
      } catch (err) {
        const wait = Math.min(1_000, 100 * 2 ** attempt) * (0.75 + Math.random() / 2);
        if (this.nc.isClosed() || Date.now() + wait > giveUpAt) throw err;
        if (attempt === 0) {
          this.log.warn(
            { eventId: event.id, type: event.type, err: errorMessage(err) },
            'event publish failed; retrying with the same message id',
          );
        }
        await sleep(wait);
      }
    }
  }

  subscribe(handler: EventHandler, filter?: SubscribeFilter): Unsubscribe {
    if (this.closed) throw new Error('event bus is closed');
    return this.fanOut.subscribe(handler, filter);
  }

  headSeq(): number {
    return this.lastSeq;
  }

  async replay(after: number, upTo: number, max: number): Promise<SequencedEvent[] | null> {
    if (upTo <= after) return [];
    if (upTo - after > max) return null;
    const jsm = await jetstreamManager(this.nc);
    const info = await jsm.streams.info(this.streamName);
    // Older than the stream keeps (max age): the console must resync.
    if (after + 1 < info.state.first_seq) return null;
    const consumer = await this.js.consumers.get(this.streamName, {
      filter_subjects: `${this.subjectPrefix}.>`,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: after + 1,
    });
    const out: SequencedEvent[] = [];
    try {
      let reached = after;
      while (reached < upTo) {
        const batch = await consumer.fetch({ max_messages: Math.min(upTo - reached, 500), expires: 5_000 });
        let got = 0;
        for await (const m of batch) {
          got++;
          reached = m.seq;
          if (m.seq > upTo) break;
          const event = this.decode(m);
          if (event) {
            setSequence(event, m.seq);
            out.push({ seq: m.seq, event });
          }
          if (m.seq >= upTo) break;
        }
        // Nothing came within the wait: the stream lost the messages (purged); resync.
        if (got === 0) return null;
      }
    } finally {
      await consumer.delete().catch(() => {});
    }
    return out;
  }

  close(): Promise<void> {
    if (!this.closing) {
      this.closed = true;
      this.fanOut.clear();
      this.closing = (async () => {
        // Events committed just before the stop still reach the stream (a few seconds at most).
        if (this.inFlight.size > 0)
          await Promise.race([Promise.allSettled([...this.inFlight]), sleep(5_000)]);
        await this.restarting;
        await this.messages.close().catch(() => {});
        // The ordered consumer is ephemeral (removed after inactivity anyway); remove it now.
        await this.consumer.delete().catch(() => {});
        await this.nc.drain().catch(() => this.nc.close());
      })();
    }
    return this.closing;
  }

  private onMessage(m: JsMsg): void {
    if (this.closed) return;
    // The ordered consumer delivers each sequence once and in order; a re-created one must not
    // hand out again what was delivered already.
    if (m.seq <= this.lastSeq) return;
    this.lastSeq = m.seq;
    const event = this.decode(m);
    if (!event) return;
    if (!this.seen.add(event.id)) {
      this.log.warn({ eventId: event.id, seq: m.seq }, 'dropping an event delivered twice');
      return;
    }
    setSequence(event, m.seq);
    this.fanOut.deliver(event);
  }

  private decode(m: JsMsg): DomainEvent | null {
    let decoded: unknown;
    try {
      decoded = JSON.parse(m.string());
    } catch (err) {
      this.log.warn({ err, subject: m.subject, seq: m.seq }, 'dropping undecodable event from NATS');
      return null;
    }
    const event = parseDomainEvent(decoded);
    if (!event || m.subject !== this.subjectFor(event.type)) {
      this.log.warn({ subject: m.subject, seq: m.seq }, 'dropping malformed event from NATS');
      return null;
    }
    return event;
  }

  private watchStatus(): void {
    void (async () => {
      for await (const s of this.nc.status()) {
        if (s.type === 'disconnect' || s.type === 'reconnect' || s.type === 'error') {
          this.log.warn({ status: s.type }, 'NATS connection status');
        }
        // Reconnected to another server: the consumer may have lived on the one that went away.
        // The library then only re-checks it (consumer info, which that server no longer answers)
        // with its heartbeat watch stopped, so this node would stall; a new consumer instead.
        if (s.type === 'reconnect') this.restartConsumer('reconnected to NATS');
      }
    })().catch(() => {});
  }

  /** Follows one consumer's notifications: missed heartbeats make a new consumer. */
  private watchConsumer(messages: ConsumerMessages): void {
    void (async () => {
      for await (const s of messages.status()) {
        if (this.closed || messages !== this.messages) return;
        if (s.type === 'ordered_consumer_recreated' || s.type === 'stream_not_found') {
          this.log.warn({ status: s.type }, 'NATS consumer status');
        } else if (s.type === 'heartbeats_missed') {
          this.restartConsumer(`heartbeats missed (${s.count})`);
        }
      }
    })().catch(() => {});
  }

  /**
   * Replaces the consumer by a new ordered one starting after the last sequence delivered: the
   * server holding the old one may be gone (an R1 consumer does not move). Tried until it works or
   * the bus closes; the old one is deleted in the background (its server may not answer).
   */
  private restartConsumer(reason: string): void {
    if (this.restarting || this.closed) return;
    this.restarting = (async () => {
      const old = { consumer: this.consumer, messages: this.messages };
      // Its server may be gone: neither close nor delete is waited for long.
      await Promise.race([old.messages.close().catch(() => {}), sleep(1_000)]);
      old.consumer.delete().catch(() => {});
      for (let attempt = 0; !this.closed && !this.nc.isClosed(); attempt++) {
        const fromSeq = this.lastSeq + 1;
        try {
          const next = await openConsumer(this.js, this.streamName, this.subjectPrefix, fromSeq, (m) =>
            this.onMessage(m),
          );
          if (this.closed) {
            await next.messages.close().catch(() => {});
            await next.consumer.delete().catch(() => {});
            return;
          }
          this.consumer = next.consumer;
          this.messages = next.messages;
          this.consumerRestarts++;
          this.watchConsumer(next.messages);
          this.log.warn({ reason, fromSeq, attempts: attempt + 1 }, 'NATS consumer re-created');
          return;
        } catch (err) {
          if (attempt === 0)
            this.log.warn({ reason, err: errorMessage(err) }, 'NATS consumer re-creation failed; retrying');
          await sleep(Math.min(2_000, 200 * 2 ** attempt));
        }
      }
    })().finally(() => {
      this.restarting = null;
    });
  }
}

async function ensureStream(
  jsm: JetStreamManager,
  name: string,
  prefix: string,
  opts: NatsBusOptions,
): Promise<StreamInfo> {
  const subject = `${prefix}.>`;
  try {
    const info = await jsm.streams.info(name);
    if (!info.config.subjects?.includes(subject)) {
      throw new Error(`stream ${name} exists but does not carry subject ${subject}`);
    }
    return info;
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound)) throw err;
  }
  try {
    return await jsm.streams.add({
      name,
      subjects: [subject],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      max_age: nanos(opts.maxAgeMs ?? 24 * 3600_000),
      duplicate_window: nanos(opts.duplicateWindowMs ?? 120_000),
    });
  } catch (err) {
    // Another node may have created it at the same moment (with a different configuration).
    return jsm.streams.info(name).catch(() => Promise.reject(err));
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function createNatsBus(opts: NatsBusOptions): Promise<NatsBus> {
  return NatsBus.create(opts);
}
