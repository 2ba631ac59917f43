/**
 * Resuming a console's feed after a reconnect, to any node: every event a bus delivers carries the
 * sequence of its stream (JetStream's stream sequence on the NATS path; a counter of the process on
 * the embedded path), and the bus can hand back the events after a given sequence while it still
 * holds them. Ordering is by that sequence, never by the events' clocks.
 */
import type { EventBus } from '@citywatch/core/events/bus';
import type { DomainEvent } from '@citywatch/core/events/events';

export interface SequencedEvent {
  seq: number;
  event: DomainEvent;
}

export interface ResumableBus extends EventBus {
  /**
   * Names the sequence space: sequences compare only within one stream id. NATS: the stream's name
   * and creation time (a re-created stream starts again at 1); embedded: one id per process.
   */
  readonly streamId: string;
  /** The sequence of the last event handed to this node's subscribers (0: none yet). A handler
   * subscribed now receives every event after it, and none before. */
  headSeq(): number;
  /**
   * The events with after < seq ≤ upTo, in sequence order; null when the bus no longer holds all of
   * them (older than the stream keeps / the ring holds) or there are more than `max`.
   */
  replay(after: number, upTo: number, max: number): Promise<SequencedEvent[] | null>;
}

const sequences = new WeakMap<DomainEvent, number>();

/** Stamps the stream sequence on a delivered event (the buses do, before fanning it out). */
export function setSequence(event: DomainEvent, seq: number): void {
  sequences.set(event, seq);
}

/** The stream sequence the bus delivered this event with; undefined for an event not from a bus. */
export function sequenceOf(event: DomainEvent): number | undefined {
  return sequences.get(event);
}

export function isResumable(bus: EventBus): bus is ResumableBus {
  const b = bus as Partial<ResumableBus>;
  return typeof b.streamId === 'string' && typeof b.headSeq === 'function' && typeof b.replay === 'function';
}

/** Remembers the last `capacity` ids seen, to drop an event delivered twice (a re-publish). */
export class RecentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly capacity: number) {}

  /** True the first time an id is seen (and remembers it); false for a duplicate. */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
    return true;
  }
}
