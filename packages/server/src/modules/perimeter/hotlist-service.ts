import {
  CATEGORY_KINDS,
  HOTLIST_MAX_VALIDITY_MS,
  type HotlistCategory,
  type HotlistKind,
  HotlistMatcher,
} from '@citywatch/core/perimeter/hotlist';
import { normalisePlate } from '@citywatch/core/perimeter/plates';
import { maskResidentId, validateResidentId } from '@citywatch/core/perimeter/resident-id';
import type { Kysely, Transaction } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { StagePublish } from '../../bus/outbox.js';
import type { Database } from '../../db/schema.js';
import type { FieldError } from '../../http/problem.js';
import { ProblemError } from '../../http/problem.js';
import { appendAudit } from '../../identity/audit.js';
import type { Actor } from '../../identity/service.js';
import type { CoreDeps } from '../module.js';
import type { OrgScope } from '../scope.js';
import * as store from './hotlist-store.js';
import { HOTLIST_DETAILS, localise, PLATE_MESSAGES, RESIDENT_ID_MESSAGES } from './messages.js';

export interface CreateHotlistEntryInput {
  kind: HotlistKind;
  value: string;
  category: HotlistCategory;
  legalBasis: string;
  warrantRef?: string | null;
  /** Requested expiry: after now, at most 30 days ahead (and capped again at approval). */
  expiresAt: string;
}

export interface HotlistEntryView {
  id: string;
  kind: HotlistKind;
  /** Plates in full; resident IDs masked unless the caller stated a purpose (audited). */
  value: string;
  category: HotlistCategory;
  legalBasis: string;
  warrantRef: string | null;
  status: 'pending' | 'active' | 'revoked';
  /** True for an active entry past its expiry: it no longer matches. */
  expired: boolean;
  expiresAt: string;
  createdBy: string;
  createdAt: string;
  approvedBy: string | null;
  approvedAt: string | null;
  renewals: number;
  revokedBy: string | null;
  revokedAt: string | null;
  revokeReason: string | null;
}

export interface HitView {
  id: string;
  entryId: string;
  checkpointId: string;
  direction: 'in' | 'out';
  readAt: string;
  kind: HotlistKind;
  /**
   * The plate as read (hits are the only reads ever kept); a resident ID masked unless the caller
   * stated a purpose (audited); null once the retention period has passed.
   */
  value: string | null;
  confidence: number;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  actionTaken: string | null;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const fieldError = (field: string, rule: string, message = ''): FieldError => ({ field, rule, message });

/**
 * The hotlist: entries with a fixed category, a legal basis, a creator and a different approver,
 * and an expiry of at most 30 days. Every change is audited ('hotlist_change') in the same
 * transaction, then applied to the in-memory matcher before the call returns, so the next read
 * sees it; other API nodes re-read that entry on the `perimeter.hotlist_changed` event (entryId
 * `*` = reload everything, e.g. after a bulk import). Expiry needs no reload: it is checked at match
 * time.
 *
 * Renewal: one call by a user who is neither the creator nor the entry's current approver; the
 * renewer becomes the approver of the new period (so every 30-day period is confirmed by someone
 * other than who confirmed the previous one, and never by the creator).
 */
export class HotlistService {
  readonly matcher = new HotlistMatcher();
  private reloading: Promise<void> | null = null;
  private reloadAgain: Promise<void> | null = null;
  /**
   * Entries changed (by this node or an event) while a full load runs: the load's snapshot may
   * predate their change, so they are re-read once it has replaced the matcher.
   */
  private touchedDuringLoad: Set<string> | null = null;
  /** Full loads done (start, `*` events, the periodic resync). */
  loads = 0;

  constructor(private readonly ctx: Pick<CoreDeps, 'db' | 'now' | 'transact'>) {}

  private get db(): Kysely<Database> {
    return this.ctx.db.kysely;
  }

  /**
   * Reloads the matcher from the database. Calls made while a reload runs share one follow-up
   * reload that starts after it, so a caller always gets a load that began after its own commit.
   */
  reload(): Promise<void> {
    if (!this.reloading) {
      this.reloading = this.loadOnce().finally(() => {
        this.reloading = null;
      });
      return this.reloading;
    }
    if (!this.reloadAgain) {
      this.reloadAgain = this.reloading
        .catch(() => {})
        .then(() => {
          this.reloadAgain = null;
          return this.reload();
        });
    }
    return this.reloadAgain;
  }

  private async loadOnce(): Promise<void> {
    const touched = new Set<string>();
    this.touchedDuringLoad = touched;
    try {
      this.matcher.replaceAll(await store.loadActiveEntries(this.db, this.ctx.now()));
      this.loads++;
    } finally {
      this.touchedDuringLoad = null;
    }
    for (const id of touched) await this.refreshEntry(id);
  }

  /**
   * The periodic resync (every node, CITYWATCH_HOTLIST_RESYNC_MIN): the matcher re-read from the
   * database, so an entry whose perimeter.hotlist_changed event this node missed (a publish given
   * up, a change written by hand) matches as the table says within one period.
   */
  resync(): Promise<void> {
    return this.reload();
  }

  async create(actor: Actor, input: CreateHotlistEntryInput): Promise<HotlistEntryView> {
    const now = this.ctx.now();
    const errors: FieldError[] = [];
    const value = normaliseValue(input.kind, input.value, now, errors);
    if (!CATEGORY_KINDS[input.category].includes(input.kind))
      errors.push(fieldError('kind', 'category_kind'));
    const legalBasis = input.legalBasis.trim();
    if (legalBasis.length < 2) errors.push(fieldError('legalBasis', 'required'));
    const warrantRef = input.warrantRef?.trim() || null;
    if (input.category === 'wanted_person' && (warrantRef === null || warrantRef.length < 2)) {
      errors.push(fieldError('warrantRef', 'required'));
    }
    const expiresAt = new Date(input.expiresAt);
    checkExpiry(expiresAt, now, errors);
    if (errors.length > 0) throw new ProblemError('validation', undefined, localise(errors));

    const row = await this.ctx.transact(async (trx, publish) => {
      const inserted = await store.insertEntry(trx, {
        id: uuidv7(),
        kind: input.kind,
        value: value as string,
        category: input.category,
        legal_basis: legalBasis,
        warrant_ref: warrantRef,
        org_id: actor.orgId,
        created_by: actor.userId,
        status: 'pending',
        expires_at: expiresAt,
        created_at: now,
      });
      await this.audit(trx, actor, inserted, 'create', now);
      await announce(publish, inserted);
      return inserted;
    });
    this.apply(row);
    return present(row, now, true);
  }

  async approve(actor: Actor, id: string): Promise<HotlistEntryView> {
    const now = this.ctx.now();
    const row = await this.ctx.transact(async (trx, publish) => {
      const entry = await this.lockEntry(trx, id, actor);
      if (entry.status !== 'pending') {
        throw new ProblemError('conflict', HOTLIST_DETAILS.approveOnlyPending);
      }
      if (entry.created_by === actor.userId) {
        throw new ProblemError(
          'conflict',
          HOTLIST_DETAILS.approveFourEyes,
          localise([fieldError('approvedBy', 'four_eyes')]),
        );
      }
      if (new Date(entry.expires_at).getTime() <= now.getTime()) {
        throw new ProblemError(
          'conflict',
          HOTLIST_DETAILS.approveExpired,
          localise([fieldError('expiresAt', 'expired')]),
        );
      }
      const updated = await store.updateEntry(trx, id, {
        status: 'active',
        approved_by: actor.userId,
        approved_at: now,
      });
      await this.audit(trx, actor, updated, 'approve', now);
      await announce(publish, updated);
      return updated;
    });
    this.apply(row);
    return present(row, now, true);
  }

  async renew(actor: Actor, id: string, expiresAtIso: string): Promise<HotlistEntryView> {
    const now = this.ctx.now();
    const expiresAt = new Date(expiresAtIso);
    const errors: FieldError[] = [];
    checkExpiry(expiresAt, now, errors);
    if (errors.length > 0) throw new ProblemError('validation', undefined, localise(errors));
    const row = await this.ctx.transact(async (trx, publish) => {
      const entry = await this.lockEntry(trx, id, actor);
      if (entry.status !== 'active') {
        throw new ProblemError('conflict', HOTLIST_DETAILS.renewOnlyActive);
      }
      if (entry.created_by === actor.userId || entry.approved_by === actor.userId) {
        throw new ProblemError(
          'conflict',
          HOTLIST_DETAILS.renewFourEyes,
          localise([fieldError('approvedBy', 'four_eyes')]),
        );
      }
      const updated = await store.updateEntry(trx, id, {
        approved_by: actor.userId,
        approved_at: now,
        expires_at: expiresAt,
        renewals: entry.renewals + 1,
      });
      await this.audit(trx, actor, updated, 'renew', now);
      await announce(publish, updated);
      return updated;
    });
    this.apply(row);
    return present(row, now, true);
  }

  async revoke(actor: Actor, id: string, reason: string): Promise<HotlistEntryView> {
    const now = this.ctx.now();
    const trimmed = reason.trim();
    if (trimmed.length < 2)
      throw new ProblemError('validation', undefined, localise([fieldError('reason', 'required')]));
    const row = await this.ctx.transact(async (trx, publish) => {
      const entry = await this.lockEntry(trx, id, actor);
      if (entry.status === 'revoked') {
        throw new ProblemError('conflict', HOTLIST_DETAILS.alreadyRevoked);
      }
      const updated = await store.updateEntry(trx, id, {
        status: 'revoked',
        revoked_by: actor.userId,
        revoked_at: now,
        revoke_reason: trimmed,
      });
      await this.audit(trx, actor, updated, 'revoke', now);
      await announce(publish, updated);
      return updated;
    });
    this.apply(row);
    return present(row, now, true);
  }

  /** Entries of the scope's subtree (an entry belongs to its creator's org). */
  async list(
    filter: { status?: 'pending' | 'active' | 'revoked'; kind?: HotlistKind; limit: number; offset: number },
    revealPersonal: boolean,
    scope: OrgScope,
  ): Promise<HotlistEntryView[]> {
    const now = this.ctx.now();
    const rows = await store.listEntries(this.db, filter, scope);
    return rows.map((r) => present(r, now, revealPersonal));
  }

  /**
   * Hits the scope may see, newest first: those at its subtree's checkpoints and those on its
   * subtree's entries.
   */
  async hits(
    filter: { checkpointId?: string; since?: Date; limit: number },
    revealPersonal: boolean,
    scope: OrgScope,
  ): Promise<HitView[]> {
    const rows = await store.listHits(this.db, filter, scope);
    return rows.map((r) => ({
      id: r.id,
      entryId: r.entry_id,
      checkpointId: r.checkpoint_id,
      direction: r.direction,
      readAt: new Date(r.read_at).toISOString(),
      kind: r.kind,
      value:
        r.plate_or_id !== null && r.kind === 'resident_id' && !revealPersonal
          ? maskResidentId(r.plate_or_id)
          : r.plate_or_id,
      confidence: r.confidence,
      acknowledgedBy: r.acknowledged_by,
      acknowledgedAt: r.acknowledged_at === null ? null : new Date(r.acknowledged_at).toISOString(),
      actionTaken: r.action_taken,
    }));
  }

  /** Records the action taken on a hit (and acknowledges it); 404 when there is no such hit. */
  async actOnHit(actor: Actor, id: string, action: string): Promise<void> {
    if (!(await store.recordHitAction(this.db, id, { action, by: actor.userId, at: this.ctx.now() }, actor)))
      throw new ProblemError('not_found');
  }

  /** An entry of the scope's subtree, locked; 404 otherwise (another station's is as good as missing). */
  private async lockEntry(
    trx: Transaction<Database>,
    id: string,
    scope: OrgScope,
  ): Promise<store.HotlistEntryRow> {
    const entry = await store.findEntryForUpdate(trx, id, scope);
    if (!entry) throw new ProblemError('not_found');
    return entry;
  }

  /** Puts one entry's current state into the matcher: active ones in, everything else out. */
  private apply(row: store.HotlistEntryRow): void {
    this.touchedDuringLoad?.add(row.id);
    if (row.status === 'active' && row.approved_at !== null) this.matcher.upsert(store.toActiveEntry(row));
    else this.matcher.remove(row.id);
  }

  /** Handles a `perimeter.hotlist_changed` event (possibly from another node). */
  async refresh(entryId: string): Promise<void> {
    if (entryId === '*' || !UUID_RE.test(entryId)) return this.reload();
    return this.refreshEntry(entryId);
  }

  private async refreshEntry(entryId: string): Promise<void> {
    this.touchedDuringLoad?.add(entryId);
    const row = await store.findEntry(this.db, entryId);
    if (row) this.apply(row);
    else {
      this.touchedDuringLoad?.add(entryId);
      this.matcher.remove(entryId);
    }
  }

  private audit(
    trx: Transaction<Database>,
    actor: Actor,
    row: store.HotlistEntryRow,
    change: 'create' | 'approve' | 'renew' | 'revoke',
    now: Date,
  ): Promise<void> {
    return appendAudit(
      trx,
      {
        userId: actor.userId,
        username: actor.username,
        action: 'hotlist_change',
        resource: `hotlist:${row.id}`,
        detail: {
          change,
          kind: row.kind,
          // The audit log outlives entries; a person's ID is kept masked there too.
          value: row.kind === 'resident_id' ? maskResidentId(row.value) : row.value,
          category: row.category,
          legalBasis: row.legal_basis,
          warrantRef: row.warrant_ref,
          status: row.status,
          expiresAt: new Date(row.expires_at).toISOString(),
          ...(row.revoke_reason ? { revokeReason: row.revoke_reason } : {}),
        },
      },
      now,
    );
  }
}

function normaliseValue(kind: HotlistKind, raw: string, now: Date, errors: FieldError[]): string | null {
  if (kind === 'plate') {
    const r = normalisePlate(raw);
    if (r.ok) return r.plate;
    errors.push(fieldError('value', `plate_${r.reason}`, PLATE_MESSAGES[r.reason]));
    return null;
  }
  const r = validateResidentId(raw, now.toISOString().slice(0, 10));
  if (r.ok) return r.id;
  errors.push(fieldError('value', `resident_id_${r.reason}`, RESIDENT_ID_MESSAGES[r.reason]));
  return null;
}

function checkExpiry(expiresAt: Date, now: Date, errors: FieldError[]): void {
  const t = expiresAt.getTime();
  if (Number.isNaN(t)) errors.push(fieldError('expiresAt', 'invalid_format'));
  else if (t <= now.getTime()) errors.push(fieldError('expiresAt', 'in_past'));
  else if (t > now.getTime() + HOTLIST_MAX_VALIDITY_MS) errors.push(fieldError('expiresAt', 'max_30_days'));
}

function present(r: store.HotlistEntryRow, now: Date, revealPersonal: boolean): HotlistEntryView {
  const expiresAt = new Date(r.expires_at);
  const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
  return {
    id: r.id,
    kind: r.kind,
    value: r.kind === 'resident_id' && !revealPersonal ? maskResidentId(r.value) : r.value,
    category: r.category,
    legalBasis: r.legal_basis,
    warrantRef: r.warrant_ref,
    status: r.status,
    expired: r.status === 'active' && expiresAt.getTime() <= now.getTime(),
    expiresAt: expiresAt.toISOString(),
    createdBy: r.created_by,
    createdAt: new Date(r.created_at).toISOString(),
    approvedBy: r.approved_by,
    approvedAt: iso(r.approved_at),
    renewals: Number(r.renewals),
    revokedBy: r.revoked_by,
    revokedAt: iso(r.revoked_at),
    revokeReason: r.revoke_reason,
  };
}

/**
 * Every node's matcher follows the change: the event is written with it (outbox, bus/outbox.ts), so
 * a node dying right after the commit does not leave the others matching a revoked entry until
 * their resync.
 */
function announce(publish: StagePublish, row: store.HotlistEntryRow): Promise<void> {
  return publish('perimeter.hotlist_changed', row.org_id, { entryId: row.id, status: row.status });
}
