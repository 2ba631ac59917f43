import { createHash, randomBytes } from 'node:crypto';
import {
  CHECK_IN_EARLY_MIN,
  type CreateMember,
  type CreateShift,
  type CreateTeam,
  checkInDistance,
  type HoursRow,
  hoursServed,
  type Member,
  monthOf,
  type Shift,
  signUpRefusal,
  type Team,
} from '@citywatch/core/community/volunteers';
import { type Kysely, sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Database } from '../../db/schema.js';
import { ProblemError } from '../../http/problem.js';
import { recordAudit } from '../../identity/audit.js';
import type { Actor } from '../../identity/service.js';
import type { CoreDeps } from '../module.js';
import { assertOrgInScope, isCityLevel, type OrgScope, orgsUnder } from '../scope.js';
import type { Queryable } from './store.js';
import { VOLUNTEER_MESSAGES as M } from './volunteers-messages.js';
import type {} from './volunteers-tables.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const iso = (d: Date | string) => new Date(d).toISOString();
const refuse = (field: string, rule: string, detail: { zh: string; en: string } = M.refused) =>
  new ProblemError('conflict', detail, [{ field, rule, message: '' }]);

/** The member behind a phone link's token. */
export interface VolunteerPrincipal {
  memberId: string;
  teamId: string;
  orgId: string;
  name: string;
}

/**
 * 群防群治: teams, members, shifts, sign-ups and swaps, check-in by position, patrol positions,
 * hours served. Staff reads and writes are scoped to their org subtree in the query (a team outside
 * it is missing); members act for themselves only, through their own token.
 */
export class VolunteersService {
  private readonly db: Kysely<Database>;

  constructor(private readonly deps: Pick<CoreDeps, 'db' | 'now'>) {
    this.db = deps.db.kysely;
  }

  private teams(scope: OrgScope | null) {
    let q = this.db
      .selectFrom('volunteer_teams as t')
      .innerJoin('orgs', 'orgs.id', 't.org_id')
      .select([
        't.id',
        't.name',
        't.org_id',
        'orgs.name as org_name',
        't.leader_id',
        (eb) =>
          eb
            .selectFrom('volunteer_members as m')
            .select((e) => e.fn.countAll<number>().as('n'))
            .whereRef('m.team_id', '=', 't.id')
            .as('member_count'),
      ]);
    if (scope && !isCityLevel(scope)) q = q.where('t.org_id', 'in', orgsUnder(this.db, scope));
    return q;
  }

  async listTeams(scope: OrgScope): Promise<Team[]> {
    return (await this.teams(scope).orderBy('t.name').limit(1000).execute()).map(presentTeam);
  }

  async team(id: string, scope: OrgScope | null): Promise<Team> {
    const row = await this.teams(scope).where('t.id', '=', id).executeTakeFirst();
    if (!row) throw new ProblemError('not_found', M.noSuchTeam);
    return presentTeam(row);
  }

  async createTeam(actor: Actor, req: CreateTeam): Promise<Team> {
    const orgId = req.orgId ?? actor.orgId;
    if (req.orgId) await assertOrgInScope(this.db, actor, req.orgId, 'orgId');
    const id = uuidv7();
    await this.db
      .insertInto('volunteer_teams')
      .values({ id, org_id: orgId, name: req.name, leader_id: null, created_at: this.deps.now() })
      .execute();
    return this.team(id, null);
  }

  async updateTeam(actor: Actor, id: string, patch: { name?: string; leaderId?: string | null }) {
    await this.team(id, actor);
    if (patch.leaderId) {
      const m = await this.db
        .selectFrom('volunteer_members')
        .select('id')
        .where('id', '=', patch.leaderId)
        .where('team_id', '=', id)
        .executeTakeFirst();
      if (!m)
        throw new ProblemError('validation', M.leaderNotMember, [
          { field: 'leaderId', rule: 'team_member', message: '' },
        ]);
    }
    await this.db
      .updateTable('volunteer_teams')
      .set({
        ...(patch.name ? { name: patch.name } : {}),
        ...(patch.leaderId !== undefined ? { leader_id: patch.leaderId } : {}),
      })
      .where('id', '=', id)
      .execute();
    return this.team(id, null);
  }

  async members(teamId: string, scope: OrgScope): Promise<Member[]> {
    const team = await this.team(teamId, scope);
    const rows = await this.db
      .selectFrom('volunteer_members')
      .select(['id', 'team_id', 'name', sql<boolean>`phone is not null`.as('has_phone')])
      .where('team_id', '=', teamId)
      .orderBy('name')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      teamId: r.team_id,
      name: r.name,
      hasPhone: r.has_phone,
      leader: r.id === team.leaderId,
    }));
  }

  /** A new member and the token of their phone link (shown once; only its hash is kept). */
  async createMember(
    actor: Actor,
    teamId: string,
    req: CreateMember,
  ): Promise<{ id: string; token: string }> {
    await this.team(teamId, actor).catch(() => {
      throw new ProblemError('not_found', M.noSuchTeam, [
        { field: 'teamId', rule: 'not_found', message: '' },
      ]);
    });
    const id = uuidv7();
    const token = randomBytes(24).toString('base64url');
    await this.db
      .insertInto('volunteer_members')
      .values({
        id,
        team_id: teamId,
        name: req.name,
        phone: req.phone ?? null,
        token_hash: sha256(token),
        created_at: this.deps.now(),
      })
      .execute();
    return { id, token };
  }

  /** A new link for a member who lost theirs: the old token stops working at once. */
  async reissueToken(actor: Actor, memberId: string): Promise<{ id: string; token: string }> {
    await this.memberInScope(memberId, actor);
    const token = randomBytes(24).toString('base64url');
    await this.db
      .updateTable('volunteer_members')
      .set({ token_hash: sha256(token) })
      .where('id', '=', memberId)
      .execute();
    return { id: memberId, token };
  }

  /** The member's team, within the scope (404 outside it): the route audits the phone read after this. */
  async memberInScope(memberId: string, scope: OrgScope) {
    const row = await this.db
      .selectFrom('volunteer_members')
      .select(['id', 'team_id', 'name', 'phone'])
      .where('id', '=', memberId)
      .executeTakeFirst();
    if (!row) throw new ProblemError('not_found', M.noSuchMember);
    await this.team(row.team_id, scope).catch(() => {
      throw new ProblemError('not_found', M.noSuchMember);
    });
    return row;
  }

  // ---- shifts

  private shiftRows(scope: OrgScope | null) {
    let q = this.db
      .selectFrom('volunteer_shifts as s')
      .innerJoin('volunteer_teams as t', 't.id', 's.team_id')
      .select([
        's.id',
        's.team_id',
        't.name as team_name',
        't.org_id',
        's.title',
        's.task',
        's.starts_at',
        's.ends_at',
        's.capacity',
        's.lon',
        's.lat',
        's.radius_m',
        's.area',
      ]);
    if (scope && !isCityLevel(scope)) q = q.where('t.org_id', 'in', orgsUnder(this.db, scope));
    return q;
  }

  private async present(rows: Awaited<ReturnType<ReturnType<VolunteersService['shiftRows']>['execute']>>) {
    const ids = rows.map((r) => r.id);
    const signups = ids.length
      ? await this.db
          .selectFrom('volunteer_signups as g')
          .innerJoin('volunteer_members as m', 'm.id', 'g.member_id')
          .select(['g.shift_id', 'g.member_id', 'm.name', 'g.offered', 'g.checked_in_at', 'g.checked_out_at'])
          .where('g.shift_id', 'in', ids)
          .orderBy('g.signed_at')
          .execute()
      : [];
    return rows.map(
      (r): Shift => ({
        id: r.id,
        teamId: r.team_id,
        teamName: r.team_name,
        orgId: r.org_id,
        title: r.title,
        task: r.task,
        startsAt: iso(r.starts_at),
        endsAt: iso(r.ends_at),
        capacity: r.capacity,
        lon: r.lon,
        lat: r.lat,
        radiusM: r.radius_m,
        area: (typeof r.area === 'string' ? JSON.parse(r.area) : r.area) as Shift['area'],
        signups: signups
          .filter((g) => g.shift_id === r.id)
          .map((g) => ({
            memberId: g.member_id,
            name: g.name,
            offered: g.offered,
            checkedInAt: g.checked_in_at ? iso(g.checked_in_at) : null,
            checkedOutAt: g.checked_out_at ? iso(g.checked_out_at) : null,
          })),
      }),
    );
  }

  async listShifts(
    scope: OrgScope | null,
    q: { teamId?: string; from?: string; to?: string },
  ): Promise<Shift[]> {
    let rows = this.shiftRows(scope);
    if (q.teamId) rows = rows.where('s.team_id', '=', q.teamId);
    if (q.from) rows = rows.where('s.ends_at', '>', new Date(q.from));
    if (q.to) rows = rows.where('s.starts_at', '<', new Date(q.to));
    return this.present(await rows.orderBy('s.starts_at').limit(1000).execute());
  }

  async shift(id: string, scope: OrgScope | null): Promise<Shift> {
    const rows = await this.shiftRows(scope).where('s.id', '=', id).execute();
    if (rows.length === 0) throw new ProblemError('not_found', M.noSuchShift);
    return (await this.present(rows))[0];
  }

  async createShift(actor: Actor, teamId: string, req: CreateShift): Promise<Shift> {
    await this.team(teamId, actor).catch(() => {
      throw new ProblemError('not_found', M.noSuchTeam, [
        { field: 'teamId', rule: 'not_found', message: '' },
      ]);
    });
    const id = uuidv7();
    await this.db
      .insertInto('volunteer_shifts')
      .values({
        id,
        team_id: teamId,
        title: req.title,
        task: req.task,
        starts_at: req.startsAt,
        ends_at: req.endsAt,
        capacity: req.capacity,
        lon: req.lon,
        lat: req.lat,
        radius_m: req.radiusM,
        area: req.area ? JSON.stringify(req.area) : null,
        created_by: actor.userId,
        created_at: this.deps.now(),
      })
      .execute();
    return this.shift(id, null);
  }

  /**
   * Positions posted on a shift, for its org's staff (duty time only: the phone posts while checked
   * in). Staff need to see that the area was walked, not where a named resident went (DESIGN.md:
   * no tracking of named people): each track is labelled by a number local to this shift (1, 2, …
   * in the order the tracks began), never by member id or name.
   */
  async fixes(shiftId: string, scope: OrgScope) {
    await this.shift(shiftId, scope);
    const rows = await this.db
      .selectFrom('volunteer_fixes')
      .select(['member_id', 'at', 'lon', 'lat', 'inside'])
      .where('shift_id', '=', shiftId)
      .orderBy('at')
      .orderBy('member_id')
      .limit(20_000)
      .execute();
    const walkerOf = new Map<string, number>();
    return rows.map((r) => {
      if (!walkerOf.has(r.member_id)) walkerOf.set(r.member_id, walkerOf.size + 1);
      return {
        walker: walkerOf.get(r.member_id) as number,
        at: iso(r.at),
        lon: r.lon,
        lat: r.lat,
        inside: r.inside,
      };
    });
  }

  /** Hours served per member and per team (memberId null) and month, for shifts starting in [from, to). */
  async hours(scope: OrgScope, from: Date, to: Date): Promise<HoursRow[]> {
    const rows = await this.shiftRows(scope)
      .innerJoin('volunteer_signups as g', 'g.shift_id', 's.id')
      .innerJoin('volunteer_members as m', 'm.id', 'g.member_id')
      .select(['g.member_id', 'm.name as member_name', 'g.checked_in_at', 'g.checked_out_at'])
      .where('s.starts_at', '>=', from)
      .where('s.starts_at', '<', to)
      .where('g.checked_in_at', 'is not', null)
      .execute();
    const now = this.deps.now();
    const out = new Map<string, HoursRow>();
    const add = (key: string, base: Omit<HoursRow, 'shifts' | 'hours'>, h: number) => {
      const row = out.get(key) ?? { ...base, shifts: 0, hours: 0 };
      row.shifts += 1;
      row.hours = Math.round((row.hours + h) * 100) / 100;
      out.set(key, row);
    };
    for (const r of rows) {
      // A shift under way counts up to now.
      const until = r.checked_out_at ?? (now < new Date(r.ends_at) ? now : null);
      const h = hoursServed({ startsAt: r.starts_at, endsAt: r.ends_at }, r.checked_in_at, until);
      const month = monthOf(r.starts_at);
      const team = { month, teamId: r.team_id, teamName: r.team_name };
      add(`${month}|${r.team_id}|`, { ...team, memberId: null, name: null }, h);
      add(`${month}|${r.team_id}|${r.member_id}`, { ...team, memberId: r.member_id, name: r.member_name }, h);
    }
    return [...out.values()].sort(
      (a, b) =>
        a.month.localeCompare(b.month) ||
        a.teamName.localeCompare(b.teamName) ||
        (a.memberId === null ? -1 : b.memberId === null ? 1 : (a.name ?? '').localeCompare(b.name ?? '')),
    );
  }

  // ---- the member's own phone link

  async principal(token: string | null): Promise<VolunteerPrincipal> {
    if (!token) throw new ProblemError('unauthenticated', M.badToken);
    const row = await this.db
      .selectFrom('volunteer_members as m')
      .innerJoin('volunteer_teams as t', 't.id', 'm.team_id')
      .select(['m.id', 'm.team_id', 't.org_id', 'm.name'])
      .where('m.token_hash', '=', sha256(token))
      .executeTakeFirst();
    if (!row) throw new ProblemError('unauthenticated', M.badToken);
    return { memberId: row.id, teamId: row.team_id, orgId: row.org_id, name: row.name };
  }

  /** The member's team's shifts from a day ago on (their own sign-ups and the team's offers in them). */
  async mine(me: VolunteerPrincipal) {
    const since = new Date(this.deps.now().getTime() - 86_400_000);
    const shifts = await this.listShifts(null, { teamId: me.teamId, from: since.toISOString() });
    return {
      memberId: me.memberId,
      name: me.name,
      // Others' names are not the member's business: only counts and whether a place is offered.
      shifts: shifts.map((s) => {
        const own = s.signups.find((g) => g.memberId === me.memberId);
        return {
          id: s.id,
          title: s.title,
          task: s.task,
          startsAt: s.startsAt,
          endsAt: s.endsAt,
          capacity: s.capacity,
          signed: s.signups.length,
          offered: s.signups.some((g) => g.offered && g.memberId !== me.memberId),
          lon: s.lon,
          lat: s.lat,
          radiusM: s.radiusM,
          area: s.area,
          mine: own
            ? { offered: own.offered, checkedInAt: own.checkedInAt, checkedOutAt: own.checkedOutAt }
            : null,
        };
      }),
    };
  }

  /** A shift of the member's own team (404 otherwise). */
  private async teamShift(me: VolunteerPrincipal, shiftId: string) {
    const row = await this.db
      .selectFrom('volunteer_shifts')
      .selectAll()
      .where('id', '=', shiftId)
      .where('team_id', '=', me.teamId)
      .executeTakeFirst();
    if (!row) throw new ProblemError('not_found', M.noSuchShift);
    return row;
  }

  private async myShifts(db: Queryable, memberId: string) {
    return db
      .selectFrom('volunteer_signups as g')
      .innerJoin('volunteer_shifts as s', 's.id', 'g.shift_id')
      .select(['s.id', 's.starts_at as startsAt', 's.ends_at as endsAt'])
      .where('g.member_id', '=', memberId)
      .execute();
  }

  private async checkSignUp(
    db: Queryable,
    me: VolunteerPrincipal,
    shift: { id: string; starts_at: Date; ends_at: Date; capacity: number },
    swap: boolean,
  ) {
    const signed = await db
      .selectFrom('volunteer_signups')
      .select((e) => e.fn.countAll<number>().as('n'))
      .where('shift_id', '=', shift.id)
      .executeTakeFirstOrThrow();
    const refusal = signUpRefusal(
      {
        id: shift.id,
        startsAt: shift.starts_at,
        endsAt: shift.ends_at,
        capacity: shift.capacity,
        // Taking an offered place does not add a person to the shift.
        signed: Number(signed.n) - (swap ? 1 : 0),
      },
      await this.myShifts(db, me.memberId),
      this.deps.now(),
    );
    if (refusal) throw refuse(refusal.field, refusal.rule, M.rules[refusal.rule]);
  }

  async signUp(me: VolunteerPrincipal, shiftId: string) {
    const shift = await this.teamShift(me, shiftId);
    await this.db.transaction().execute(async (trx) => {
      // One sign-up at a time per shift, so that two last places are not both taken.
      await trx.selectFrom('volunteer_shifts').select('id').where('id', '=', shiftId).forUpdate().execute();
      await this.checkSignUp(trx, me, shift, false);
      await trx
        .insertInto('volunteer_signups')
        .values({ shift_id: shiftId, member_id: me.memberId, offered: false, signed_at: this.deps.now() })
        .execute();
    });
    await this.audit(me, shiftId, 'sign_up');
  }

  /** The member offers their place on a shift to the team (or withdraws the offer). */
  async offer(me: VolunteerPrincipal, shiftId: string, offered: boolean) {
    const shift = await this.teamShift(me, shiftId);
    if (new Date(shift.starts_at).getTime() <= this.deps.now().getTime())
      throw refuse('shiftId', 'shift_started', M.rules.shift_started);
    const r = await this.db
      .updateTable('volunteer_signups')
      .set({ offered })
      .where('shift_id', '=', shiftId)
      .where('member_id', '=', me.memberId)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw refuse('shiftId', 'not_signed', M.rules.not_signed);
    await this.audit(me, shiftId, offered ? 'offer' : 'withdraw_offer');
  }

  /** The member takes a place another member offered (the earliest offer): the swap. */
  async take(me: VolunteerPrincipal, shiftId: string): Promise<{ from: string }> {
    const shift = await this.teamShift(me, shiftId);
    if (new Date(shift.starts_at).getTime() <= this.deps.now().getTime())
      throw refuse('shiftId', 'shift_started', M.rules.shift_started);
    const from = await this.db.transaction().execute(async (trx) => {
      await trx.selectFrom('volunteer_shifts').select('id').where('id', '=', shiftId).forUpdate().execute();
      const offer = await trx
        .selectFrom('volunteer_signups')
        .select('member_id')
        .where('shift_id', '=', shiftId)
        .where('offered', '=', true)
        .where('member_id', '!=', me.memberId)
        .orderBy('signed_at')
        .limit(1)
        .executeTakeFirst();
      if (!offer) throw refuse('shiftId', 'no_offer', M.rules.no_offer);
      await this.checkSignUp(trx, me, shift, true);
      await trx
        .deleteFrom('volunteer_signups')
        .where('shift_id', '=', shiftId)
        .where('member_id', '=', offer.member_id)
        .execute();
      await trx
        .insertInto('volunteer_signups')
        .values({ shift_id: shiftId, member_id: me.memberId, offered: false, signed_at: this.deps.now() })
        .execute();
      return offer.member_id;
    });
    await this.audit(me, shiftId, 'take', { from });
    return { from };
  }

  /** Check-in by position: within the shift's radius of its place or inside its area, from 30 min before the start. */
  async checkIn(me: VolunteerPrincipal, shiftId: string, at: { lon: number; lat: number }) {
    const shift = await this.teamShift(me, shiftId);
    const now = this.deps.now();
    if (now.getTime() < new Date(shift.starts_at).getTime() - CHECK_IN_EARLY_MIN * 60_000)
      throw refuse('shiftId', 'too_early', M.rules.too_early);
    if (now.getTime() >= new Date(shift.ends_at).getTime())
      throw refuse('shiftId', 'shift_over', M.rules.shift_over);
    const area = (typeof shift.area === 'string' ? JSON.parse(shift.area) : shift.area) as Shift['area'];
    const d = checkInDistance({ lon: shift.lon, lat: shift.lat, radiusM: shift.radius_m, area }, at);
    if (!d.ok)
      throw new ProblemError('conflict', M.tooFar(d.metres, shift.radius_m), [
        { field: 'lon', rule: 'within_shift_area', message: '' },
      ]);
    const r = await this.db
      .updateTable('volunteer_signups')
      .set({ checked_in_at: now, check_in_lon: at.lon, check_in_lat: at.lat })
      .where('shift_id', '=', shiftId)
      .where('member_id', '=', me.memberId)
      .where('checked_in_at', 'is', null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) {
      const signed = await this.db
        .selectFrom('volunteer_signups')
        .select('checked_in_at')
        .where('shift_id', '=', shiftId)
        .where('member_id', '=', me.memberId)
        .executeTakeFirst();
      throw signed
        ? refuse('shiftId', 'already_checked_in', M.rules.already_checked_in)
        : refuse('shiftId', 'not_signed', M.rules.not_signed);
    }
    await this.audit(me, shiftId, 'check_in', { metres: d.metres });
    return { metres: d.metres, checkedInAt: now.toISOString() };
  }

  async checkOut(me: VolunteerPrincipal, shiftId: string) {
    await this.teamShift(me, shiftId);
    const r = await this.db
      .updateTable('volunteer_signups')
      .set({ checked_out_at: this.deps.now() })
      .where('shift_id', '=', shiftId)
      .where('member_id', '=', me.memberId)
      .where('checked_in_at', 'is not', null)
      .where('checked_out_at', 'is', null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw refuse('shiftId', 'not_checked_in', M.rules.not_checked_in);
    await this.audit(me, shiftId, 'check_out');
  }

  /** A patrol's positions, AVL-like: only while checked in, only fixes within the shift's time. */
  async postFixes(
    me: VolunteerPrincipal,
    shiftId: string,
    fixes: { at: string; lon: number; lat: number }[],
  ) {
    const shift = await this.teamShift(me, shiftId);
    const signup = await this.db
      .selectFrom('volunteer_signups')
      .select(['checked_in_at', 'checked_out_at'])
      .where('shift_id', '=', shiftId)
      .where('member_id', '=', me.memberId)
      .executeTakeFirst();
    if (!signup?.checked_in_at || signup.checked_out_at)
      throw refuse('shiftId', 'not_checked_in', M.rules.not_checked_in);
    const start = new Date(shift.starts_at).getTime() - CHECK_IN_EARLY_MIN * 60_000;
    const end = new Date(shift.ends_at).getTime();
    const now = this.deps.now().getTime();
    const area = (typeof shift.area === 'string' ? JSON.parse(shift.area) : shift.area) as Shift['area'];
    const kept = fixes.filter((f) => {
      const t = Date.parse(f.at);
      return t >= start && t <= end && t <= now + 60_000;
    });
    if (kept.length > 0)
      await this.db
        .insertInto('volunteer_fixes')
        .values(
          kept.map((f) => ({
            shift_id: shiftId,
            member_id: me.memberId,
            at: f.at,
            lon: f.lon,
            lat: f.lat,
            inside: checkInDistance({ lon: shift.lon, lat: shift.lat, radiusM: shift.radius_m, area }, f).ok,
          })),
        )
        .onConflict((oc) => oc.columns(['shift_id', 'member_id', 'at']).doNothing())
        .execute();
    return { accepted: kept.length, dropped: fixes.length - kept.length };
  }

  /** Members write without a session: their writes are audited here, naming the shift. */
  private audit(me: VolunteerPrincipal, shiftId: string, what: string, detail: Record<string, unknown> = {}) {
    return recordAudit(
      this.db,
      {
        userId: null,
        username: `volunteer:${me.memberId}`,
        action: 'write',
        resource: `volunteer-shift:${shiftId}`,
        detail: { what, memberId: me.memberId, ...detail },
      },
      this.deps.now(),
    );
  }
}

function presentTeam(r: {
  id: string;
  name: string;
  org_id: string;
  org_name: string;
  leader_id: string | null;
  member_count: number | string | null;
}): Team {
  return {
    id: r.id,
    name: r.name,
    org: { id: r.org_id, name: r.org_name },
    leaderId: r.leader_id,
    memberCount: Number(r.member_count ?? 0),
  };
}

/** The month window 'YYYY-MM' … 'YYYY-MM' (inclusive) in China Standard Time. */
export function monthWindow(from: string, to: string): { from: Date; to: Date } {
  const start = new Date(`${from}-01T00:00:00+08:00`);
  const [y, m] = to.split('-').map(Number);
  const end = new Date(
    `${m === 12 ? y + 1 : y}-${String(m === 12 ? 1 : m + 1).padStart(2, '0')}-01T00:00:00+08:00`,
  );
  return { from: start, to: end };
}
