import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';
import { purgeVolunteerPositions } from './volunteer-retention.js';

const SPOT = { lon: 114.1955, lat: 22.6955 };
const BOX = {
  type: 'Polygon' as const,
  coordinates: [
    [
      [114.188, 22.688],
      [114.203, 22.688],
      [114.203, 22.703],
      [114.188, 22.703],
      [114.188, 22.688],
    ],
  ],
};
const H = 3_600_000;

describe(`volunteers and teams (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let officer: string;
  let sibling: string;

  beforeAll(async () => {
    t = await createTestApp();
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const orgs = (await t.as(admin, { method: 'GET', url: '/api/orgs' })).json().items as {
      id: string;
      name: string;
    }[];
    const user = async (username: string, org: string, role: string) => {
      const r = await t.as(admin, {
        method: 'POST',
        url: '/api/users',
        payload: {
          username,
          displayName: username,
          password: 'a-long-password',
          orgId: orgs.find((o) => o.name === org)!.id,
          roles: [role],
        },
      });
      expect(r.statusCode, r.body).toBe(201);
      return t.login(username, 'a-long-password');
    };
    officer = await user('vol.officer', '龙城派出所', 'community_officer');
    sibling = await user('vol.sibling', '龙岗派出所', 'community_officer');
  }, 120_000);
  afterAll(() => t.close());

  const at = (ms: number) => new Date(t.ctx.now().getTime() + ms).toISOString();
  const me = (token: string, path: string, payload: Record<string, unknown>) =>
    t.app.inject({
      method: 'POST',
      url: `/api/community/volunteer/me/${path}`,
      headers: { authorization: `Bearer ${token}`, 'accept-language': 'en' },
      payload,
    });

  it('runs a team: members, shifts with capacity, overlap and swaps, check-in by position, patrol fixes, hours', async () => {
    const team = await t.as(officer, {
      method: 'POST',
      url: '/api/community/volunteer-teams',
      payload: { name: '龙城红袖标巡逻队' },
    });
    expect(team.statusCode, team.body).toBe(201);
    const teamId = team.json().id as string;
    const member = async (name: string, phone?: string) => {
      const r = await t.as(officer, {
        method: 'POST',
        url: '/api/community/volunteer-members',
        payload: { teamId, name, ...(phone ? { phone } : {}) },
      });
      expect(r.statusCode, r.body).toBe(201);
      return r.json() as { id: string; token: string };
    };
    const a = await member('陈阿姨', '13800000011');
    const b = await member('刘大爷');
    const c = await member('小王');
    const leader = await t.as(officer, {
      method: 'PATCH',
      url: `/api/community/volunteer-teams/${teamId}`,
      payload: { leaderId: a.id },
    });
    expect(leader.json()).toMatchObject({ leaderId: a.id, memberCount: 3 });

    // The list shows no phone; reading it needs a purpose and leaves an audit row.
    const members = await t.as(officer, {
      method: 'GET',
      url: `/api/community/volunteer-teams/${teamId}/members`,
    });
    expect(members.body).not.toContain('13800000011');
    expect(members.json().items.find((m: { id: string }) => m.id === a.id)).toMatchObject({
      hasPhone: true,
      leader: true,
    });
    const noPurpose = await t.as(officer, {
      method: 'GET',
      url: `/api/community/volunteer-members/${a.id}/phone`,
    });
    expect(noPurpose.statusCode).toBe(428);
    const phone = await t.as(officer, {
      method: 'GET',
      url: `/api/community/volunteer-members/${a.id}/phone`,
      headers: { 'x-purpose': encodeURIComponent('通知排班变更') },
    });
    expect(phone.json().phone).toBe('13800000011');
    const reads = await t.ctx.db.kysely
      .selectFrom('audit_log')
      .select(['purpose'])
      .where('resource', '=', `volunteer-member:${a.id}`)
      .where('action', '=', 'personal_data_read')
      .execute();
    expect(reads).toEqual([{ purpose: '通知排班变更' }]);

    // Writes name the resource in the audit log.
    // (the hook writes the row after the answer: wait for it)
    await vi.waitFor(async () => {
      const audited = await t.ctx.db.kysely
        .selectFrom('audit_log')
        .select('resource')
        .where('action', '=', 'write')
        .where('resource', 'in', [`volunteer-team:${teamId}`, `volunteer-member:${a.id}`])
        .execute();
      expect(audited.map((r) => r.resource).sort()).toEqual(
        [`volunteer-member:${a.id}`, `volunteer-team:${teamId}`, `volunteer-team:${teamId}`].sort(),
      );
    });

    // Another station sees none of it.
    const theirs = await t.as(sibling, { method: 'GET', url: '/api/community/volunteer-teams' });
    expect(theirs.body).not.toContain(teamId);
    expect(
      (
        await t.as(sibling, {
          method: 'GET',
          url: `/api/community/volunteer-members/${a.id}/phone`,
          headers: { 'x-purpose': 'x%E6%9F%A5' },
        })
      ).statusCode,
    ).toBe(404);

    const shift = async (body: Record<string, unknown>) => {
      const r = await t.as(officer, {
        method: 'POST',
        url: '/api/community/volunteer-shifts',
        payload: { teamId, ...SPOT, ...body },
      });
      expect(r.statusCode, r.body).toBe(201);
      return r.json().id as string;
    };
    const morning = await shift({ title: '早高峰校门值守', startsAt: at(H), endsAt: at(3 * H), capacity: 2 });
    const overlapping = await shift({
      title: '菜市场值守',
      startsAt: at(2 * H),
      endsAt: at(4 * H),
      capacity: 5,
    });
    const patrol = await shift({
      title: '夜间巡逻',
      task: 'patrol',
      area: BOX,
      startsAt: at(5 * H),
      endsAt: at(7 * H),
      capacity: 3,
    });
    // A patrol without an area is refused, naming the field.
    const noArea = await t.as(officer, {
      method: 'POST',
      url: '/api/community/volunteer-shifts',
      payload: {
        teamId,
        ...SPOT,
        title: '巡逻',
        task: 'patrol',
        startsAt: at(H),
        endsAt: at(2 * H),
        capacity: 1,
      },
    });
    expect(noArea.statusCode).toBe(400);
    expect(noArea.json().errors[0].field).toBe('area');

    expect((await me(a.token, 'signups', { shiftId: morning })).statusCode).toBe(200);
    expect((await me(b.token, 'signups', { shiftId: morning })).statusCode).toBe(200);
    const full = await me(c.token, 'signups', { shiftId: morning });
    expect(full.statusCode).toBe(409);
    expect(full.json().errors).toMatchObject([{ field: 'shiftId', rule: 'capacity' }]);
    const overlap = await me(a.token, 'signups', { shiftId: overlapping });
    expect(overlap.statusCode).toBe(409);
    expect(overlap.json().errors).toMatchObject([{ field: 'shiftId', rule: 'overlap' }]);
    expect((await me('not-a-real-token-xyz', 'signups', { shiftId: morning })).statusCode).toBe(401);

    // A swap: 陈阿姨 offers her place, 小王 takes it.
    const noOffer = await me(c.token, 'takes', { shiftId: morning });
    expect(noOffer.json().errors).toMatchObject([{ field: 'shiftId', rule: 'no_offer' }]);
    expect((await me(a.token, 'offers', { shiftId: morning })).statusCode).toBe(200);
    const took = await me(c.token, 'takes', { shiftId: morning });
    expect(took.statusCode, took.body).toBe(200);
    expect(took.json()).toEqual({ from: a.id });
    const roster = (
      await t.as(officer, { method: 'GET', url: `/api/community/volunteer-shifts?teamId=${teamId}` })
    ).json().items as { id: string; signups: { memberId: string }[] }[];
    expect(
      roster
        .find((s) => s.id === morning)!
        .signups.map((g) => g.memberId)
        .sort(),
    ).toEqual([b.id, c.id].sort());
    // A member's link shows the team's shifts with counts, never another member's name.
    const view = await t.app.inject({
      method: 'GET',
      url: '/api/community/volunteer/me',
      headers: { authorization: `Bearer ${b.token}` },
    });
    expect(view.json().shifts.find((s: { id: string }) => s.id === morning)).toMatchObject({
      signed: 2,
      capacity: 2,
      mine: { offered: false, checkedInAt: null },
    });
    expect(view.body).not.toContain('小王');
    // Now 陈阿姨 is free for the overlapping shift.
    expect((await me(a.token, 'signups', { shiftId: overlapping })).statusCode).toBe(200);
    const swapAudit = await t.ctx.db.kysely
      .selectFrom('audit_log')
      .select(['username', 'resource'])
      .where('resource', '=', `volunteer-shift:${morning}`)
      .execute();
    expect(swapAudit).toContainEqual({
      username: `volunteer:${c.id}`,
      resource: `volunteer-shift:${morning}`,
    });

    // Check-in: too early, then too far (about 1.1 km off), then at the gate.
    const early = await me(c.token, 'check-in', { shiftId: morning, ...SPOT });
    expect(early.json().errors).toMatchObject([{ field: 'shiftId', rule: 'too_early' }]);
    t.advance(H);
    const far = await me(c.token, 'check-in', { shiftId: morning, lon: SPOT.lon, lat: SPOT.lat + 0.01 });
    expect(far.statusCode).toBe(409);
    expect(far.json().errors).toMatchObject([{ field: 'lon', rule: 'within_shift_area' }]);
    const near = await me(c.token, 'check-in', { shiftId: morning, lon: SPOT.lon + 0.001, lat: SPOT.lat });
    expect(near.statusCode, near.body).toBe(200);
    expect(near.json().metres).toBeGreaterThan(80);
    expect((await me(b.token, 'check-in', { shiftId: morning, ...SPOT })).statusCode).toBe(200);
    t.advance(H);
    expect((await me(b.token, 'check-out', { shiftId: morning })).statusCode).toBe(200);

    // The patrol: 刘大爷 signs up, checks in inside the area far from its place, posts positions.
    expect((await me(b.token, 'signups', { shiftId: patrol })).statusCode).toBe(200);
    t.advance(3 * H);
    const inArea = { lon: 114.2, lat: 22.7 };
    expect((await me(b.token, 'check-in', { shiftId: patrol, ...inArea })).statusCode).toBe(200);
    const fixes = await me(b.token, 'fixes', {
      shiftId: patrol,
      fixes: [
        { at: at(-60_000), ...inArea },
        { at: at(-30_000), lon: 114.25, lat: 22.75 },
        { at: at(-10 * H), ...inArea },
      ],
    });
    expect(fixes.json()).toEqual({ accepted: 2, dropped: 1 });
    officer = await t.login('vol.officer', 'a-long-password');
    sibling = await t.login('vol.sibling', 'a-long-password');
    const track = await t.as(officer, {
      method: 'GET',
      url: `/api/community/volunteer-shifts/${patrol}/fixes`,
    });
    expect(track.json().items.map((f: { inside: boolean }) => f.inside)).toEqual([true, false]);
    // The track shows the area was walked, not by whom: a shift-local number, no member id or name.
    expect(track.json().items.map((f: { walker: number }) => f.walker)).toEqual([1, 1]);
    expect(track.body).not.toContain(b.id);
    expect(track.body).not.toContain('刘大爷');
    expect(
      (await t.as(sibling, { method: 'GET', url: `/api/community/volunteer-shifts/${patrol}/fixes` }))
        .statusCode,
    ).toBe(404);
    t.advance(3 * H);

    // A lost link: a new one; the old one stops working, another station cannot.
    officer = await t.login('vol.officer', 'a-long-password');
    sibling = await t.login('vol.sibling', 'a-long-password');
    const fresh = await t.as(officer, {
      method: 'POST',
      url: `/api/community/volunteer-members/${a.id}/token`,
    });
    expect(fresh.statusCode, fresh.body).toBe(200);
    expect((await me(a.token, 'check-out', { shiftId: overlapping })).statusCode).toBe(401);
    expect((await me(fresh.json().token, 'check-out', { shiftId: overlapping })).json().errors).toMatchObject(
      [{ field: 'shiftId', rule: 'not_checked_in' }],
    );
    expect(
      (await t.as(sibling, { method: 'POST', url: `/api/community/volunteer-members/${a.id}/token` }))
        .statusCode,
    ).toBe(404);

    // Hours: 小王 from check-in (the start) to the end, 2 h; 刘大爷 1 h on the morning, 2 h on patrol.
    officer = await t.login('vol.officer', 'a-long-password');
    sibling = await t.login('vol.sibling', 'a-long-password');
    const month = (ms: number) => new Date(t.ctx.now().getTime() + ms + 8 * H).toISOString().slice(0, 7);
    const window = `from=${month(-12 * H)}&to=${month(0)}`;
    const hours = (
      await t.as(officer, { method: 'GET', url: `/api/community/volunteer-hours?${window}` })
    ).json().items as { memberId: string | null; teamId: string; hours: number; shifts: number }[];
    const mine = hours.filter((h) => h.teamId === teamId);
    const sum = (id: string | null) =>
      mine
        .filter((h) => h.memberId === id)
        .reduce((s, h) => ({ hours: s.hours + h.hours, shifts: s.shifts + h.shifts }), {
          hours: 0,
          shifts: 0,
        });
    expect(sum(c.id)).toEqual({ hours: 2, shifts: 1 });
    expect(sum(b.id)).toEqual({ hours: 3, shifts: 2 });
    expect(sum(null)).toEqual({ hours: 5, shifts: 3 });
    expect(mine.find((h) => h.memberId === a.id)).toBeUndefined();
    const siblingHours = await t.as(sibling, {
      method: 'GET',
      url: `/api/community/volunteer-hours?${window}`,
    });
    expect(siblingHours.body).not.toContain(teamId);
  });

  it('removes volunteers’ positions after the AVL retention; hours served stay', async () => {
    const db = t.ctx.db.kysely;
    const count = async () => ({
      fixes: Number(
        (
          await db
            .selectFrom('volunteer_fixes')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      ),
      positions: Number(
        (
          await db
            .selectFrom('volunteer_signups')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('check_in_lon', 'is not', null)
            .executeTakeFirstOrThrow()
        ).n,
      ),
    });
    const before = await count();
    expect(before.fixes).toBeGreaterThan(0);
    expect(before.positions).toBeGreaterThan(0);
    const hours = async () => {
      const officer = await t.login('vol.officer', 'a-long-password');
      const month = new Date(t.ctx.now().getTime() + 8 * H).toISOString().slice(0, 7);
      return (
        await t.as(officer, {
          method: 'GET',
          url: `/api/community/volunteer-hours?from=${month}&to=${month}`,
        })
      ).json().items;
    };
    const served = await hours();
    // Within the retention nothing goes.
    expect(await purgeVolunteerPositions(db, 90, t.ctx.now())).toEqual({ fixes: 0, checkInPositions: 0 });
    const later = new Date(t.ctx.now().getTime() + 91 * 24 * H);
    expect(await purgeVolunteerPositions(db, 90, later)).toEqual({
      fixes: before.fixes,
      checkInPositions: before.positions,
    });
    expect(await count()).toEqual({ fixes: 0, positions: 0 });
    expect(await hours()).toEqual(served);
    const audit = await db
      .selectFrom('audit_log')
      .select('detail')
      .where('resource', '=', 'retention_purge')
      .orderBy('seq', 'desc')
      .executeTakeFirstOrThrow();
    expect(audit.detail).toMatchObject({
      volunteerFixes: before.fixes,
      volunteerCheckInPositions: before.positions,
    });
    // Counts and the cut-off only, never a position.
    expect(Object.keys(audit.detail as object).sort()).toEqual([
      'positionsBefore',
      'volunteerCheckInPositions',
      'volunteerFixes',
    ]);
    // A second run finds nothing and writes no audit row.
    expect(await purgeVolunteerPositions(db, 90, later)).toEqual({ fixes: 0, checkInPositions: 0 });
  });
});
