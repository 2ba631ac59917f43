import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';

/** A community-device register as a sub-bureau sends it (Chinese headers). */
const MAPPING = {
  target: 'sensors.devices',
  fields: {
    community: { column: '所属小区', type: 'string' },
    kind: { column: '设备类型', type: 'string' },
    name: { column: '设备名称', type: 'string' },
    code: { column: '设备编码', type: 'string' },
    address: { column: '安装地址', type: 'string' },
    lon: { column: '经度', type: 'number' },
    lat: { column: '纬度', type: 'number' },
    streamUrl: { column: '视频流', type: 'string' },
  },
};
const KINDS = ['摄像机', '一键报警柱', '烟感', '门禁', '道闸', 'crowd_counter'];
/** Devices in the register: the bundled city has 32 named places and addresses. */
const N = 30;
const cell = (v: string) => v.replaceAll(',', ' ');

/**
 * The community-device target of 数据融合 on the bundled city (Shenzhen Longgang): devices placed at
 * the city's real OpenStreetMap places and addresses (their gazetteer labels and positions), in two
 * communities of 龙城派出所, registered as the 智慧小区 page registers them (a token each, hashed,
 * audited), with the quality report by reason, a re-run that writes nothing, and need to know.
 */
describe(`connectors: community devices (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let admin: string;
  let people: Awaited<ReturnType<TestApp['users']>>;
  let places: { label: string; lon: number; lat: number }[] = [];
  let csv = '';
  let connectorId = '';
  const communityIds: string[] = [];
  const post = (url: string, payload: unknown, cookie = admin) =>
    t.as(cookie, { method: 'POST', url, payload: payload as Record<string, unknown> });
  const get = (url: string, cookie = admin) => t.as(cookie, { method: 'GET', url });
  const db = () => t.ctx.db.kysely;

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    admin = await t.login('admin', ADMIN_PASSWORD);
    people = await t.users(admin, [
      ['bt.admin', ['admin'], '坂田派出所'],
      ['lc.disp', ['dispatcher'], '龙城派出所'],
      ['lc.audit', ['auditor'], '龙城派出所'],
    ]);
    const orgs = (await get('/api/orgs')).json().items as { id: string; name: string }[];
    const longcheng = orgs.find((o) => o.name === '龙城派出所')!.id;
    for (const name of ['龙城花园', '愉园新村']) {
      const c = await post('/api/sensors/communities', { name, orgId: longcheng });
      expect(c.statusCode, c.body).toBe(201);
      communityIds.push(c.json().id);
    }
    // Real positions: the city's named places and addresses, one per label.
    const city = await t.ctx.places.city(undefined);
    const rows = await db()
      .selectFrom('gazetteer')
      .select(['label', 'lon', 'lat'])
      .where('city_id', '=', city.id)
      .where('kind', 'in', ['place', 'address'])
      .orderBy('id')
      .limit(400)
      .execute();
    const seen = new Set<string>();
    places = rows.filter((r) => r.label.length <= 60 && !seen.has(r.label) && seen.add(r.label)).slice(0, N);
    expect(places.length).toBe(N);
    const lines = ['所属小区,设备类型,设备名称,设备编码,安装地址,经度,纬度,视频流'];
    places.forEach((p, i) => {
      const kind = KINDS[i % KINDS.length];
      const stream = kind === '摄像机' ? `https://video.example.org/hls/lg-${i}.m3u8` : '';
      lines.push(
        [
          ['龙城花园', '愉园新村'][i % 2],
          kind,
          cell(`${p.label} ${kind}`),
          `LG-${String(i + 1).padStart(4, '0')}`,
          cell(p.label),
          p.lon.toFixed(7),
          p.lat.toFixed(7),
          stream,
        ].join(','),
      );
    });
    lines.push(lines[3]); // sent twice: a duplicate code in the run
    const p = places[0];
    const at = `${p.lon.toFixed(7)},${p.lat.toFixed(7)}`;
    lines.push(`不存在的小区,烟感,烟感 A,LG-9001,${cell(p.label)},${at},`); // unknown_community
    lines.push(`龙城花园,水表,水表 B,LG-9002,${cell(p.label)},${at},`); // unknown_kind
    lines.push(`龙城花园,摄像机,摄像机 C,LG-9003,${cell(p.label)},${at},不是网址`); // invalid_streamUrl
    lines.push(`龙城花园,门禁,门禁 D,LG-9004,${cell(p.label)},东经114,${p.lat}`); // not_a_number
    lines.push(`龙城花园,门禁,门禁 E,LG-9005,${cell(p.label)},0,0,`); // bad_position
    csv = lines.join('\n');
  }, 240_000);
  afterAll(async () => {
    await t?.close();
  });

  it('registers the devices at their real positions, with a token each that no report holds', async () => {
    const c = await post('/api/connectors', {
      name: '社区设备台账',
      source: { kind: 'file' },
      mapping: MAPPING,
      batchSize: 20,
    });
    expect(c.statusCode, c.body).toBe(201);
    connectorId = c.json().id;
    const res = await post(`/api/connectors/${connectorId}/runs`, { content: csv });
    expect(res.statusCode, res.body).toBe(201);
    const run = res.json();
    expect(run.status, res.body).toBe('succeeded');
    expect(run.written).toBe(N);
    expect(run.batchesWritten).toBe(2);
    expect(run.report).toMatchObject({
      read: N + 6,
      accepted: N,
      duplicates: 1,
      rejectedTotal: 5,
      rejected: {
        unknown_community: 1,
        unknown_kind: 1,
        invalid_streamUrl: 1,
        not_a_number: 1,
        bad_position: 1,
      },
    });

    // In the registry as the 智慧小区 page shows it: its community, kind, name with code, position.
    const listed = (await get('/api/sensors/devices')).json().items as {
      id: string;
      communityId: string;
      kind: string;
      name: string;
      address: string;
      lon: number;
      lat: number;
      streamUrl: string | null;
    }[];
    expect(listed).toHaveLength(N);
    places.forEach((p, i) => {
      const d = listed.find(
        (x) => x.name === `${p.label} ${KINDS[i % KINDS.length]}（LG-${String(i + 1).padStart(4, '0')}）`,
      );
      expect(d, p.label).toBeDefined();
      expect(d!.communityId).toBe(communityIds[i % 2]);
      expect(d!.address).toBe(p.label);
      expect(d!.lon).toBeCloseTo(p.lon, 6);
      expect(d!.lat).toBeCloseTo(p.lat, 6);
    });
    expect(new Set(listed.map((d) => d.kind))).toEqual(
      new Set(['camera', 'alarm_button', 'smoke', 'door', 'gate', 'crowd_counter']),
    );
    expect(listed.filter((d) => d.streamUrl !== null)).toHaveLength(N / 6);

    // Each has its own device principal (token stored hashed), audited; no token in any answer.
    const principals = await db()
      .selectFrom('devices')
      .select(['id', 'token_hash', 'kind'])
      .where(
        'id',
        'in',
        listed.map((d) => d.id),
      )
      .execute();
    expect(principals).toHaveLength(N);
    expect(new Set(principals.map((d) => d.token_hash)).size).toBe(N);
    expect(principals.every((d) => d.kind === 'sensor' && /^[0-9a-f]{64}$/.test(d.token_hash))).toBe(true);
    const audits = await db()
      .selectFrom('audit_log')
      .select(['detail'])
      .where(
        'resource',
        'in',
        listed.map((d) => `device:${d.id}`),
      )
      .execute();
    expect(audits).toHaveLength(N);
    const texts = [
      res.body,
      (await get(`/api/connectors/runs?connector=${connectorId}`)).body,
      (await get(`/api/connectors/runs/${run.id}`)).body,
      JSON.stringify(audits),
    ];
    for (const text of texts) expect(text).not.toMatch(/cwd_/);
    // A token re-issued on the device page works (shown once there).
    const re = await post(`/api/devices/${listed[0].id}/token`, {});
    expect(re.statusCode, re.body).toBe(200);
    expect(re.json().token).toMatch(/^cwd_/);

    // Run again: every device is already registered (duplicates), nothing written twice.
    const again = (await post(`/api/connectors/${connectorId}/runs`, { content: csv })).json();
    expect(again.written).toBe(0);
    expect(again.report.duplicates).toBe(N + 1);
    expect((await get('/api/sensors/devices')).json().items).toHaveLength(N);
  });

  it("a sibling station's admin cannot register into 龙城's communities; a dispatcher may not write", async () => {
    const bt = people['bt.admin'].cookie;
    const c = await post(
      '/api/connectors',
      { name: '坂田设备', source: { kind: 'file' }, mapping: MAPPING, batchSize: 100 },
      bt,
    );
    expect(c.statusCode, c.body).toBe(201);
    const run = (await post(`/api/connectors/${c.json().id}/runs`, { content: csv }, bt)).json();
    expect(run.written).toBe(0);
    // Every row naming a community (the community is looked up first): N, and four of the planted faults.
    expect(run.report.rejected).toEqual({ unknown_community: N + 4, not_a_number: 1 });
    // Nor does it see 龙城's connector.
    expect((await get(`/api/connectors/${connectorId}`, bt)).statusCode).toBe(404);
    const refused = await post(
      '/api/connectors',
      { name: '调度员', source: { kind: 'file' }, mapping: MAPPING, batchSize: 100 },
      people['lc.disp'].cookie,
    );
    expect(refused.statusCode).toBe(403);
  });

  it('refuses a mapping without the required fields before any row is read', async () => {
    const { code: _code, community: _c, ...fields } = MAPPING.fields;
    const res = await post('/api/connectors', {
      name: '缺字段',
      source: { kind: 'file' },
      mapping: { target: 'sensors.devices', fields },
      batchSize: 10,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toContainEqual(
      expect.objectContaining({ field: 'mapping.fields.community', rule: 'required' }),
    );
  });
  it('edits a connector, validated as at creation and against the columns its source had', async () => {
    const patch = (payload: unknown, cookie = admin, id = connectorId) =>
      t.as(cookie, { method: 'PATCH', url: `/api/connectors/${id}`, payload: payload as object });
    const before = (await get(`/api/connectors/${connectorId}`)).json();
    // The columns of the file last read are known: a mapping naming another is refused.
    expect(before.sourceColumns).toEqual([
      '所属小区',
      '设备类型',
      '设备名称',
      '设备编码',
      '安装地址',
      '经度',
      '纬度',
      '视频流',
    ]);
    const missing = await patch({
      mapping: {
        ...MAPPING,
        fields: { ...MAPPING.fields, community: { column: '所属社区', type: 'string' } },
      },
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().errors).toEqual([
      expect.objectContaining({ field: 'mapping.fields.community.column', rule: 'missing_column' }),
    ]);
    const wrongType = await patch({
      mapping: { ...MAPPING, fields: { ...MAPPING.fields, lon: { column: '经度', type: 'string' } } },
    });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json().errors).toEqual([
      expect.objectContaining({ field: 'mapping.fields.lon.type', rule: 'type_mismatch' }),
    ]);
    const otherTarget = await patch({
      mapping: { target: 'places.addresses', fields: { street: { column: '安装地址', type: 'string' } } },
    });
    expect(otherTarget.json().errors?.[0]).toMatchObject({ field: 'mapping.target', rule: 'immutable' });
    const otherKind = await patch({ source: { kind: 'mqtt', topic: 'bureau/devices' } });
    expect(otherKind.json().errors?.[0]).toMatchObject({ field: 'source.kind', rule: 'immutable' });
    const schedule = await patch({ intervalMinutes: 60 });
    expect(schedule.json().errors?.[0]).toMatchObject({ field: 'intervalMinutes', rule: 'http_only' });
    expect((await patch({})).statusCode).toBe(400);
    // Need to know and permissions: a sibling station does not see it, a dispatcher and an auditor
    // may not change it.
    expect((await patch({ name: 'x' }, people['bt.admin'].cookie)).statusCode).toBe(404);
    expect((await patch({ name: 'x' }, people['lc.disp'].cookie)).statusCode).toBe(403);
    expect((await patch({ name: 'x' }, people['lc.audit'].cookie)).statusCode).toBe(403);
    expect((await get(`/api/connectors/${connectorId}`)).json()).toEqual(before);

    // A change that holds: renamed, smaller batches, the stream column no longer imported.
    const { streamUrl: _s, ...fields } = MAPPING.fields;
    const ok = await patch({ name: '社区设备台账（龙城）', batchSize: 7, mapping: { ...MAPPING, fields } });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({
      name: '社区设备台账（龙城）',
      batchSize: 7,
      sourceColumns: before.sourceColumns,
    });
    expect(Object.keys(ok.json().mapping.fields)).not.toContain('streamUrl');
    const audit = await db()
      .selectFrom('audit_log')
      .select(['detail', 'username'])
      .where('resource', '=', `connector:${connectorId}`)
      .orderBy('seq', 'desc')
      .execute();
    const change = audit.find((a) => (a.detail as { change?: string }).change === 'update');
    expect(change?.username).toBe('admin');
    expect(change?.detail).toMatchObject({
      before: { name: '社区设备台账', batch_size: 20 },
      after: { name: '社区设备台账（龙城）', batch_size: 7 },
    });
    expect(Object.keys((change?.detail as { after?: object } | undefined)?.after ?? {}).sort()).toEqual([
      'batch_size',
      'mapping',
      'name',
    ]);
    // The next run uses the change: 7 rows a batch, every device already there but the camera
    // refused before only for its stream URL, now registered without one.
    const run = (await post(`/api/connectors/${connectorId}/runs`, { content: csv })).json();
    expect(run).toMatchObject({ status: 'succeeded', written: 1, batchesWritten: Math.ceil((N + 4) / 7) });
    expect(run.report.rejected.invalid_streamUrl).toBeUndefined();

    // Two edits of different fields at the same moment: both hold (the row is locked before it is
    // read, so the second builds on the first instead of writing back the name it read before).
    const [renamed, resized] = await Promise.all([
      patch({ name: '社区设备台账（并发）' }),
      patch({ batchSize: 9 }),
    ]);
    expect([renamed.statusCode, resized.statusCode]).toEqual([200, 200]);
    expect((await get(`/api/connectors/${connectorId}`)).json()).toMatchObject({
      name: '社区设备台账（并发）',
      batchSize: 9,
    });
    expect((await patch({ name: '社区设备台账（龙城）', batchSize: 7 })).statusCode).toBe(200);
  });

  it('deletes a connector with its runs; the audit row keeps its definition and every run', async () => {
    const del = (cookie = admin) => t.as(cookie, { method: 'DELETE', url: `/api/connectors/${connectorId}` });
    expect((await del(people['bt.admin'].cookie)).statusCode).toBe(404);
    expect((await del(people['lc.disp'].cookie)).statusCode).toBe(403);
    expect((await del(people['lc.audit'].cookie)).statusCode).toBe(403);
    const runs = (await get(`/api/connectors/runs?connector=${connectorId}`)).json().items;
    expect(runs).toHaveLength(3);
    const res = await del();
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ id: connectorId, runsDeleted: 3 });
    expect((await get(`/api/connectors/${connectorId}`)).statusCode).toBe(404);
    expect((await get(`/api/connectors/runs?connector=${connectorId}`)).json().items).toEqual([]);
    expect((await get(`/api/connectors/runs/${runs[0].id}`)).statusCode).toBe(404);
    // What the runs wrote stays.
    expect((await get('/api/sensors/devices')).json().items).toHaveLength(N + 1);
    const row = await db()
      .selectFrom('audit_log')
      .select(['detail'])
      .where('resource', '=', `connector:${connectorId}`)
      .orderBy('seq', 'desc')
      .limit(5)
      .execute();
    const deletion = row.find((a) => (a.detail as { change?: string }).change === 'delete')?.detail as {
      connector: { name: string; target: string; mapping: { fields: object } };
      runs: { id: string; written: number; read: number; duplicates: number }[];
    };
    expect(deletion.connector).toMatchObject({ name: '社区设备台账（龙城）', target: 'sensors.devices' });
    expect(deletion.runs.map((r) => r.id).sort()).toEqual(runs.map((r: { id: string }) => r.id).sort());
    expect(deletion.runs.map((r) => r.written).sort((a, b) => b - a)).toEqual([N, 1, 0]);
    expect(deletion.runs.every((r) => r.read === N + 6)).toBe(true);
    expect((await del()).statusCode).toBe(404);
  });
});
