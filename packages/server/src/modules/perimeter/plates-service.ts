import type { EventOfType } from '@citywatch/core/events/events';
import type { ActiveHotlistEntry } from '@citywatch/core/perimeter/hotlist';
import { normalisePlate } from '@citywatch/core/perimeter/plates';
import type { ReportPeriod } from '@citywatch/core/perimeter/report-period';
import { maskResidentId, validateResidentId } from '@citywatch/core/perimeter/resident-id';
import type { Kysely } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Database } from '../../db/schema.js';
import { ProblemError } from '../../http/problem.js';
import { appendAudits, recordAudit } from '../../identity/audit.js';
import { FUTURE_TOLERANCE_MS } from '../../ingest/device-time.js';
import { deviceDrops } from '../../ingest/drops.js';
import type { Deps } from '../module.js';
import type { OrgScope } from '../scope.js';
import type { HotlistService } from './hotlist-service.js';
import * as store from './hotlist-store.js';
import { type CheckpointReport, checkpointReport } from './reports.js';

/** At most this many reads per batch (HTTP body or MQTT message). */
export const MAX_READS_PER_BATCH = 10_000;
/**
 * Reads stamped further ahead than this are refused: the camera's clock is wrong (the device-time
 * tolerance of every device message, 5 s unless CITYWATCH_DEVICE_FUTURE_TOLERANCE_S says otherwise).
 */
export const MAX_FUTURE_SKEW_MS = FUTURE_TOLERANCE_MS;
/** Reads older than this are refused: too late to act on, and volumes for that hour are closed. */
export const MAX_READ_AGE_MS = 24 * 3_600_000;
const HOUR_MS = 3_600_000;
/**
 * A batch gives way to other work every this many reads: a turn of the event loop runs one such
 * slice of every batch under way, and each database round trip of a hit's transaction waits for
 * a turn (issue 17: smaller slices, shorter turns, quicker hit alerts; the cost of a yield is
 * small beside 200 reads).
 */
const YIELD_EVERY_READS = 200;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export type Direction = 'in' | 'out';

export type RejectReason =
  | 'malformed'
  | 'unknown_checkpoint'
  /** The read names another checkpoint than the one its camera (or MQTT topic) speaks for. */
  | 'not_bound_checkpoint'
  | 'clock_skew_future'
  | 'clock_skew_past'
  | 'too_many_reads';

export interface IngestResult {
  /** Valid reads matched against the hotlist and counted into the hourly volumes. */
  accepted: number;
  hits: number;
  /** Reads whose plate (or resident ID) is not a valid GA 36 plate (GB 11643 number): counted, dropped. */
  invalid: number;
  rejected: { index: number; reason: RejectReason }[];
}

/** Who sent the batch, for the audit row of a hit. */
export interface IngestSource {
  userId: string | null;
  username: string;
  /** The device that sent it (a camera's token), for the audit rows. */
  deviceId?: string;
  /**
   * The one checkpoint the sender speaks for (its camera's binding, or the MQTT topic): a read
   * without a checkpointId is taken to be from it, a read naming another is refused and audited.
   */
  checkpointId?: string;
}

export interface VolumeView {
  checkpointId: string;
  direction: Direction;
  /** Start of the hour, ISO-8601. */
  hour: string;
  reads: number;
  hits: number;
  invalid: number;
}

interface VolumeCounts {
  checkpointId: string;
  direction: Direction;
  hourMs: number;
  reads: number;
  hits: number;
  invalid: number;
}

interface PendingHit {
  entry: ActiveHotlistEntry;
  checkpointId: string;
  orgId: string | null;
  direction: Direction;
  readAtMs: number;
  value: string;
  confidence: number;
}

/**
 * Plate reads and document checks, hit/no-hit. Each read is normalised, checked and matched in
 * memory. A non-hit only adds 1 to an in-memory counter keyed by checkpoint, direction and hour; the
 * plate itself is dropped at once: never stored, logged, published or queued. A hit is written
 * (hotlist_hits + audit 'hotlist_hit' in one transaction), then published for the consoles.
 * Counters reach checkpoint_volumes on flush() (every few seconds and on shutdown); a crash loses at
 * most one flush interval of counts, never a hit.
 */
/** What a hit's consoles are told (perimeter.hotlist_hit). */
type HitAlert = EventOfType<'perimeter.hotlist_hit'>['payload'];

export class PlateIngestService {
  private counters = new Map<string, VolumeCounts>();
  private checkpoints = new Map<string, { orgId: string | null; lon: number | null; lat: number | null }>();
  private checkpointsLoadedAtMs = Number.NEGATIVE_INFINITY;
  private checkpointsReloading: Promise<void> | null = null;
  private checkpointsReloadAgain: Promise<void> | null = null;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly ctx: Pick<Deps<'dispatch'>, 'db' | 'now' | 'transact' | 'dispatch'>,
    private readonly hotlist: HotlistService,
    /** How long an unknown checkpoint id is trusted to stay unknown before the registry is re-read. */
    private readonly checkpointRefreshMs = 10_000,
  ) {}

  private get db(): Kysely<Database> {
    return this.ctx.db.kysely;
  }

  /**
   * Re-reads the checkpoint registry (on start, on `perimeter.checkpoints_changed`, and when a
   * batch names an unknown checkpoint). Calls made while a re-read runs share one follow-up that
   * starts after it, so a caller always gets a read that began after its own call.
   */
  reloadCheckpoints(): Promise<void> {
    if (!this.checkpointsReloading) {
      this.checkpointsReloading = this.loadCheckpoints().finally(() => {
        this.checkpointsReloading = null;
      });
      return this.checkpointsReloading;
    }
    if (!this.checkpointsReloadAgain) {
      this.checkpointsReloadAgain = this.checkpointsReloading
        .catch(() => {})
        .then(() => {
          this.checkpointsReloadAgain = null;
          return this.reloadCheckpoints();
        });
    }
    return this.checkpointsReloadAgain;
  }

  private async loadCheckpoints(): Promise<void> {
    const rows = await store.listCheckpoints(this.db);
    this.checkpoints = new Map(rows.map((r) => [r.id, { orgId: r.org_id, lon: r.lon, lat: r.lat }]));
    this.checkpointsLoadedAtMs = Date.now();
  }

  /**
   * Processes one batch. Per-read problems never fail the batch: they are listed in `rejected` or
   * counted as `invalid`. Either the whole batch takes effect (hit rows, audit rows, counts) or,
   * if writing its hits fails, none of it does.
   */
  async ingest(batch: readonly unknown[], source: IngestSource): Promise<IngestResult> {
    const now = this.ctx.now();
    const nowMs = now.getTime();
    const result: IngestResult = { accepted: 0, hits: 0, invalid: 0, rejected: [] };
    if (batch.length > MAX_READS_PER_BATCH) {
      for (let i = MAX_READS_PER_BATCH; i < batch.length; i++)
        result.rejected.push({ index: i, reason: 'too_many_reads' });
    }
    const count = Math.min(batch.length, MAX_READS_PER_BATCH);
    // The sender's binding decides the checkpoint, never a body field.
    const bound = source.checkpointId;
    const notBound = notBoundReads(batch, count, bound);
    if (notBound.length > 0) await this.auditNotBound(batch, notBound, source, now);
    // An unknown checkpoint may be one just created: when a re-read of the registry is under way
    // (checkpoints changed), wait for it; otherwise re-read at most every checkpointRefreshMs.
    const reloading = this.checkpointsReloadAgain ?? this.checkpointsReloading;
    if (
      (reloading !== null || Date.now() - this.checkpointsLoadedAtMs > this.checkpointRefreshMs) &&
      this.hasUnknownCheckpoint(batch, count, bound)
    ) {
      if (reloading !== null) await reloading.catch(() => {});
      else await this.reloadCheckpoints();
    }

    // This batch's counts, merged into the shared counters only once its hits are safely written.
    const batchVolumes = new Map<string, VolumeCounts>();
    // The counts last used per direction, and the last time string parsed: a camera's batch is
    // mostly one checkpoint and one hour, so most reads skip building a key (less garbage to collect).
    const recent: Record<Direction, VolumeCounts | undefined> = { in: undefined, out: undefined };
    let lastAt = '';
    let lastAtMs = Number.NaN;
    const hits: PendingHit[] = [];
    for (let i = 0; i < count; i++) {
      // Large batches give way now and then, so a small batch carrying a hit (and its alert) is not
      // held up behind them.
      if (i > 0 && i % YIELD_EVERY_READS === 0) await yieldToEventLoop();
      const read = batch[i];
      if (typeof read !== 'object' || read === null) {
        result.rejected.push({ index: i, reason: 'malformed' });
        continue;
      }
      const checkpointId = boundCheckpointOf(read, bound);
      if (checkpointId === NOT_BOUND) {
        result.rejected.push({ index: i, reason: 'not_bound_checkpoint' });
        continue;
      }
      const { plate, residentId, at, direction, confidence } = read as Record<string, unknown>;
      const isPlate = typeof plate === 'string';
      if (
        isPlate === (typeof residentId === 'string') ||
        typeof at !== 'string' ||
        typeof checkpointId !== 'string' ||
        (direction !== 'in' && direction !== 'out') ||
        (confidence !== undefined &&
          (typeof confidence !== 'number' || !(confidence >= 0 && confidence <= 1)))
      ) {
        result.rejected.push({ index: i, reason: 'malformed' });
        continue;
      }
      if (at !== lastAt) {
        lastAt = at;
        lastAtMs = at.length <= 40 ? Date.parse(at) : Number.NaN;
      }
      const readAtMs = lastAtMs;
      if (Number.isNaN(readAtMs)) {
        result.rejected.push({ index: i, reason: 'malformed' });
        continue;
      }
      const checkpoint = this.checkpoints.get(checkpointId);
      if (checkpoint === undefined) {
        result.rejected.push({ index: i, reason: 'unknown_checkpoint' });
        continue;
      }
      if (readAtMs > nowMs + MAX_FUTURE_SKEW_MS) {
        result.rejected.push({ index: i, reason: 'clock_skew_future' });
        continue;
      }
      if (readAtMs < nowMs - MAX_READ_AGE_MS) {
        result.rejected.push({ index: i, reason: 'clock_skew_past' });
        continue;
      }
      let counts = recent[direction];
      if (counts?.checkpointId !== checkpointId || counts.hourMs !== hourOf(readAtMs)) {
        counts = countsFor(batchVolumes, checkpointId, direction, readAtMs);
        recent[direction] = counts;
      }
      let value: string;
      let matched: readonly ActiveHotlistEntry[];
      if (isPlate) {
        const normalised = normalisePlate(plate as string);
        if (!normalised.ok) {
          counts.invalid++;
          result.invalid++;
          continue;
        }
        value = normalised.plate;
        matched = this.hotlist.matcher.match(value, readAtMs, nowMs);
      } else {
        const checked = validateResidentId(residentId as string);
        if (!checked.ok) {
          counts.invalid++;
          result.invalid++;
          continue;
        }
        value = checked.id;
        matched = this.hotlist.matcher.matchResidentId(value, readAtMs, nowMs);
      }
      counts.reads++;
      result.accepted++;
      if (matched.length === 0) continue; // no-hit: the value goes out of scope here, unrecorded
      counts.hits++;
      result.hits++;
      for (const entry of matched) {
        hits.push({
          entry,
          checkpointId,
          orgId: checkpoint.orgId,
          direction,
          readAtMs,
          value,
          confidence: typeof confidence === 'number' ? confidence : 1,
        });
      }
    }

    const hitIds = hits.map(() => uuidv7());
    const alerts: HitAlert[] = [];
    for (let k = 0; k < hits.length; k++) {
      const h = hits[k];
      const nearestUnits = await this.nearestUnitsTo(h.checkpointId);
      alerts.push({
        hitId: hitIds[k],
        entryId: h.entry.id,
        checkpointId: h.checkpointId,
        direction: h.direction,
        category: h.entry.category,
        kind: h.entry.kind,
        value: h.entry.kind === 'resident_id' ? maskResidentId(h.value) : h.value,
        readAt: new Date(h.readAtMs).toISOString(),
        confidence: h.confidence,
        nearestUnits,
      });
    }
    if (hits.length > 0) await this.writeHits(hits, hitIds, alerts, source, now);
    for (const counts of batchVolumes.values()) mergeInto(this.counters, counts);
    for (const r of result.rejected) deviceDrops.count('plates', r.reason);
    deviceDrops.count('plates', 'invalid_plate', result.invalid);
    return result;
  }

  /** The three available units nearest a checkpoint by road (none when it has no position or no city is loaded). */
  private async nearestUnitsTo(checkpointId: string) {
    const cp = this.checkpoints.get(checkpointId);
    if (cp?.lon == null || cp.lat == null) return [];
    try {
      const units = await this.ctx.dispatch.nearestAvailableUnits(cp.lon, cp.lat, 3);
      return units.map((u) => ({
        unitId: u.unitId,
        callSign: u.callSign,
        etaSeconds: Math.round(u.etaSeconds),
      }));
    } catch {
      return [];
    }
  }

  private hasUnknownCheckpoint(batch: readonly unknown[], count: number, bound: string | undefined): boolean {
    for (let i = 0; i < count; i++) {
      const read = batch[i];
      if (typeof read !== 'object' || read === null) continue;
      const id = boundCheckpointOf(read, bound);
      if (typeof id === 'string' && !this.checkpoints.has(id)) return true;
    }
    return false;
  }

  /** Reads that named another checkpoint than the sender's: one audit row per batch (never a plate). */
  private async auditNotBound(
    batch: readonly unknown[],
    notBound: number[],
    source: IngestSource,
    now: Date,
  ) {
    // Only a string is quoted: String() of a value nested 50,000 deep recurses until the stack
    // overflows (found by the OpenAPI fuzzer: a 500 on a camera's batch).
    const claimedOf = (i: number) => {
      const claimed = (batch[i] as { checkpointId?: unknown }).checkpointId;
      return typeof claimed === 'string'
        ? claimed.slice(0, 64)
        : `(${Array.isArray(claimed) ? 'array' : typeof claimed})`;
    };
    const claimed = [...new Set(notBound.map(claimedOf))];
    await recordAudit(
      this.db,
      {
        userId: source.userId,
        username: source.username,
        action: 'permission_denied',
        resource: `checkpoint:${source.checkpointId}`,
        detail: {
          reason: 'not_bound_checkpoint',
          deviceId: source.deviceId ?? null,
          refused: notBound.length,
          indices: notBound.slice(0, 100),
          claimed: claimed.slice(0, 20),
        },
      },
      now,
    );
  }

  /**
   * The hits, their audit rows and their alerts in one transaction (the alerts through the outbox):
   * an acknowledged read whose hit was stored is announced even if this node dies after the commit.
   */
  private async writeHits(
    hits: PendingHit[],
    ids: string[],
    alerts: HitAlert[],
    source: IngestSource,
    now: Date,
  ): Promise<void> {
    await this.ctx.transact(async (trx, publish) => {
      await store.insertHits(
        trx,
        hits.map((h, k) => ({
          id: ids[k],
          entry_id: h.entry.id,
          checkpoint_id: h.checkpointId,
          direction: h.direction,
          read_at: new Date(h.readAtMs),
          plate_or_id: h.value,
          confidence: h.confidence,
          created_at: now,
          acknowledged_by: null,
          acknowledged_at: null,
        })),
      );
      // To the checkpoint's org, and to the org that asked for the entry when it is another one
      // (the same two orgs that see the hit in GET /api/perimeter/hits).
      for (let k = 0; k < hits.length; k++) {
        const h = hits[k];
        await publish('perimeter.hotlist_hit', h.orgId, alerts[k]);
        if (h.entry.orgId && h.entry.orgId !== h.orgId)
          await publish('perimeter.hotlist_hit', h.entry.orgId, alerts[k]);
      }
      // The audit rows last, right before the commit: appending takes the city-wide audit lock,
      // held until the commit, and every other hit (and every audited write) waits for it.
      await appendAudits(
        trx,
        hits.map((h, k) => ({
          userId: source.userId,
          username: source.username,
          action: 'hotlist_hit' as const,
          // The hit, never the plate or ID: the audit chain outlives the hit's value (retention).
          resource: `hit:${ids[k]}`,
          detail: {
            entryId: h.entry.id,
            category: h.entry.category,
            kind: h.entry.kind,
            checkpointId: h.checkpointId,
            direction: h.direction,
            readAt: new Date(h.readAtMs).toISOString(),
          },
        })),
        now,
      );
    });
  }

  /** Writes the counters accumulated so far to checkpoint_volumes; on failure they are kept for the next try. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => this.flush());
    if (this.counters.size === 0) return Promise.resolve();
    const taken = this.counters;
    this.counters = new Map();
    this.flushing = store
      .addVolumes(
        this.db,
        [...taken.values()].map((c) => ({
          checkpoint_id: c.checkpointId,
          direction: c.direction,
          hour: new Date(c.hourMs),
          reads: c.reads,
          hits: c.hits,
          invalid: c.invalid,
        })),
      )
      .catch((error: unknown) => {
        for (const counts of taken.values()) mergeInto(this.counters, counts);
        throw error;
      })
      .finally(() => {
        this.flushing = null;
      });
    return this.flushing;
  }

  /** Hourly counts per checkpoint and direction in [from, to), including those not yet flushed. */
  async volumes(
    filter: { checkpointId?: string; from: Date; to: Date },
    scope: OrgScope,
  ): Promise<VolumeView[]> {
    await this.flush();
    const rows = await store.listVolumes(this.db, filter, scope);
    return rows.map((r) => ({
      checkpointId: r.checkpoint_id,
      direction: r.direction,
      hour: new Date(r.hour).toISOString(),
      reads: r.reads,
      hits: r.hits,
      invalid: r.invalid,
    }));
  }

  /** The daily report, weekly bulletin or monthly review of `date`, including counts not yet flushed. */
  async report(period: ReportPeriod, date: string, scope: OrgScope): Promise<CheckpointReport> {
    await this.flush();
    try {
      return await checkpointReport(this.db, period, date, scope);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      throw new ProblemError('validation', undefined, [
        { field: 'query.date', rule: 'invalid_date', message: error.message },
      ]);
    }
  }

  /** Counts not yet flushed (for tests and metrics). */
  pendingVolumeRows(): number {
    return this.counters.size;
  }
}

const NOT_BOUND = Symbol('not bound');

/**
 * The checkpoint a read is from under the sender's binding: a read without a checkpointId is from
 * the bound one, a read naming another is NOT_BOUND. Without a binding (or for an array, which
 * the shape check refuses) the read's own field, as sent. Reads are not copied: a batch of 10,000
 * reads used to be copied whole before its first read was looked at.
 */
function boundCheckpointOf(read: object, bound: string | undefined): unknown {
  const claimed = (read as { checkpointId?: unknown }).checkpointId;
  if (bound === undefined || Array.isArray(read)) return claimed;
  if (claimed === undefined) return bound;
  return claimed === bound ? claimed : NOT_BOUND;
}

/** The indices of reads naming another checkpoint than the sender's (none without a binding). */
function notBoundReads(batch: readonly unknown[], count: number, bound: string | undefined): number[] {
  const notBound: number[] = [];
  if (bound === undefined) return notBound;
  for (let i = 0; i < count; i++) {
    const read = batch[i];
    if (typeof read === 'object' && read !== null && boundCheckpointOf(read, bound) === NOT_BOUND)
      notBound.push(i);
  }
  return notBound;
}

function hourOf(atMs: number): number {
  return atMs - (((atMs % HOUR_MS) + HOUR_MS) % HOUR_MS);
}

function countsFor(map: Map<string, VolumeCounts>, checkpointId: string, direction: Direction, atMs: number) {
  const hourMs = hourOf(atMs);
  const key = `${checkpointId}\u0000${direction}\u0000${hourMs}`;
  let counts = map.get(key);
  if (counts === undefined) {
    counts = { checkpointId, direction, hourMs, reads: 0, hits: 0, invalid: 0 };
    map.set(key, counts);
  }
  return counts;
}

function mergeInto(target: Map<string, VolumeCounts>, counts: VolumeCounts): void {
  const into = countsFor(target, counts.checkpointId, counts.direction, counts.hourMs);
  into.reads += counts.reads;
  into.hits += counts.hits;
  into.invalid += counts.invalid;
}
