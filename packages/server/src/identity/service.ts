import { createHash, randomBytes } from 'node:crypto';
import type {
  CreateOrgRequest,
  CreateUserRequest,
  Org,
  OrgKind,
  Role,
  UpdateUserRequest,
  User,
} from '@citywatch/core/identity/schemas';
import type { Kysely, Transaction } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Transact } from '../bus/outbox.js';
import type { Database } from '../db/schema.js';
import { ProblemError } from '../http/problem.js';
import { appendAudit, recordAudit } from './audit.js';
import { LoginThrottle } from './login-throttle.js';
import { messages } from './messages.js';
import { dummyPasswordHash, hashPassword, verifyPassword } from './password.js';
import type { PermissionTable } from './permissions.js';
import * as store from './store.js';

export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_ABSOLUTE_MS = 12 * 3600_000;
export const LOCKOUT_THRESHOLD = 5;
export const LOCKOUT_MS = 10 * 60_000;
// Refresh last_seen_at at most this often, so reads do not each cost a write.
const TOUCH_EVERY_MS = 30_000;

/** The signed-in user as every request sees it. */
export interface Actor {
  userId: string;
  username: string;
  displayName: string;
  roles: Role[];
  orgId: string;
  orgName: string;
  /** Materialised org path: the actor sees rows whose org path starts with it. */
  orgPath: string;
  sessionTokenHash: string;
  sessionExpiresAt: Date;
  /** The password was generated or reset by someone else: nothing but changing it is allowed. */
  mustChangePassword: boolean;
}

const ORG_LEVEL: Record<OrgKind, number> = { city_bureau: 0, branch_bureau: 1, police_station: 2, team: 3 };

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function presentUser(r: store.UserRow): User {
  return {
    id: r.id,
    username: r.username,
    displayName: r.display_name,
    orgId: r.org_id,
    orgName: r.org_name,
    roles: r.roles as Role[],
    active: r.active,
    createdAt: new Date(r.created_at).toISOString(),
  };
}

function presentOrg(r: store.OrgRow): Org {
  return { id: r.id, parentId: r.parent_id, kind: r.kind as OrgKind, name: r.name, code: r.code };
}

/** Names a session on the bus (to close its live sockets) without revealing its token hash. */
export function sessionRef(tokenHash: string): string {
  return createHash('sha256').update(`live:${tokenHash}`).digest('hex').slice(0, 32);
}

export const LOGIN_THROTTLE_WINDOW_MS = 15 * 60_000;

export class IdentityService {
  private readonly throttle: LoginThrottle;
  private readonly transact: Transact;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => Date,
    private readonly permissions: Pick<PermissionTable, 'grants'>,
    options: {
      loginFailuresPerAddress?: number;
      /**
       * Transactions whose events reach the bus (outbox): sessions ended, users and orgs changed
       * reach every node's live gateway with the change. Without one (command-line tools, tests of
       * the service alone) the events go nowhere.
       */
      transact?: Transact;
    } = {},
  ) {
    this.transact =
      options.transact ?? ((work) => db.transaction().execute((trx) => work(trx, async () => {})));
    this.throttle = new LoginThrottle(options.loginFailuresPerAddress ?? 30, LOGIN_THROTTLE_WINDOW_MS, now);
  }

  // ---- sessions

  async login(
    username: string,
    password: string,
    client: { ip: string | null; userAgent: string | null },
  ): Promise<{ token: string; user: User; expiresAt: Date; mustChangePassword: boolean }> {
    const now = this.now();
    const waitMs = this.throttle.retryAfterMs(client.ip);
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      throw new ProblemError(
        'rate_limited',
        messages.tooManyFailures(Math.ceil(seconds / 60)),
        undefined,
        undefined,
        {
          'retry-after': String(seconds),
        },
      );
    }
    const record = await store.findLoginRecord(this.db, username);
    if (!record) {
      this.throttle.recordFailure(client.ip);
      await verifyPassword(await dummyPasswordHash(), password);
      // What was typed is not kept: a mistyped name is often someone's password.
      await recordAudit(
        this.db,
        {
          userId: null,
          username: null,
          action: 'login_failed',
          resource: 'session',
          detail: { reason: 'unknown_user', ip: client.ip },
        },
        now,
      );
      throw new ProblemError('bad_credentials');
    }
    if (record.locked_until && new Date(record.locked_until) > now) {
      await recordAudit(
        this.db,
        {
          userId: record.id,
          username,
          action: 'login_failed',
          resource: 'session',
          detail: { reason: 'locked', ip: client.ip },
        },
        now,
      );
      const minutes = Math.ceil((new Date(record.locked_until).getTime() - now.getTime()) / 60_000);
      throw new ProblemError('account_locked', messages.accountLocked(minutes));
    }
    const passwordOk = await verifyPassword(record.password_hash, password);
    if (!passwordOk || !record.active) {
      this.throttle.recordFailure(client.ip);
      await this.db.transaction().execute(async (trx) => {
        const { locked } = await store.countFailedLogin(
          trx,
          record.id,
          LOCKOUT_THRESHOLD,
          new Date(now.getTime() + LOCKOUT_MS),
        );
        await appendAudit(
          trx,
          {
            userId: record.id,
            username,
            action: 'login_failed',
            resource: 'session',
            detail: {
              reason: record.active ? 'bad_password' : 'inactive',
              ip: client.ip,
              locked,
            },
          },
          now,
        );
      });
      throw new ProblemError('bad_credentials');
    }
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + SESSION_ABSOLUTE_MS);
    await this.db.transaction().execute(async (trx) => {
      await store.clearFailedLogins(trx, record.id);
      await store.insertSession(trx, {
        tokenHash: hashToken(token),
        userId: record.id,
        now,
        expiresAt,
        ...client,
      });
      await appendAudit(
        trx,
        { userId: record.id, username, action: 'login', resource: 'session', detail: { ip: client.ip } },
        now,
      );
    });
    const user = await store.findUserPublic(this.db, record.id);
    if (!user) throw new Error('user vanished during login');
    return { token, user: presentUser(user), expiresAt, mustChangePassword: user.must_change_password };
  }

  /** The actor behind a cookie token, or null when the session is unknown, ended, idle or expired. */
  async authenticate(token: string): Promise<Actor | null> {
    const now = this.now();
    const tokenHash = hashToken(token);
    const s = await store.findLiveSession(this.db, tokenHash);
    if (!s?.active) return null;
    const lastSeen = new Date(s.last_seen_at).getTime();
    const expiresAt = new Date(s.expires_at);
    if (expiresAt.getTime() <= now.getTime() || now.getTime() - lastSeen > SESSION_IDLE_MS) {
      await store.endSession(this.db, tokenHash, now);
      return null;
    }
    if (now.getTime() - lastSeen > TOUCH_EVERY_MS) await store.touchSession(this.db, tokenHash, now);
    const u = await store.findUserPublic(this.db, s.user_id);
    if (!u) return null;
    return {
      userId: u.id,
      username: u.username,
      displayName: u.display_name,
      roles: u.roles as Role[],
      orgId: u.org_id,
      orgName: u.org_name,
      orgPath: u.org_path,
      sessionTokenHash: tokenHash,
      sessionExpiresAt: expiresAt,
      mustChangePassword: u.must_change_password,
    };
  }

  /**
   * Whether a session is still live, without counting as activity: an open console does not keep
   * an idle session alive, and a socket closes once its session has ended, idled out or expired.
   */
  async sessionStillValid(tokenHash: string): Promise<boolean> {
    const s = await store.findLiveSession(this.db, tokenHash);
    if (!s?.active) return false;
    const now = this.now().getTime();
    return (
      new Date(s.expires_at).getTime() > now && now - new Date(s.last_seen_at).getTime() <= SESSION_IDLE_MS
    );
  }

  /**
   * The signed-in person sets their own password: the current one is checked, the new one must
   * differ, the other sessions the old password opened end, and the change is audited.
   */
  async changeOwnPassword(actor: Actor, current: string, next: string): Promise<void> {
    const record = await store.findLoginRecord(this.db, actor.username);
    if (!record || !(await verifyPassword(record.password_hash, current))) {
      throw new ProblemError('validation', undefined, [
        { field: 'currentPassword', rule: 'wrong_password', message: '' },
      ]);
    }
    if (current === next) {
      throw new ProblemError('validation', undefined, [
        { field: 'newPassword', rule: 'same_as_current', message: '' },
      ]);
    }
    const passwordHash = await hashPassword(next);
    const now = this.now();
    await this.db.transaction().execute(async (trx) => {
      await store.updateUserColumns(
        trx,
        actor.userId,
        { password_hash: passwordHash, must_change_password: false },
        now,
      );
      await store.endOtherSessionsOfUser(trx, actor.userId, actor.sessionTokenHash, now);
      await this.auditIdentityChange(trx, actor, `user:${actor.userId}`, 'change_own_password', null, {
        passwordChanged: true,
      });
    });
  }

  async logout(actor: Actor): Promise<void> {
    const now = this.now();
    await this.transact(async (trx, publish) => {
      await store.endSession(trx, actor.sessionTokenHash, now);
      // The gateways close that session's sockets (it reaches no console).
      await publish('identity.session_ended', actor.orgId, {
        sessionRef: sessionRef(actor.sessionTokenHash),
      });
      await appendAudit(
        trx,
        { userId: actor.userId, username: actor.username, action: 'logout', resource: 'session' },
        now,
      );
    });
  }

  async me(actor: Actor): Promise<User> {
    const u = await store.findUserPublic(this.db, actor.userId);
    if (!u) throw new ProblemError('unauthenticated');
    return presentUser(u);
  }

  // ---- users

  async listUsers(actor: Actor): Promise<User[]> {
    return (await store.listUsersInSubtree(this.db, actor.orgPath)).map(presentUser);
  }

  private async orgInScope(actor: Actor, orgId: string, field: string): Promise<store.OrgRow> {
    const org = await store.findOrg(this.db, orgId);
    if (!org?.path.startsWith(actor.orgPath)) {
      throw new ProblemError('validation', undefined, [
        {
          field,
          rule: 'org_in_scope',
          message: '',
        },
      ]);
    }
    return org;
  }

  private async userInScope(actor: Actor, userId: string): Promise<store.UserRow> {
    const u = await store.findUserPublic(this.db, userId);
    // Outside the actor's subtree is indistinguishable from missing.
    if (!u?.org_path.startsWith(actor.orgPath)) throw new ProblemError('not_found');
    return u;
  }

  async createUser(actor: Actor, req: CreateUserRequest): Promise<User> {
    await this.orgInScope(actor, req.orgId, 'orgId');
    if (await store.findLoginRecord(this.db, req.username)) {
      throw new ProblemError('conflict', messages.usernameTaken(req.username), [
        { field: 'username', rule: 'unique', message: '' },
      ]);
    }
    const roles = [...new Set(req.roles)];
    this.assertDutiesSeparate(roles);
    const id = uuidv7();
    const passwordHash = await hashPassword(req.password);
    await this.transact(async (trx, publish) => {
      await store.insertUser(trx, {
        id,
        username: req.username,
        displayName: req.displayName,
        passwordHash,
        orgId: req.orgId,
        roles,
      });
      await this.auditIdentityChange(trx, actor, `user:${id}`, 'create_user', null, {
        username: req.username,
        displayName: req.displayName,
        orgId: req.orgId,
        roles,
        active: true,
      });
      await publish('identity.user_changed', req.orgId, { userId: id, username: req.username });
    });
    const u = await store.findUserPublic(this.db, id);
    if (!u) throw new Error('user not stored');
    return presentUser(u);
  }

  async updateUser(actor: Actor, userId: string, req: UpdateUserRequest): Promise<User> {
    await this.userInScope(actor, userId);
    if (req.orgId) await this.orgInScope(actor, req.orgId, 'orgId');
    if (userId === actor.userId && req.active === false) {
      throw new ProblemError('conflict', messages.cannotDeactivateSelf, [
        { field: 'active', rule: 'not_self', message: '' },
      ]);
    }
    const set: Parameters<typeof store.updateUserColumns>[2] = {};
    if (req.displayName !== undefined) set.display_name = req.displayName;
    if (req.password !== undefined) {
      set.password_hash = await hashPassword(req.password);
      // A password someone else chose is known to them: the owner must replace it.
      set.must_change_password = userId !== actor.userId;
    }
    if (req.orgId !== undefined) set.org_id = req.orgId;
    if (req.roles !== undefined) {
      set.roles = [...new Set(req.roles)];
      this.assertDutiesSeparate(set.roles);
    }
    if (req.active !== undefined) set.active = req.active;
    const now = this.now();
    await this.transact(async (trx, publish) => {
      const before = await store.findUserForUpdate(trx, userId);
      if (!before) throw new ProblemError('not_found');
      await store.updateUserColumns(trx, userId, set, now);
      // A new password or deactivation ends every session the old credentials opened.
      if (req.password !== undefined || req.active === false) await store.endSessionsOfUser(trx, userId, now);
      // What changed, before and after; a password only as the fact that it was reset.
      const was: Record<string, unknown> = {};
      const is: Record<string, unknown> = {};
      const compare = (key: string, old: unknown, next: unknown) => {
        if (next === undefined || JSON.stringify(old) === JSON.stringify(next)) return;
        was[key] = old;
        is[key] = next;
      };
      compare('displayName', before.display_name, req.displayName);
      compare('orgId', before.org_id, req.orgId);
      compare('roles', before.roles, set.roles);
      compare('active', before.active, req.active);
      if (req.password !== undefined) is.passwordReset = true;
      await this.auditIdentityChange(trx, actor, `user:${userId}`, 'update_user', was, is);
      // The user's consoles reconnect (roles, org or sessions may have changed).
      await publish('identity.user_changed', req.orgId ?? before.org_id, {
        userId,
        username: before.username,
      });
    });
    return presentUser((await store.findUserPublic(this.db, userId))!);
  }

  async endSessions(actor: Actor, userId: string): Promise<number> {
    const target = await this.userInScope(actor, userId);
    const now = this.now();
    return this.transact(async (trx, publish) => {
      const n = await store.endSessionsOfUser(trx, userId, now);
      await publish('identity.sessions_ended', actor.orgId, { userId });
      await appendAudit(
        trx,
        {
          userId: actor.userId,
          username: actor.username,
          action: 'sessions_ended',
          resource: `user:${userId}`,
          detail: { target: target.username, ended: n },
        },
        now,
      );
      return n;
    });
  }

  // ---- orgs

  async listOrgs(actor: Actor): Promise<Org[]> {
    return (await store.listOrgsInSubtree(this.db, actor.orgPath)).map(presentOrg);
  }

  async createOrg(actor: Actor, req: CreateOrgRequest): Promise<Org> {
    const parent = await this.orgInScope(actor, req.parentId, 'parentId');
    if (ORG_LEVEL[req.kind] <= ORG_LEVEL[parent.kind as OrgKind]) {
      throw new ProblemError('validation', undefined, [{ field: 'kind', rule: 'below_parent', message: '' }]);
    }
    if (await store.findOrgByCode(this.db, req.code)) {
      throw new ProblemError('conflict', messages.orgCodeTaken(req.code), [
        { field: 'code', rule: 'unique', message: '' },
      ]);
    }
    const id = uuidv7();
    await this.transact(async (trx, publish) => {
      await store.insertOrg(trx, {
        id,
        parentId: parent.id,
        kind: req.kind,
        name: req.name,
        code: req.code,
        path: `${parent.path}${id}/`,
      });
      await this.auditIdentityChange(trx, actor, `org:${id}`, 'create_org', null, {
        parentId: parent.id,
        kind: req.kind,
        name: req.name,
        code: req.code,
      });
      await publish('identity.org_changed', id, { orgId: id, name: req.name });
    });
    return presentOrg((await store.findOrg(this.db, id))!);
  }

  /**
   * Separation of duties, against admins too: whoever manages accounts (users.write) may not
   * also keep or approve the hotlist (hotlist.write), so no one person can both mint an account
   * and use it to approve their own entry.
   */
  private assertDutiesSeparate(roles: readonly string[]) {
    if (this.permissions.grants(roles, 'users.write') && this.permissions.grants(roles, 'hotlist.write')) {
      throw new ProblemError('validation', messages.dutiesConflict, [
        { field: 'roles', rule: 'separation_of_duties', message: '' },
      ]);
    }
  }

  /** An identity change, audited in the same transaction as the change, with before and after. */
  private auditIdentityChange(
    trx: Transaction<Database>,
    actor: Actor,
    resource: string,
    change: string,
    before: Record<string, unknown> | null,
    after: Record<string, unknown>,
  ) {
    return appendAudit(
      trx,
      {
        userId: actor.userId,
        username: actor.username,
        action: 'write',
        resource,
        detail: { change, before, after },
      },
      this.now(),
    );
  }

  async createRootOrg(
    o: { kind: OrgKind; name: string; code: string; lon?: number; lat?: number },
    parentId: string | null = null,
  ): Promise<Org> {
    const parent = parentId ? await store.findOrg(this.db, parentId) : undefined;
    const id = uuidv7();
    await store.insertOrg(this.db, {
      id,
      parentId,
      kind: o.kind,
      name: o.name,
      code: o.code,
      path: `${parent?.path ?? '/'}${id}/`,
      lon: o.lon ?? null,
      lat: o.lat ?? null,
    });
    return presentOrg((await store.findOrg(this.db, id))!);
  }

  async createInitialUser(u: {
    username: string;
    displayName: string;
    password: string;
    orgId: string;
    roles: Role[];
    mustChangePassword?: boolean;
  }): Promise<void> {
    await store.insertUser(this.db, {
      mustChangePassword: u.mustChangePassword,
      id: uuidv7(),
      username: u.username,
      displayName: u.displayName,
      passwordHash: await hashPassword(u.password),
      orgId: u.orgId,
      roles: u.roles,
    });
  }

  /** Every org, root first (for start-up tasks that act outside any user's scope). */
  async listOrgsUnscoped(): Promise<Org[]> {
    return (await store.listOrgsInSubtree(this.db, '/')).map(presentOrg);
  }

  /** Sets a password without an acting user (start-up tasks: the simulator's own account). */
  async setPasswordUnscoped(userId: string, password: string): Promise<void> {
    await store.updateUserColumns(
      this.db,
      userId,
      { password_hash: await hashPassword(password) },
      this.now(),
    );
  }

  async userCount(): Promise<number> {
    return Number((await store.countUsers(this.db)).n);
  }
}
