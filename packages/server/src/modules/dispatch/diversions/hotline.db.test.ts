import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../../test/app.js';
import { HotlineForwarder, retryDelayMs } from './hotline.js';

/** A stand-in 12345 hotline on loopback: refuses the first delivery, accepts the next. */
function fakeHotline() {
  const received: Record<string, unknown>[] = [];
  let refuseNext = true;
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      if (refuseNext) {
        refuseNext = false;
        res.writeHead(503).end();
        return;
      }
      received.push(JSON.parse(body));
      res.writeHead(202).end();
    });
  });
  return { server, received };
}

describe(`12345 hand-off (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  const hotline = fakeHotline();
  let url: string;
  beforeAll(async () => {
    await new Promise<void>((resolve) => hotline.server.listen(0, '127.0.0.1', resolve));
    const address = hotline.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/tickets`;
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
  });
  afterAll(async () => {
    hotline.server.close();
    await t.close();
  });

  it('forwards a diverted call with retries, then takes the outcome back with the shared token', async () => {
    const cookie = await t.login('admin', ADMIN_PASSWORD);
    const created = await t.as(cookie, {
      method: 'POST',
      url: '/api/dispatch/incidents',
      payload: {
        category: 'non_police',
        subcategory: 'utilities',
        priority: 'P4',
        lon: 114.2075,
        lat: 22.6915,
        callerPhone: '13900000000',
        narrative: '小区停水',
      },
    });
    const id = created.json().incident.id;
    await t.as(cookie, {
      method: 'POST',
      url: `/api/dispatch/incidents/${id}/transition`,
      payload: { to: 'diverted' },
    });

    const forwarder = new HotlineForwarder(
      t.ctx.db.kysely,
      { url, token: 's3cret', callbackBase: 'http://citywatch.test/api/dispatch/diversions' },
      t.ctx.now,
    );
    expect(await forwarder.forwardDue()).toBe(0); // the hotline answers 503 the first time
    let list = (await t.as(cookie, { method: 'GET', url: '/api/dispatch/diversions' })).json().items;
    expect(list[0]).toMatchObject({ status: 'failed', attempts: 1, lastError: 'HTTP 503' });
    expect(await forwarder.forwardDue()).toBe(0); // too early for a retry
    t.advance(retryDelayMs(1));
    expect(await forwarder.forwardDue()).toBe(1);
    expect(hotline.received).toHaveLength(1);
    expect(hotline.received[0]).toMatchObject({
      incidentNumber: created.json().incident.number,
      narrative: '小区停水',
    });
    expect(JSON.stringify(hotline.received[0])).not.toContain('13900000000');

    const diversionId = String(hotline.received[0].diversionId);
    const outcomeUrl = `/api/dispatch/diversions/${diversionId}/outcome`;
    t.ctx.config.hotlineToken = 's3cret';
    const wrong = await t.app.inject({
      method: 'POST',
      url: outcomeUrl,
      headers: { 'x-hotline-token': 'guess' },
      payload: { status: 'resolved' },
    });
    expect(wrong.statusCode).toBe(401);
    const ok = await t.app.inject({
      method: 'POST',
      url: outcomeUrl,
      headers: { 'x-hotline-token': 's3cret' },
      payload: { status: 'resolved', outcome: '已联系水务公司抢修' },
    });
    expect(ok.statusCode).toBe(204);
    list = (await t.as(cookie, { method: 'GET', url: '/api/dispatch/diversions' })).json().items;
    expect(list[0]).toMatchObject({ status: 'resolved', outcome: '已联系水务公司抢修' });
  });
});
