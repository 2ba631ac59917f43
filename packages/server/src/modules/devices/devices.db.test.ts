import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../demo.js';
import { verifyAuditChain } from '../../identity/audit.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';
import { asDevice, issueDevice } from '../../test/devices.js';

const LONGCHENG = '龙城派出所';

/** Devices as principals: tokens bound to one checkpoint or unit, shown once, revocable, audited. */
describe(`devices (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let admin: string;
  const orgs: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    admin = await t.login('admin', ADMIN_PASSWORD);
    for (const o of (await t.as(admin, { method: 'GET', url: '/api/orgs' })).json().items as {
      id: string;
      name: string;
    }[])
      orgs[o.name] = o.id;
    for (const [username, roles, org] of [
      ['station.admin', ['admin'], '坂田派出所'],
      ['commander.qian', ['commander'], '深圳市公安局'],
      ['auditor.sun', ['auditor'], '深圳市公安局'],
    ] as const) {
      const r = await t.as(admin, {
        method: 'POST',
        url: '/api/users',
        payload: { username, displayName: username, password: 'a-long-password', orgId: orgs[org], roles },
      });
      expect(r.statusCode, r.body).toBe(201);
    }
    for (const [id, lon, lat, org] of [
      ['CP-DEV-A', 114.2005, 22.6805, '龙城派出所'],
      ['CP-DEV-B', 114.2225, 22.6955, '坂田派出所'],
    ] as const) {
      const r = await t.as(admin, {
        method: 'POST',
        url: '/api/perimeter/checkpoints',
        payload: { id, name: `${id} 卡口`, kind: 'camera', orgId: orgs[org], lon, lat },
      });
      expect(r.statusCode, r.body).toBe(201);
    }
  });
  afterAll(() => t.close());

  const read = (extra: Record<string, unknown> = {}) => ({
    plate: '粤B12345',
    at: new Date(t.ctx.now().getTime() - 1000).toISOString(),
    direction: 'in',
    ...extra,
  });
  const postReads = (token: string, reads: unknown[]) =>
    asDevice(t, token, { method: 'POST', url: '/api/perimeter/reads', payload: { reads } });
  const auditRows = (resource: string) =>
    t.testDb.db.kysely
      .selectFrom('audit_log')
      .select(['action', 'username', 'resource', 'detail'])
      .where('resource', '=', resource)
      .orderBy('seq')
      .execute();

  it('issues a token once, stores only its hash, lists the device without it, and audits the issue', async () => {
    const r = await t.as(admin, {
      method: 'POST',
      url: '/api/devices',
      payload: { kind: 'camera', name: '龙城卡口相机1', checkpointId: 'CP-DEV-A' },
    });
    expect(r.statusCode, r.body).toBe(201);
    const issued = r.json();
    expect(issued).toMatchObject({
      kind: 'camera',
      checkpointId: 'CP-DEV-A',
      unitId: null,
      orgId: orgs[LONGCHENG],
      active: true,
      createdBy: 'admin',
      mqttTopic: 'citywatch/plates/CP-DEV-A',
    });
    expect(issued.token).toMatch(/^cwd_[A-Za-z0-9_-]{43}$/);
    const listed = (await t.as(admin, { method: 'GET', url: '/api/devices' })).json().items;
    const mine = listed.find((d: { id: string }) => d.id === issued.id);
    expect(mine).toMatchObject({ name: '龙城卡口相机1', lastSeenAt: null });
    expect(mine).not.toHaveProperty('token');
    // Neither the table nor the audit chain holds the token itself.
    const dump = JSON.stringify(await t.testDb.db.kysely.selectFrom('devices').selectAll().execute());
    const audit = JSON.stringify(await t.testDb.db.kysely.selectFrom('audit_log').selectAll().execute());
    expect(dump).not.toContain(issued.token);
    expect(audit).not.toContain(issued.token);
    const rows = await auditRows(`device:${issued.id}`);
    expect(rows.map((a) => a.detail.change ?? a.action)).toContain('issue_device');
    expect(rows.find((a) => a.detail.change === 'issue_device')).toMatchObject({
      username: 'admin',
      detail: { before: null, after: { kind: 'camera', checkpointId: 'CP-DEV-A' } },
    });
  });

  it('a camera posts only for its checkpoint: a read naming another is refused and audited', async () => {
    const camera = await issueDevice(t, { checkpointId: 'CP-DEV-A' });
    const r = await postReads(camera.token, [
      read(),
      read({ checkpointId: 'CP-DEV-A' }),
      read({ plate: '粤B54321', checkpointId: 'CP-DEV-B' }),
    ]);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({
      accepted: 2,
      hits: 0,
      invalid: 0,
      rejected: [{ index: 2, reason: 'not_bound_checkpoint' }],
    });
    const refused = (await auditRows('checkpoint:CP-DEV-A')).filter((a) => a.action === 'permission_denied');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({
      username: `device:camera CP-DEV-A`,
      detail: { reason: 'not_bound_checkpoint', deviceId: camera.id, refused: 1, claimed: ['CP-DEV-B'] },
    });
    // The refused read's plate is not written anywhere (hit/no-hit holds for refused reads too).
    expect(JSON.stringify(refused)).not.toContain('粤B54321');
    // Last seen is recorded.
    const listed = (await t.as(admin, { method: 'GET', url: '/api/devices' })).json().items;
    expect(listed.find((d: { id: string }) => d.id === camera.id).lastSeenAt).toBe(t.ctx.now().toISOString());
  });

  it('a read naming a checkpoint by a value nested 50,000 deep is refused as not bound, not a 500', async () => {
    const camera = await issueDevice(t, { checkpointId: 'CP-DEV-A' });
    const depth = 50_000;
    const payload = `{"reads":[{"plate":"粤B11111","at":"${t.ctx.now().toISOString()}","checkpointId":${'['.repeat(depth)}1${']'.repeat(depth)},"direction":"in","confidence":0.9}]}`;
    const r = await asDevice(t, camera.token, {
      method: 'POST',
      url: '/api/perimeter/reads',
      payload,
      headers: { 'content-type': 'application/json' },
    });
    expect(r.statusCode, r.body.slice(0, 300)).toBe(200);
    expect(r.json().accepted).toBe(0);
  });

  it('refuses people on plate ingest, other kinds of device, unknown tokens and no credentials', async () => {
    const commander = await t.login('commander.qian', 'a-long-password');
    const byPerson = await t.as(commander, {
      method: 'POST',
      url: '/api/perimeter/reads',
      payload: { reads: [read({ checkpointId: 'CP-DEV-A' })] },
    });
    expect(byPerson.statusCode).toBe(403);
    const byAdmin = await t.as(admin, {
      method: 'POST',
      url: '/api/perimeter/reads',
      payload: { reads: [read({ checkpointId: 'CP-DEV-A' })] },
    });
    expect(byAdmin.statusCode).toBe(403);
    const anonymous = await t.app.inject({
      method: 'POST',
      url: '/api/perimeter/reads',
      payload: { reads: [read()] },
    });
    expect(anonymous.statusCode).toBe(401);
    const forged = await postReads('cwd_notARealTokenAtAllButLongEnough0123456789abcdef', [read()]);
    expect(forged.statusCode).toBe(401);
    // A camera's token is not an AVL terminal's.
    const camera = await issueDevice(t, { checkpointId: 'CP-DEV-A' });
    const avl = await asDevice(t, camera.token, {
      method: 'POST',
      url: '/api/dispatch/avl',
      payload: { positions: [{ unitId: camera.id, at: t.ctx.now().toISOString(), lon: 114.2, lat: 22.68 }] },
    });
    expect(avl.statusCode).toBe(403);
    // A device token is no session: it opens no person's route.
    const users = await asDevice(t, camera.token, { method: 'GET', url: '/api/users' });
    expect(users.statusCode).toBe(401);
  });

  it('a revoked token is refused at once; a re-issued token replaces the old one', async () => {
    const camera = await issueDevice(t, { checkpointId: 'CP-DEV-A' });
    expect((await postReads(camera.token, [read()])).statusCode).toBe(200);
    const revoked = await t.as(admin, {
      method: 'POST',
      url: `/api/devices/${camera.id}/revoke`,
      payload: { reason: '设备丢失' },
    });
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect(revoked.json()).toMatchObject({ active: false, revokeReason: '设备丢失' });
    expect((await postReads(camera.token, [read()])).statusCode).toBe(401);
    const again = await t.as(admin, {
      method: 'POST',
      url: `/api/devices/${camera.id}/revoke`,
      payload: { reason: '再次吊销' },
    });
    expect(again.statusCode).toBe(409);
    expect(
      (await auditRows(`device:${camera.id}`)).find((a) => a.detail.change === 'revoke_device'),
    ).toMatchObject({ username: 'admin', detail: { after: { active: false, reason: '设备丢失' } } });

    const other = await issueDevice(t, { checkpointId: 'CP-DEV-A' });
    const reissued = await t.as(admin, { method: 'POST', url: `/api/devices/${other.id}/token` });
    expect(reissued.statusCode, reissued.body).toBe(200);
    expect(reissued.json().token).not.toBe(other.token);
    expect((await postReads(other.token, [read()])).statusCode).toBe(401);
    expect((await postReads(reissued.json().token, [read()])).statusCode).toBe(200);
  });

  it('keeps devices to their org: a station admin sees, revokes and binds only within the station', async () => {
    const lc = await issueDevice(t, { checkpointId: 'CP-DEV-A' });
    const station = await t.login('station.admin', 'a-long-password');
    const listed = (await t.as(station, { method: 'GET', url: '/api/devices' })).json().items as {
      id: string;
    }[];
    expect(listed.map((d) => d.id)).not.toContain(lc.id);
    const revoke = await t.as(station, {
      method: 'POST',
      url: `/api/devices/${lc.id}/revoke`,
      payload: { reason: '越权吊销' },
    });
    expect(revoke.statusCode).toBe(404);
    const foreign = await t.as(station, {
      method: 'POST',
      url: '/api/devices',
      payload: { kind: 'camera', name: '越权', checkpointId: 'CP-DEV-A' },
    });
    expect(foreign.statusCode).toBe(400);
    expect(foreign.json().errors).toEqual([
      expect.objectContaining({ field: 'checkpointId', rule: 'org_in_scope' }),
    ]);
    const own = await t.as(station, {
      method: 'POST',
      url: '/api/devices',
      payload: { kind: 'camera', name: '坂田卡口相机', checkpointId: 'CP-DEV-B' },
    });
    expect(own.statusCode, own.body).toBe(201);
    expect(
      (await t.as(station, { method: 'GET', url: '/api/devices' }))
        .json()
        .items.map((d: { id: string }) => d.id),
    ).toEqual([own.json().id]);
  });

  it('only admins issue and revoke; auditors read; bindings must exist', async () => {
    const commander = await t.login('commander.qian', 'a-long-password');
    const denied = await t.as(commander, {
      method: 'POST',
      url: '/api/devices',
      payload: { kind: 'camera', name: 'x', checkpointId: 'CP-DEV-A' },
    });
    expect(denied.statusCode).toBe(403);
    expect((await t.as(commander, { method: 'GET', url: '/api/devices' })).statusCode).toBe(403);
    const auditor = await t.login('auditor.sun', 'a-long-password');
    expect((await t.as(auditor, { method: 'GET', url: '/api/devices' })).statusCode).toBe(200);
    const noCheckpoint = await t.as(admin, {
      method: 'POST',
      url: '/api/devices',
      payload: { kind: 'camera', name: 'x', checkpointId: 'CP-NOWHERE' },
    });
    expect(noCheckpoint.statusCode).toBe(400);
    expect(noCheckpoint.json().errors).toEqual([
      expect.objectContaining({ field: 'checkpointId', rule: 'reference' }),
    ]);
    const noUnit = await t.as(admin, {
      method: 'POST',
      url: '/api/devices',
      payload: { kind: 'avl', name: 'x', unitId: '01900000-0000-7000-8000-000000000000' },
    });
    expect(noUnit.statusCode).toBe(400);
    expect(noUnit.json().errors).toEqual([expect.objectContaining({ field: 'unitId', rule: 'reference' })]);
    const both = await t.as(admin, {
      method: 'POST',
      url: '/api/devices',
      payload: {
        kind: 'camera',
        name: 'x',
        checkpointId: 'CP-DEV-A',
        unitId: '01900000-0000-7000-8000-000000000000',
      },
    });
    expect(both.statusCode).toBe(400);
    expect((await verifyAuditChain(t.testDb.db.kysely)).ok).toBe(true);
  });
});
