/**
 * Patrol's current hot spots as video coverage counts them, kept per (viewer's org, Beijing day,
 * version): ranking them runs patrol's model over weeks of history in a worker, while they change
 * only when the history does (patrol publishes `patrol.history_imported`: the version moves on and
 * every entry goes) or the day turns (the ranking's window starts today). An entry also expires
 * after MAX_AGE_MS, for history changed where this process hears no event (the CLI, another node).
 */
import type { OrgScope } from '../scope.js';
import type { HotSpotsOf } from './coverage.js';

const MAX_AGE_MS = 15 * 60_000;
const BEIJING_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

type HotSpots = Awaited<ReturnType<HotSpotsOf>>;

interface Entry {
  version: number;
  day: number;
  at: number;
  value: Promise<HotSpots>;
}

export class HotSpotCache {
  private version = 0;
  private readonly entries = new Map<string, Entry>();
  /** Rankings computed (not served from the cache), for tests and the curious. */
  computed = 0;

  constructor(
    private readonly rank: HotSpotsOf,
    private readonly now: () => Date,
  ) {}

  /** The history changed: every org's hot spots are ranked again on their next use. */
  invalidate(): void {
    this.version++;
    this.entries.clear();
  }

  /** The viewer's hot spots: the day's cached ranking for the org, or a new one. */
  readonly get = (actor: OrgScope & { userId: string }): Promise<HotSpots> => {
    const now = this.now().getTime();
    const day = Math.floor((now + BEIJING_MS) / DAY_MS);
    // Patrol scopes the history by the org's subtree: one entry per org (and path, were it moved).
    const key = `${actor.orgId}|${actor.orgPath}`;
    const hit = this.entries.get(key);
    if (hit && hit.version === this.version && hit.day === day && now - hit.at < MAX_AGE_MS) return hit.value;
    const version = this.version;
    this.computed++;
    const value = this.rank(actor);
    const entry = { version, day, at: now, value };
    this.entries.set(key, entry);
    // A failed ranking is not kept; nor one the history overtook while it ran.
    value.then(
      () => {
        if (version !== this.version && this.entries.get(key) === entry) this.entries.delete(key);
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return value;
  };
}
