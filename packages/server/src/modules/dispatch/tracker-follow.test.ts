import { createEvent } from '@citywatch/core/events/bus';
import { uuidv7 } from 'uuidv7';
import { describe, expect, it } from 'vitest';
import { createInProcessBus } from '../../bus/index.js';
import type { UnitTracker } from './tracker.js';
import { PositionFollower } from './tracker-follow.js';

/** A tracker that records the positions it is given (the real one needs a city's graph). */
function recordingTracker() {
  const calls: [string, number | null, number | null][] = [];
  const tracker = {
    setPosition: (unitId: string, lon: number | null, lat: number | null) => {
      calls.push([unitId, lon, lat]);
      return true;
    },
  } as unknown as UnitTracker;
  return { calls, tracker };
}

const unitChanged = (unitId: string, lon: number | null, lat: number | null, fixAt?: string) =>
  createEvent(
    'dispatch.unit_changed',
    null,
    { unitId, callSign: 'c', status: 'available', incidentId: null, lon, lat, heading: null, fixAt },
    { id: uuidv7(), at: new Date() },
  );

describe('PositionFollower (unit trackers kept current from the stream)', () => {
  it('applies fixes from the bus by fix time, ignoring older, equal, positionless and status-only events', async () => {
    const bus = createInProcessBus();
    const { calls, tracker } = recordingTracker();
    const follower = new PositionFollower(new Map([['city', Promise.resolve(tracker)]]));
    const stop = follower.follow(bus);
    await bus.publish(unitChanged('u1', 114.2, 22.68, '2026-11-23T08:00:10Z'));
    // Older than the one applied (the node that took it published late): ignored.
    await bus.publish(unitChanged('u1', 114.1, 22.6, '2026-11-23T08:00:05Z'));
    // The same fix again (a duplicate, or the ingesting node's own event): ignored.
    await bus.publish(unitChanged('u1', 114.2, 22.68, '2026-11-23T08:00:10Z'));
    // A status change carries the stored position without a fix time: not a move.
    await bus.publish(unitChanged('u1', 114.0, 22.5));
    await bus.publish(unitChanged('u2', null, null, '2026-11-23T08:00:11Z'));
    await bus.publish(unitChanged('u1', 114.22, 22.69, '2026-11-23T08:00:12Z'));
    await Promise.resolve();
    await Promise.resolve();
    expect(calls).toEqual([
      ['u1', 114.2, 22.68],
      ['u1', 114.22, 22.69],
    ]);
    expect({ applied: follower.applied, ignored: follower.ignored }).toEqual({ applied: 2, ignored: 2 });
    stop();
    await bus.publish(unitChanged('u1', 114.3, 22.7, '2026-11-23T08:00:20Z'));
    await Promise.resolve();
    expect(calls).toHaveLength(2);
  });

  it('skips the event of a fix the node applied itself, and refuses a local fix older than one known', () => {
    const { calls, tracker } = recordingTracker();
    const follower = new PositionFollower(new Map([['city', Promise.resolve(tracker)]]));
    expect(follower.noteApplied('u1', Date.parse('2026-11-23T08:00:10Z'))).toBe(true);
    expect(follower.apply('u1', 114.2, 22.68, Date.parse('2026-11-23T08:00:10Z'))).toBe(false);
    expect(follower.noteApplied('u1', Date.parse('2026-11-23T08:00:09Z'))).toBe(false);
    expect(calls).toEqual([]);
  });

  it('ignores events of fixes older than a position loaded from the database', async () => {
    const { calls, tracker } = recordingTracker();
    const follower = new PositionFollower(new Map([['city', Promise.resolve(tracker)]]));
    follower.remember('u1', 10_000);
    follower.remember('u1', 5_000); // an older stored time never lowers what is known
    expect(follower.apply('u1', 1, 1, 9_000)).toBe(false);
    expect(follower.apply('u1', 1, 1, 10_000)).toBe(false);
    expect(follower.apply('u1', 2, 2, 11_000)).toBe(true);
    await Promise.resolve();
    expect(calls).toEqual([['u1', 2, 2]]);
  });

  it('gives a fix to a tracker still loading once it is loaded, in the order taken', async () => {
    const { calls, tracker } = recordingTracker();
    let loaded: (t: UnitTracker) => void = () => {};
    const loading = new Promise<UnitTracker>((resolve) => {
      loaded = resolve;
    });
    const follower = new PositionFollower(new Map([['city', loading]]));
    follower.apply('u1', 1, 1, 1_000);
    follower.apply('u1', 2, 2, 2_000);
    expect(calls).toEqual([]);
    loaded(tracker);
    await loading;
    await Promise.resolve();
    expect(calls).toEqual([
      ['u1', 1, 1],
      ['u1', 2, 2],
    ]);
  });

  it('passes a moving fix’s heading on to the trackers, and none for a fix at walking pace', async () => {
    const bus = createInProcessBus();
    const seen: unknown[] = [];
    const tracker = {
      setPosition: (_u: string, _lon: number | null, _lat: number | null, motion: unknown) => {
        seen.push(motion);
        return true;
      },
    } as unknown as UnitTracker;
    const follower = new PositionFollower(new Map([['city', Promise.resolve(tracker)]]));
    const stop = follower.follow(bus);
    const fix = (at: string, heading: number | null, speed: number | null) =>
      createEvent(
        'dispatch.unit_changed',
        null,
        {
          unitId: 'u1',
          callSign: 'c',
          status: 'available',
          incidentId: null,
          lon: 114.2,
          lat: 22.68,
          heading,
          speed,
          fixAt: at,
        },
        { id: uuidv7(), at: new Date() },
      );
    await bus.publish(fix('2026-11-23T08:00:10Z', 92, 12));
    await bus.publish(fix('2026-11-23T08:00:11Z', 92, 1));
    await bus.publish(fix('2026-11-23T08:00:12Z', null, 12));
    await Promise.resolve();
    await Promise.resolve();
    expect(seen).toEqual([{ headingDeg: 92 }, null, null]);
    stop();
  });
});
