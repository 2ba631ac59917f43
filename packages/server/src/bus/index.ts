/**
 * Picks the event bus from the environment: NATS JetStream when NATS_URL is set (several API nodes),
 * otherwise the in-process bus (the embedded, one-process default).
 *
 *   NATS_URL           nats://host:4222 (comma-separated for a cluster)
 *   NATS_STREAM        JetStream stream name, default CITYWATCH
 *   NATS_SUBJECT_PREFIX  default citywatch.events
 *   CITYWATCH_LIVE_RING  embedded bus only: events kept for consoles that reconnect (default 10,000)
 */
import type { EventBus } from '@citywatch/core/events/bus';
import { type BusLogger, createInProcessBus } from './in-process';
import { createNatsBus } from './nats';

export type { EventBus, EventHandler, SubscribeFilter, Unsubscribe } from '@citywatch/core/events/bus';
export { createEvent } from '@citywatch/core/events/bus';
export type { BusLogger } from './in-process';
export { createInProcessBus, InProcessBus } from './in-process';
export { createNatsBus, NatsBus, type NatsBusOptions } from './nats';
export { isResumable, type ResumableBus, type SequencedEvent, sequenceOf } from './resume';

export interface BusEnv {
  NATS_URL?: string;
  NATS_STREAM?: string;
  NATS_SUBJECT_PREFIX?: string;
  CITYWATCH_LIVE_RING?: string;
  [key: string]: string | undefined;
}

export async function createBus(env: BusEnv = process.env, logger?: BusLogger): Promise<EventBus> {
  const url = env.NATS_URL?.trim();
  if (url) {
    return createNatsBus({
      url,
      stream: env.NATS_STREAM?.trim() || undefined,
      subjectPrefix: env.NATS_SUBJECT_PREFIX?.trim() || undefined,
      logger,
    });
  }
  const ring = Number(env.CITYWATCH_LIVE_RING ?? '');
  return createInProcessBus({ logger, ringSize: Number.isInteger(ring) && ring > 0 ? ring : undefined });
}
