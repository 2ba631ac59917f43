import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../config.js';
import { ensureBundledCity } from '../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';
import { RETRY_BASE_MS } from './service.js';

/**
 * The Berkeley PD calls for service, Mar–Sep 2019 (City of Berkeley open data, via lasttillend/DS100;
 * see ../shared/data/incidents/berkeley-pd-calls-2019/SOURCE.md).
 */
const BERKELEY = path.resolve(
  REPO_ROOT,
  '../shared/data/incidents/berkeley-pd-calls-2019/berkeley_pd_calls_for_service_2019.csv',
);

/** mulberry32: the same history every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A mapping of the Chinese-headed export below (date and time of day in two columns). */
const MAPPING = {
  target: 'patrol.incidents',
  tz: 'Asia/Shanghai',
  fields: {
    id: { column: '接警编号', type: 'string' },
    time: { column: ['日期', '时刻'], type: 'time' },
    category: { column: '类别', type: 'string' },
    lon: { column: 'X', type: 'number' },
    lat: { column: 'Y', type: 'number' },
  },
};

/**
 * Connectors into patrol's incident history on the bundled city (Shenzhen Longgang): a file with
 * its quality report, a mapping refused before any row, an HTTP pull on a schedule that fails and
 * is retried with backoff, a batch that fails, and need to know.
 */
describe(`connectors (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let admin: string;
  let csv = '';
  let good = 0;
  let server: Server;
  let url = '';
  let answer: { status: number; body: string } = { status: 200, body: '' };
  const get = (url: string, cookie = admin) => t.as(cookie, { method: 'GET', url });
  /** Moves the clock; the admin signs in again (an hour idle ends a session). */
  const advance = async (ms: number) => {
    t.advance(ms);
    admin = await t.login('admin', ADMIN_PASSWORD);
  };
  const post = (url: string, payload: unknown, cookie = admin) =>
    t.as(cookie, { method: 'POST', url, payload: payload as Record<string, unknown> });

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    admin = await t.login('admin', ADMIN_PASSWORD);
    const city = await t.ctx.places.city(undefined);
    const g = city.graph;
    const b = city.bounds;
    const inside: number[] = [];
    for (let v = 0; v < g.nodeCount; v++) {
      const lon = g.nodeLon[v];
      const lat = g.nodeLat[v];
      if (lon > b.minLon && lon < b.maxLon && lat > b.minLat && lat < b.maxLat) inside.push(v);
    }
    const rnd = random(11);
    const rows = ['接警编号,日期,时刻,类别,X,Y'];
    for (let k = 1; k <= 120; k++) {
      const v = inside[Math.floor(rnd() * inside.length)];
      const day = 1 + Math.floor(rnd() * 20);
      rows.push(
        `C${String(k).padStart(4, '0')},2026/10/${String(day).padStart(2, '0')},${String(Math.floor(rnd() * 24)).padStart(2, '0')}:${String(Math.floor(rnd() * 60)).padStart(2, '0')},盗窃,${g.nodeLon[v].toFixed(6)},${g.nodeLat[v].toFixed(6)}`,
      );
    }
    good = 120;
    rows.push('C9001,昨天,10:00,盗窃,114.2,22.69'); // not_a_time
    rows.push('C9002,2026/10/02,10:00,,114.2,22.69'); // required_missing
    rows.push('C9003,2026/10/02,10:00,盗窃,116.40,39.90'); // Beijing: outside_city (patrol's check)
    rows.push('C0001,2026/10/03,11:00,盗窃,114.2,22.69'); // the same id again: duplicate
    csv = rows.join('\r\n');

    server = createServer((_req, res) => {
      res.writeHead(answer.status, { 'content-type': 'text/csv; charset=utf-8' });
      res.end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/calls.csv`;
  }, 240_000);
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await t?.close();
  });

  it('imports a file through patrol with a quality report; a second run finds every row already there', async () => {
    const c = await post('/api/connectors', {
      name: '110 接警导出',
      source: { kind: 'file' },
      mapping: MAPPING,
      batchSize: 50,
    });
    expect(c.statusCode, c.body).toBe(201);
    const run = await post(`/api/connectors/${c.json().id}/runs`, { content: csv });
    expect(run.statusCode, run.body).toBe(201);
    const r = run.json();
    expect(r.status).toBe('succeeded');
    expect(r.report).toMatchObject({
      read: 124,
      accepted: good,
      duplicates: 1,
      rejected: { not_a_time: 1, required_missing: 1, outside_city: 1 },
      rejectedTotal: 3,
    });
    expect(r.written).toBe(good);
    // 121 rows passed the mapping: three batches of at most 50, each one patrol import.
    expect(r.batchesWritten).toBe(3);
    expect((await get('/api/patrol/history')).json().count).toBe(good);

    const again = (await post(`/api/connectors/${c.json().id}/runs`, { content: csv })).json();
    expect(again.written).toBe(0);
    expect(again.report.duplicates).toBe(good + 1);
    expect((await get('/api/patrol/history')).json().count).toBe(good);

    const runs = (await get(`/api/connectors/runs?connector=${c.json().id}`)).json().items;
    expect(runs.map((x: { id: string }) => x.id)).toEqual([again.id, r.id]);
  });

  it('refuses a mapping naming a missing column or a wrong type before any row is read', async () => {
    const wrongType = await post('/api/connectors', {
      name: 'wrong type',
      source: { kind: 'file' },
      mapping: { ...MAPPING, fields: { ...MAPPING.fields, lon: { column: 'X', type: 'string' } } },
    });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.headers['content-type']).toContain('application/problem+json');
    expect(wrongType.json().errors).toEqual([
      expect.objectContaining({ field: 'mapping.fields.lon.type', rule: 'type_mismatch' }),
    ]);

    const c = (
      await post('/api/connectors', {
        name: 'Berkeley export',
        source: { kind: 'file' },
        mapping: {
          target: 'patrol.incidents',
          tz: 'America/Los_Angeles',
          fields: {
            id: { column: 'CASENO', type: 'string' },
            time: { column: ['EVENTDT', 'EVENTTIME'], type: 'time' },
            category: { column: 'CVLEGEND', type: 'string' },
            point: { column: 'Block_Location', type: 'point' },
          },
        },
      })
    ).json();
    const before = (await get('/api/patrol/history')).json().count;
    const refused = await t.as(admin, {
      method: 'POST',
      url: `/api/connectors/${c.id}/runs`,
      payload: { content: readFileSync(BERKELEY, 'utf8') },
      headers: { 'accept-language': 'en' },
    });
    expect(refused.statusCode).toBe(400);
    const problem = refused.json();
    expect(problem.errors).toEqual([
      expect.objectContaining({ field: 'mapping.fields.time.column', rule: 'missing_column' }),
    ]);
    expect(problem.detail).toContain('EVENTTIME');
    const runs = (await get(`/api/connectors/runs?connector=${c.id}`)).json().items;
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'refused', report: null, written: 0 });
    expect((await get('/api/patrol/history')).json().count).toBe(before);
  });

  it('maps the real Berkeley calls; the Longgang city refuses every one of them as outside it', async () => {
    const c = (
      await post('/api/connectors', {
        name: 'Berkeley PD 2019',
        source: { kind: 'file' },
        batchSize: 2000,
        mapping: {
          target: 'patrol.incidents',
          tz: 'America/Los_Angeles',
          fields: {
            id: { column: 'CASENO', type: 'string' },
            time: { column: ['EVENTDT', 'EVENTTM'], type: 'time' },
            category: { column: 'CVLEGEND', type: 'string' },
            point: { column: 'Block_Location', type: 'point' },
          },
        },
      })
    ).json();
    const before = (await get('/api/patrol/history')).json().count;
    const r = (
      await post(`/api/connectors/${c.id}/runs`, { content: readFileSync(BERKELEY, 'utf8') })
    ).json();
    expect(r.status).toBe('succeeded');
    expect(r.report).toMatchObject({
      read: 4604,
      accepted: 0,
      duplicates: 0,
      rejected: { not_a_point: 148, outside_city: 4456 },
    });
    expect(r.batchesWritten).toBe(3);
    expect((await get('/api/patrol/history')).json().count).toBe(before);
  }, 120_000);

  it('pulls over HTTP on a schedule; a failing pull is reported and retried with backoff', async () => {
    const lines = csv.split('\r\n');
    answer = {
      status: 200,
      body: [lines[0], ...lines.slice(1, 11).map((l) => l.replace(/^C/, 'H'))].join('\r\n'),
    };
    const c = await post('/api/connectors', {
      name: '接警系统接口',
      source: { kind: 'http', url, timeoutMs: 5000 },
      mapping: MAPPING,
      intervalMinutes: 60,
    });
    expect(c.statusCode, c.body).toBe(201);
    const id = c.json().id;
    const runsOf = async () => (await get(`/api/connectors/runs?connector=${id}`)).json().items;
    await t.ctx.connectors.tick();
    let runs = await runsOf();
    expect(runs[0]).toMatchObject({ trigger: 'schedule', status: 'succeeded', written: 10 });
    // Not due again for an hour.
    await t.ctx.connectors.tick();
    expect(await runsOf()).toHaveLength(1);

    answer = { status: 503, body: 'maintenance' };
    await advance(60 * 60_000);
    await t.ctx.connectors.tick();
    runs = await runsOf();
    expect(runs[0]).toMatchObject({ trigger: 'schedule', status: 'failed', attempt: 1, written: 0 });
    expect(runs[0].error).toMatchObject({ code: 'source_status', message: 'HTTP 503' });
    const firstRetry = Date.parse(runs[0].retryAt);
    expect(firstRetry - Date.parse(runs[0].startedAt)).toBeGreaterThanOrEqual(RETRY_BASE_MS);
    expect((await get(`/api/connectors/${id}`)).json()).toMatchObject({ failures: 1 });

    // Retried once the backoff has passed, then twice as long.
    await advance(RETRY_BASE_MS);
    await t.ctx.connectors.tick();
    runs = await runsOf();
    expect(runs[0]).toMatchObject({ trigger: 'retry', status: 'failed', attempt: 2 });
    expect(Date.parse(runs[0].retryAt) - Date.parse(runs[0].startedAt)).toBeGreaterThanOrEqual(
      2 * RETRY_BASE_MS,
    );
    await advance(RETRY_BASE_MS);
    await t.ctx.connectors.tick();
    expect(await runsOf()).toHaveLength(3); // not yet due

    answer.status = 200;
    answer.body = [lines[0], ...lines.slice(11, 16).map((l) => l.replace(/^C/, 'H'))].join('\r\n');
    await advance(RETRY_BASE_MS);
    await t.ctx.connectors.tick();
    runs = await runsOf();
    expect(runs[0]).toMatchObject({ trigger: 'retry', status: 'succeeded', attempt: 3, written: 5 });
    expect((await get(`/api/connectors/${id}`)).json()).toMatchObject({ failures: 0 });
  });

  it('stops at a failing batch: earlier batches stay written, nothing of it or after it is', async () => {
    const c = (
      await post('/api/connectors', {
        name: 'batches',
        source: { kind: 'file' },
        mapping: MAPPING,
        batchSize: 4,
      })
    ).json();
    const writers = t.ctx.connectors.writers;
    const original = writers['patrol.incidents'];
    let calls = 0;
    writers['patrol.incidents'] = async (connector, actor, rows) => {
      calls++;
      if (calls === 2) throw new Error('database went away');
      return original(connector, actor, rows);
    };
    try {
      const lines = csv.split('\r\n');
      const content = [lines[0], ...lines.slice(1, 11).map((l) => l.replace(/^C/, 'B'))].join('\r\n');
      const before = (await get('/api/patrol/history')).json().count;
      const r = (await post(`/api/connectors/${c.id}/runs`, { content })).json();
      expect(r).toMatchObject({ status: 'failed', written: 4, batchesWritten: 1 });
      expect(r.error.code).toBe('batch_failed');
      expect(r.error.message).toContain('batch 2 of 3');
      expect(r.report).toMatchObject({ read: 10, accepted: 4 });
      expect((await get('/api/patrol/history')).json().count).toBe(before + 4);
    } finally {
      writers['patrol.incidents'] = original;
    }
  });

  it("keeps connectors and runs to the reader's org subtree and writers to the target's permission", async () => {
    const u = await t.users(admin, [
      ['lc-commander', ['commander'], '龙城派出所'],
      ['city-auditor', ['auditor'], (await get('/api/orgs')).json().items[0].name],
      ['inspector', ['industry_inspector'], (await get('/api/orgs')).json().items[0].name],
    ]);
    expect((await get('/api/connectors', u['lc-commander'].cookie)).json().items).toEqual([]);
    expect((await get('/api/connectors/runs', u['lc-commander'].cookie)).json().items).toEqual([]);
    const cityConnector = (await get('/api/connectors')).json().items[0];
    expect((await get(`/api/connectors/${cityConnector.id}`, u['lc-commander'].cookie)).statusCode).toBe(404);
    expect(
      (await post(`/api/connectors/${cityConnector.id}/runs`, { content: csv }, u['lc-commander'].cookie))
        .statusCode,
    ).toBe(404);
    // The auditor reads, but may not make or run a connector.
    expect((await get('/api/connectors', u['city-auditor'].cookie)).json().items.length).toBeGreaterThan(0);
    expect(
      (
        await post(
          '/api/connectors',
          { name: 'x', source: { kind: 'file' }, mapping: MAPPING },
          u['city-auditor'].cookie,
        )
      ).statusCode,
    ).toBe(403);
    // A station commander's connector is theirs; the city sees it too.
    const own = await post(
      '/api/connectors',
      { name: '龙城导入', source: { kind: 'file' }, mapping: MAPPING },
      u['lc-commander'].cookie,
    );
    expect(own.statusCode, own.body).toBe(201);
    expect((await get('/api/connectors', u['lc-commander'].cookie)).json().items).toHaveLength(1);
    expect(
      (await get('/api/connectors')).json().items.some((x: { id: string }) => x.id === own.json().id),
    ).toBe(true);
  });
});
