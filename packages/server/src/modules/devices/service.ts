import { randomBytes } from 'node:crypto';
import {
  type CreateDevice,
  type Device,
  type DeviceKind,
  deviceTopic,
  type IssuedDevice,
} from '@citywatch/core/devices/schemas';
import type { Transaction } from 'kysely';
import { LRUCache } from 'lru-cache';
import { uuidv7 } from 'uuidv7';
import type { Database } from '../../db/schema.js';
import type { DeviceAuthenticator, DevicePrincipal } from '../../http/auth.js';
import { ProblemError } from '../../http/problem.js';
import { appendAudit } from '../../identity/audit.js';
import { type Actor, hashToken } from '../../identity/service.js';
import type { Deps } from '../module.js';
import { Batched } from './batched.js';
import { DEVICE_MESSAGES as M } from './messages.js';
import * as store from './store.js';

/** A principal resolved from a token is trusted this long before the table is read again. */
const AUTH_CACHE_MS = 5_000;
/**
 * Entries each cache holds; beyond it the least recently used one goes (lru-cache), so that a hot
 * device stays answered from memory when many cold ones pass through (100,000 registered devices).
 */
export const CACHE_MAX = 10_000;
/** last_seen_at is written at most this often per device, so a busy camera does not cost a write a read. */
const TOUCH_EVERY_MS = 60_000;
const TOKEN_PREFIX = 'cwd_';

export type DevicesDeps = Pick<Deps<'dispatch' | 'perimeter'>, 'db' | 'now' | 'dispatch' | 'perimeter'>;

/** What a device is bound to, when the platform issues one for itself (the demo's simulator). */
export type DeviceBinding =
  | { kind: 'camera'; checkpointId: string }
  | { kind: 'avl'; unitId: string }
  | { kind: 'sensor' };

/** Who issued or revoked: a person, or the platform itself (start-up tasks), for the audit row. */
type Issuer = Pick<Actor, 'userId' | 'username'> | null;

/**
 * Device principals: API tokens for plate cameras (bound to one checkpoint) and AVL terminals
 * (bound to one unit). A token is shown once and stored as its sha256; issuing, re-issuing and
 * revoking are audited in the same transaction. `authenticate` is what the HTTP auth hook and the
 * embedded MQTT broker call.
 */
export class DevicesService implements DeviceAuthenticator {
  // Entry times are the app's clock (untilMs), not lru-cache's ttl (its own clock), so tests can move it.
  private readonly byToken = new LRUCache<string, { principal: DevicePrincipal; untilMs: number }>({
    max: CACHE_MAX,
  });
  private readonly activeById = new LRUCache<string, { active: boolean; untilMs: number }>({
    max: CACHE_MAX,
  });
  /** Devices whose active state is being read again ahead of its time. */
  private readonly refreshing = new Set<string>();
  /** Counts forget() calls: a read that overlapped one is not remembered. */
  private forgotten = 0;
  private readonly touchedAt = new LRUCache<string, number>({ max: CACHE_MAX });
  private readonly revokeListeners = new Set<(deviceId: string) => void>();
  /**
   * Token look-ups, active-state reads and last-seen writes of many devices go to the database
   * together (one statement per batch, see Batched): a thousand devices connecting, or re-checked
   * while they publish, are a few statements a second instead of hundreds.
   */
  private readonly tokenReads = new Batched(async (hashes: string[]) => {
    const rows = await store.findActiveByTokenHashes(this.db, hashes);
    return new Map(rows.map((r) => [r.token_hash, r]));
  });
  private readonly activeReads = new Batched(async (ids: string[]) => {
    const active = await store.activeAmong(this.db, ids);
    return new Map(ids.map((id) => [id, active.has(id)]));
  });
  /** Last-seen times waiting for the next write, by device. */
  private readonly seenAt = new Map<string, number>();
  private readonly touchWrites = new Batched(async (ids: string[]) => {
    const seen = ids.map((id) => ({ id, at: new Date(this.seenAt.get(id)!) }));
    for (const id of ids) this.seenAt.delete(id);
    await store.touchDevices(this.db, seen);
    return new Map<string, true>();
  });

  constructor(private readonly deps: DevicesDeps) {}

  private get db() {
    return this.deps.db.kysely;
  }

  // ---- administration (devices.write / devices.read)

  async list(actor: Actor): Promise<Device[]> {
    return (await store.listDevices(this.db, actor)).map(presentDevice);
  }

  async device(actor: Actor, id: string): Promise<Device> {
    const row = await store.findDevice(this.db, id, actor);
    if (!row) throw new ProblemError('not_found', M.noSuchDevice);
    return presentDevice(row);
  }

  /** Issues a token for a new device bound to one checkpoint or unit; the token is in the answer only. */
  async issue(actor: Actor, req: CreateDevice): Promise<IssuedDevice> {
    const orgId = await this.bindingOrg(actor, req);
    const binding: DeviceBinding =
      req.kind === 'camera'
        ? { kind: 'camera', checkpointId: req.checkpointId }
        : { kind: 'avl', unitId: req.unitId };
    return this.insert(actor, req.name, binding, orgId);
  }

  /**
   * Issues a token for a community sensor (modules/sensors registers it): bound to itself, owned by
   * `orgId` (which the sensors module checked lies in the actor's subtree). Audited as usual.
   */
  async issueSensor(actor: Actor | null, name: string, orgId: string): Promise<IssuedDevice> {
    return this.insert(actor, name, { kind: 'sensor' }, orgId);
  }

  /**
   * Issues (or, when the platform already issued one under this name, re-issues) a token without
   * an acting person: for start-up tasks such as the demo's simulator, and for benchmarks. Audited
   * as the platform's.
   */
  async issueForPlatform(name: string, binding: DeviceBinding, orgId: string): Promise<IssuedDevice> {
    const existing = await store.findSystemDevice(this.db, name);
    if (
      existing &&
      existing.kind === binding.kind &&
      (binding.kind === 'camera'
        ? existing.checkpoint_id === binding.checkpointId
        : binding.kind === 'avl'
          ? existing.unit_id === binding.unitId
          : true)
    ) {
      return this.reissue(null, existing.id);
    }
    return this.insert(null, name, binding, orgId);
  }

  private async insert(
    by: Issuer,
    name: string,
    binding: DeviceBinding,
    orgId: string,
  ): Promise<IssuedDevice> {
    const id = uuidv7();
    const token = newToken();
    const now = this.deps.now();
    const checkpointId = binding.kind === 'camera' ? binding.checkpointId : null;
    const unitId = binding.kind === 'avl' ? binding.unitId : null;
    await this.db.transaction().execute(async (trx) => {
      await store.insertDevice(trx, {
        id,
        name,
        kind: binding.kind,
        checkpoint_id: checkpointId,
        unit_id: unitId,
        org_id: orgId,
        token_hash: hashToken(token),
        created_by: by?.userId ?? null,
        created_at: now,
        revoked_at: null,
        revoked_by: null,
        revoke_reason: null,
        last_seen_at: null,
      });
      await this.audit(trx, by, id, 'issue_device', null, {
        name,
        kind: binding.kind,
        checkpointId,
        unitId,
        orgId,
      });
    });
    const row = await store.findDevice(this.db, id, null);
    if (!row) throw new Error('device not stored');
    const device = presentDevice(row);
    return { ...device, token, mqttTopic: deviceTopic(device) };
  }

  /** A new token for a live device; the old one stops working at once (here at once, elsewhere within seconds). */
  async reissue(actor: Actor | null, id: string): Promise<IssuedDevice> {
    if (actor && !(await store.findDevice(this.db, id, actor)))
      throw new ProblemError('not_found', M.noSuchDevice);
    const token = newToken();
    await this.db.transaction().execute(async (trx) => {
      if (!(await store.replaceToken(trx, id, hashToken(token)))) {
        const row = await store.findDevice(trx, id, null);
        if (!row) throw new ProblemError('not_found', M.noSuchDevice);
        throw new ProblemError('conflict', M.alreadyRevoked, [
          { field: 'id', rule: 'revoked', message: M.alreadyRevoked.zh },
        ]);
      }
      await this.audit(trx, actor, id, 'reissue_device_token', null, { tokenReplaced: true });
    });
    this.forget(id);
    const row = await store.findDevice(this.db, id, null);
    const device = presentDevice(row!);
    return { ...device, token, mqttTopic: deviceTopic(device) };
  }

  /** Revokes a device's token: refused at once here, and on other nodes within AUTH_CACHE_MS. */
  async revoke(actor: Actor, id: string, reason: string): Promise<Device> {
    const before = await store.findDevice(this.db, id, actor);
    if (!before) throw new ProblemError('not_found', M.noSuchDevice);
    await this.db.transaction().execute(async (trx) => {
      if (!(await store.revokeDevice(trx, id, actor.userId, reason, this.deps.now()))) {
        throw new ProblemError('conflict', M.alreadyRevoked, [
          { field: 'id', rule: 'revoked', message: M.alreadyRevoked.zh },
        ]);
      }
      await this.audit(trx, actor, id, 'revoke_device', { active: true }, { active: false, reason });
    });
    this.forget(id);
    return this.device(actor, id);
  }

  /** Called with a device's id when its token is revoked or replaced (the broker drops its connections). */
  onRevoke(listener: (deviceId: string) => void): () => void {
    this.revokeListeners.add(listener);
    return () => this.revokeListeners.delete(listener);
  }

  // ---- authentication (HTTP auth hook, MQTT broker)

  /** The device a token belongs to, or null when it is unknown or revoked. */
  async authenticate(token: string): Promise<DevicePrincipal | null> {
    if (token.length < 10 || token.length > 200) return null;
    const hash = hashToken(token);
    const nowMs = this.deps.now().getTime();
    const cached = this.byToken.get(hash);
    let principal: DevicePrincipal;
    if (cached && cached.untilMs > nowMs) principal = cached.principal;
    else {
      const row = await this.tokenReads.load(hash);
      if (!row) {
        this.byToken.delete(hash);
        return null;
      }
      principal = toPrincipal(row);
      this.byToken.set(hash, { principal, untilMs: nowMs + AUTH_CACHE_MS });
    }
    await this.touch(principal.deviceId, nowMs);
    return principal;
  }

  /** MQTT: username is the device id, password its token; both must match. */
  async authenticateMqtt(username: string, password: string): Promise<DevicePrincipal | null> {
    const principal = await this.authenticate(password);
    return principal && principal.deviceId === username ? principal : null;
  }

  /**
   * Whether a device is still live (re-checked by the broker on every publish while it stays
   * connected): answered from memory while the entry lasts (no promise, no turn of the event loop
   * for the broker to wait), from the database when there is none.
   */
  isActive(deviceId: string): boolean | Promise<boolean> {
    const nowMs = this.deps.now().getTime();
    const cached = this.activeById.get(deviceId);
    if (cached && cached.untilMs > nowMs) {
      // Past half its life, read again in the background: a device that keeps publishing is answered
      // from memory every time, instead of one of its messages (an alarm, say) waiting for this read
      // behind the batch writes every AUTH_CACHE_MS. The devices due are read together (Batched).
      // A revocation elsewhere still shows within AUTH_CACHE_MS (no entry is answered past its
      // time; here forget() at once).
      if (cached.untilMs - nowMs < AUTH_CACHE_MS / 2 && !this.refreshing.has(deviceId)) {
        this.refreshing.add(deviceId);
        void this.readActive(deviceId)
          .catch(() => {}) // the entry stays until its time; the next message reads again
          .finally(() => this.refreshing.delete(deviceId));
      }
      return cached.active;
    }
    return this.readActive(deviceId);
  }

  private async readActive(deviceId: string): Promise<boolean> {
    const forgotten = this.forgotten;
    const nowMs = this.deps.now().getTime();
    const active = (await this.activeReads.load(deviceId)) ?? false;
    // A revocation or re-issue while reading: the answer may predate it; not remembered.
    if (forgotten !== this.forgotten) return active;
    this.activeById.set(deviceId, { active, untilMs: nowMs + AUTH_CACHE_MS });
    return active;
  }

  private async touch(deviceId: string, nowMs: number) {
    const last = this.touchedAt.get(deviceId);
    if (last !== undefined && nowMs - last < TOUCH_EVERY_MS) return;
    this.touchedAt.set(deviceId, nowMs);
    this.seenAt.set(deviceId, Math.max(nowMs, this.seenAt.get(deviceId) ?? 0));
    await this.touchWrites.load(deviceId);
  }

  /** Drops what this node remembers of a device and tells the listeners (revoked or re-issued). */
  private forget(deviceId: string) {
    const hashes: string[] = [];
    for (const [hash, { principal }] of this.byToken.entries()) {
      if (principal.deviceId === deviceId) hashes.push(hash);
    }
    for (const hash of hashes) this.byToken.delete(hash);
    this.activeById.delete(deviceId);
    this.forgotten++;
    for (const listener of this.revokeListeners) listener(deviceId);
  }

  // ---- helpers

  /**
   * The org that will own the device: its checkpoint's (which must lie in the actor's subtree), or
   * the issuing person's. The binding must exist: otherwise 400 naming the field.
   */
  private async bindingOrg(actor: Actor, req: CreateDevice): Promise<string> {
    if (req.kind === 'camera') {
      const checkpoint = await this.deps.perimeter.rings.registry
        .checkpoint(req.checkpointId)
        .catch((error: unknown) => {
          if (error instanceof ProblemError && error.code === 'not_found') return null;
          throw error;
        });
      if (!checkpoint) {
        throw new ProblemError('validation', undefined, [
          { field: 'checkpointId', rule: 'reference', message: '' },
        ]);
      }
      if (checkpoint.orgId === null) return actor.orgId;
      if (!(await store.orgInScope(this.db, checkpoint.orgId, actor))) {
        throw new ProblemError('validation', undefined, [
          { field: 'checkpointId', rule: 'org_in_scope', message: '' },
        ]);
      }
      return checkpoint.orgId;
    }
    const unit = await this.deps.dispatch.unit(req.unitId).catch((error: unknown) => {
      if (error instanceof ProblemError && error.code === 'not_found') return null;
      throw error;
    });
    if (!unit) {
      throw new ProblemError('validation', undefined, [{ field: 'unitId', rule: 'reference', message: '' }]);
    }
    return actor.orgId;
  }

  /** A device change, audited in its transaction with before and after; never the token. */
  private audit(
    trx: Transaction<Database>,
    by: Issuer,
    deviceId: string,
    change: string,
    before: Record<string, unknown> | null,
    after: Record<string, unknown>,
  ) {
    return appendAudit(
      trx,
      {
        userId: by?.userId ?? null,
        username: by?.username ?? 'system',
        action: 'write',
        resource: `device:${deviceId}`,
        detail: { change, before, after },
      },
      this.deps.now(),
    );
  }
}

function newToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

function toPrincipal(row: {
  id: string;
  name: string;
  kind: DeviceKind;
  checkpoint_id: string | null;
  unit_id: string | null;
  org_id: string;
}): DevicePrincipal {
  const common = { deviceId: row.id, name: row.name, orgId: row.org_id };
  if (row.kind === 'sensor') return { ...common, kind: 'sensor' };
  return row.kind === 'camera'
    ? { ...common, kind: 'camera', checkpointId: row.checkpoint_id! }
    : { ...common, kind: 'avl', unitId: row.unit_id! };
}

function iso(value: Date | string | null): string | null {
  return value === null ? null : new Date(value).toISOString();
}

export function presentDevice(r: store.DeviceRow): Device {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    checkpointId: r.checkpoint_id,
    unitId: r.unit_id,
    orgId: r.org_id,
    active: r.revoked_at === null,
    createdAt: iso(r.created_at)!,
    createdBy: r.created_by_username ?? null,
    revokedAt: iso(r.revoked_at),
    revokeReason: r.revoke_reason,
    lastSeenAt: iso(r.last_seen_at),
  };
}
