/**
 * The hotlist held in memory for matching plate reads and document checks (hit/no-hit): a read
 * either hits an active entry or is forgotten. Matching a miss allocates nothing, so the ingest
 * path can run at millions of reads per second and a non-hit leaves no trace, not even garbage.
 */

/** The only reasons a plate or person may be on the hotlist. */
export const HOTLIST_CATEGORIES = [
  'stolen_vehicle',
  'vehicle_in_crime',
  'wanted_person',
  'missing_person',
] as const;
export type HotlistCategory = (typeof HOTLIST_CATEGORIES)[number];

export const HOTLIST_KINDS = ['plate', 'resident_id'] as const;
export type HotlistKind = (typeof HOTLIST_KINDS)[number];

/** Entries may be active for at most this long after an approval or a renewal. */
export const HOTLIST_MAX_VALIDITY_MS = 30 * 24 * 60 * 60 * 1000;

/** Which kinds of value a category may list: vehicles by plate, people by resident ID. */
export const CATEGORY_KINDS: Record<HotlistCategory, readonly HotlistKind[]> = {
  stolen_vehicle: ['plate'],
  vehicle_in_crime: ['plate'],
  wanted_person: ['resident_id'],
  missing_person: ['resident_id', 'plate'],
};

export interface ActiveHotlistEntry {
  id: string;
  kind: HotlistKind;
  /** Normalised plate or resident ID. */
  value: string;
  category: HotlistCategory;
  /** Epoch ms from which the entry matches (its approval or renewal), as processing time. */
  activeFromMs: number;
  /** Epoch ms at which it stops matching. */
  expiresAtMs: number;
  /** The org that asked for it (its creator's): alerted of its hits wherever they happen. */
  orgId?: string;
}

const NO_ENTRIES: readonly ActiveHotlistEntry[] = Object.freeze([]);

export class HotlistMatcher {
  private plates = new Map<string, ActiveHotlistEntry[]>();
  private residentIds = new Map<string, ActiveHotlistEntry[]>();
  private byId = new Map<string, ActiveHotlistEntry>();

  constructor(entries: Iterable<ActiveHotlistEntry> = []) {
    this.replaceAll(entries);
  }

  /** Swaps in a new set of entries at once (a reload after any hotlist change). */
  replaceAll(entries: Iterable<ActiveHotlistEntry>): void {
    const plates = new Map<string, ActiveHotlistEntry[]>();
    const residentIds = new Map<string, ActiveHotlistEntry[]>();
    const byId = new Map<string, ActiveHotlistEntry>();
    for (const entry of entries) {
      if (byId.has(entry.id)) continue;
      const map = entry.kind === 'plate' ? plates : residentIds;
      const list = map.get(entry.value);
      if (list) list.push(entry);
      else map.set(entry.value, [entry]);
      byId.set(entry.id, entry);
    }
    this.plates = plates;
    this.residentIds = residentIds;
    this.byId = byId;
  }

  /** Adds an entry or replaces the one with its id (an approval or renewal). */
  upsert(entry: ActiveHotlistEntry): void {
    this.remove(entry.id);
    const map = entry.kind === 'plate' ? this.plates : this.residentIds;
    // Lists are replaced, never changed in place: a caller may still hold a previous match result.
    map.set(entry.value, [...(map.get(entry.value) ?? []), entry]);
    this.byId.set(entry.id, entry);
  }

  /** Removes the entry with this id, if loaded (a revocation). */
  remove(id: string): void {
    const entry = this.byId.get(id);
    if (entry === undefined) return;
    this.byId.delete(id);
    const map = entry.kind === 'plate' ? this.plates : this.residentIds;
    const rest = (map.get(entry.value) ?? []).filter((e) => e.id !== id);
    if (rest.length === 0) map.delete(entry.value);
    else map.set(entry.value, rest);
  }

  get size(): number {
    return this.byId.size;
  }

  /**
   * Entries for this normalised plate in force for a read taken at `atMs` and matched at `nowMs`
   * (processing time, default the read's time): approved by `nowMs` and expiring after both. So an
   * expired entry never matches, whether or not the set has been reloaded since, while a read taken
   * moments before an approval is still caught when it arrives after it.
   */
  match(plate: string, atMs: number, nowMs: number = atMs): readonly ActiveHotlistEntry[] {
    const list = this.plates.get(plate);
    return list === undefined ? NO_ENTRIES : activeAt(list, atMs, nowMs);
  }

  /** Same as match, for a normalised resident ID from a document check. */
  matchResidentId(id: string, atMs: number, nowMs: number = atMs): readonly ActiveHotlistEntry[] {
    const list = this.residentIds.get(id);
    return list === undefined ? NO_ENTRIES : activeAt(list, atMs, nowMs);
  }

  /** The earliest expiry among loaded entries after `nowMs`, for scheduling a tidy-up reload. */
  nextExpiryAfter(nowMs: number): number | null {
    let next: number | null = null;
    for (const e of this.byId.values()) {
      if (e.expiresAtMs > nowMs && (next === null || e.expiresAtMs < next)) next = e.expiresAtMs;
    }
    return next;
  }
}

function activeAt(list: ActiveHotlistEntry[], atMs: number, nowMs: number): readonly ActiveHotlistEntry[] {
  const until = Math.max(atMs, nowMs);
  let allActive = true;
  for (const e of list) {
    if (e.activeFromMs > nowMs || e.expiresAtMs <= until) {
      allActive = false;
      break;
    }
  }
  if (allActive) return list;
  const active = list.filter((e) => e.activeFromMs <= nowMs && e.expiresAtMs > until);
  return active.length === 0 ? NO_ENTRIES : active;
}
