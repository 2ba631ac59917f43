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
  logger?: BusLogger;
}

export const DEFAULT_STREAM = 'CITYWATCH';
export const DEFAULT_SUBJECT_PREFIX = 'citywatch.events';

export class NatsBus implements EventBus, ResumableBus {
  private closed = false;
  private closing: Promise<void> | null = null;
  private lastSeq: number;
  private readonly seen = new RecentIds(10_000);

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly consumer: Consumer,
    private readonly messages: ConsumerMessages,
    private readonly fanOut: LocalFanOut,
    private readonly subjectPrefix: string,
    private readonly log: BusLogger,
    private readonly streamName: string,
    readonly streamId: string,
    startSeq: number,
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
      const consumer = await js.consumers.get(streamName, {
        filter_subjects: `${prefix}.>`,
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: info.state.last_seq + 1,
      });
      const fan = new LocalFanOut(log);
      let bus: NatsBus | null = null;
      const early: JsMsg[] = [];
      const messages = await consumer.consume({
        callback: (m: JsMsg) => {
          if (bus) bus.onMessage(m);
          else early.push(m);
        },
      });
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
      );
      for (const m of early) bus.onMessage(m);
      bus.watchStatus();
      return bus;
    } catch (err) {
      await nc.close().catch(() => {});
      throw new Error(`NATS JetStream at ${opts.url} is not usable: ${errorMessage(err)}`, { cause: err });
    }
  }

  subjectFor(type: DomainEventType): string {
    return `${this.subjectPrefix}.${type}`;
  }

  async publish(event: DomainEvent): Promise<void> {
    if (this.closed) throw new Error('event bus is closed');
    await this.js.publish(this.subjectFor(event.type), JSON.stringify(event), { msgID: event.id });
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
      }
    })().catch(() => {});
    void (async () => {
      for await (const s of this.messages.status()) {
        if (s.type === 'ordered_consumer_recreated' || s.type === 'stream_not_found') {
          this.log.warn({ status: s.type }, 'NATS consumer status');
        }
      }
    })().catch(() => {});
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
