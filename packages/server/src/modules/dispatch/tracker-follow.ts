import type { EventBus, Unsubscribe } from '@citywatch/core/events/bus';
import { type Motion, motionOf } from '@citywatch/core/roads/heading';
import type { UnitTracker } from './tracker.js';

/** What the follower logs (a pino / Fastify logger fits). */
interface FollowLog {
  error(obj: object, msg: string): void;
}

/**
 * Keeps every node's unit trackers current from the stream (issue 17): an AVL fix is taken by one
 * API node (HTTP or MQTT), which moves the unit in its own tracker and publishes
 * `dispatch.unit_changed` with the fix's time (`fixAt`); every node, that one included, applies the
 * event to the trackers it has built, so a recommendation on any node ranks units by their latest
 * positions, not those of when that node last loaded them. A tracker loading from the database
 * notes each stored position's fix time (remember), so an older fix's late event cannot undo it.
 *
 * Ordering is by the fix's own time, per unit: an event whose fix is not newer than the newest this
 * node knows for the unit (a fix from two nodes' publishes crossing, a duplicate delivery, the
 * ingesting node's own event coming back) is ignored. Events without `fixAt` (a status change
 * announcing the stored position) do not move the tracker. A tracker built later loads every
 * position from the database and then receives the events after it.
 */
export class PositionFollower {
  /** Per unit, the time (ms) of the newest fix applied on this node. */
  private readonly newest = new Map<string, number>();
  /** Events applied and ignored (as older or equal), for tests and metrics. */
  applied = 0;
  ignored = 0;

  constructor(
    private readonly trackers: ReadonlyMap<string, Promise<UnitTracker>>,
    private readonly log?: FollowLog,
  ) {}

  /**
   * Notes a fix this node applied itself (AVL ingest): its event coming back from the stream is
   * then ignored. Returns false when a newer fix is known already (the caller should not apply it).
   */
  noteApplied(unitId: string, fixAtMs: number): boolean {
    const known = this.newest.get(unitId);
    if (known !== undefined && known >= fixAtMs) return false;
    this.newest.set(unitId, fixAtMs);
    return true;
  }

  /**
   * Notes the time of a position a tracker loaded from the database: events of older fixes are
   * ignored from now on. (Always loaded as is: every event applied before the load began was
   * committed before it, and those after are queued behind it.)
   */
  remember(unitId: string, fixAtMs: number): void {
    const known = this.newest.get(unitId);
    if (known === undefined || known < fixAtMs) this.newest.set(unitId, fixAtMs);
  }

  /** Applies one fix to every tracker built on this node, unless a newer one is known. */
  apply(unitId: string, lon: number, lat: number, fixAtMs: number, motion: Motion | null = null): boolean {
    if (!this.noteApplied(unitId, fixAtMs)) {
      this.ignored++;
      return false;
    }
    this.applied++;
    for (const pending of this.trackers.values()) {
      // A tracker still loading from the database gets the fix once loaded (promise callbacks run
      // in order, so two fixes of a unit land in the order they were taken here).
      pending
        .then((tracker) => {
          // A newer fix may have been applied meanwhile (it queued behind this one, so it wins).
          tracker.setPosition(unitId, lon, lat, motion);
        })
        .catch((err: unknown) => this.log?.error({ err, unitId }, 'unit tracker update failed'));
    }
    return true;
  }

  /** Follows `dispatch.unit_changed` on the bus until the returned function is called. */
  follow(bus: EventBus): Unsubscribe {
    return bus.subscribe(
      (event) => {
        if (event.type !== 'dispatch.unit_changed') return;
        const { unitId, lon, lat, fixAt, heading, speed } = event.payload;
        if (typeof fixAt !== 'string' || lon === null || lat === null) return;
        const at = Date.parse(fixAt);
        if (Number.isNaN(at)) return;
        this.apply(unitId, lon, lat, at, motionOf(heading, speed));
      },
      { types: ['dispatch.unit_changed'] },
    );
  }
}
