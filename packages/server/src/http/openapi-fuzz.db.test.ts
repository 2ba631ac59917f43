import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../identity/audit.js';
import { createTestApp, type TestApp } from '../test/app.js';
import {
  FUZZ_CLASSES,
  type FuzzTarget,
  operationsOf,
  prepareFuzzTarget,
  Rng,
  runFuzz,
} from '../test/fuzz.js';

/** Requests per operation in this short run; `npm run fuzz` runs the long one. */
const PER_OPERATION = 36;
const SEED = 20261123;

/**
 * Every operation of the OpenAPI document gets generated requests of every class (test/fuzz.ts):
 * text the text rule refuses, NFD, huge and deep values, wrong types, missing and extra fields,
 * wrong content types, malformed JSON, ids of other resources, of nothing and of what the fuzzer
 * created, no session or a low-privilege one, empty bodies. None may answer 5xx; every 4xx is a
 * problem; the audit chain holds afterwards.
 */
describe(`generated requests over the OpenAPI document (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let target: FuzzTarget;
  beforeAll(async () => {
    t = await createTestApp();
    target = await prepareFuzzTarget(t);
  });
  afterAll(() => t?.close());

  it('documents every route, so the fuzzer sees them all', () => {
    const documented = new Set(
      operationsOf(target.doc).map((o) => `${o.method} ${o.path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    // Open311 GeoReport v2 (community module) answers errors in its own spec's format, not as problems.
    const hidden = new Set([
      '/api/live',
      '/metrics',
      '/api/openapi.json',
      '/open311/v2/services.json',
      '/open311/v2/requests.json',
      '/open311/v2/requests/:id.json',
    ]);
    const undocumented = t.ctx.routes
      .filter((r) => r.method !== 'HEAD' && !hidden.has(r.url))
      .map((r) => `${r.method} ${r.url}`)
      .filter((r) => !documented.has(r));
    expect(undocumented).toEqual([]);
  });

  it("answers the router's own refusals as problems: a path not UTF-8, an over-long path parameter", async () => {
    const cookie = await target.privileged[0].login();
    for (const [url, status] of [
      ['/api/perimeter/rings/%ED%A0%80', 400],
      [`/api/perimeter/rings/${'a'.repeat(5000)}`, 414],
    ] as const) {
      const res = await t.app.inject({ method: 'GET', url, headers: { cookie } });
      expect(res.statusCode, url).toBe(status);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ type: '/problems/validation', status });
    }
  });

  it('refuses an empty body on every PATCH and PUT operation with 400', async () => {
    const rng = new Rng(SEED);
    const answers: string[] = [];
    for (const op of operationsOf(target.doc).filter((o) => o.method === 'PATCH' || o.method === 'PUT')) {
      // Any well-formed id: the body is refused before anything is looked up.
      const url = op.path.replace(/\{(\w+)\}/g, (_, name: string) =>
        op.pathParams.find((p) => p.name === name)?.schema.format === 'uuid'
          ? rng.uuidv7()
          : `FZ-${rng.hex(6)}`,
      );
      const who = target.privileged.find((p) => p.may(op.method, op.path)) ?? target.privileged[0];
      const res = await t.app.inject({
        method: op.method as 'PATCH',
        url,
        payload: {},
        headers: { cookie: await who.login() },
      });
      answers.push(`${op.id} → ${res.statusCode} ${res.json().type}`);
    }
    expect(answers.length).toBeGreaterThanOrEqual(6);
    expect(answers.filter((a) => !a.endsWith('→ 400 /problems/validation'))).toEqual([]);
  });

  it('answers no generated request with a 5xx, every 4xx as a problem, and keeps the audit chain', async () => {
    const operations = operationsOf(target.doc);
    const report = await runFuzz(target, {
      seed: SEED,
      requests: operations.length * PER_OPERATION,
      keepFailures: 100_000,
    });
    expect(
      report.failures
        .slice(0, 20)
        .map((f) => `${f.operation} [${f.fuzzClass}] ${f.reason}\n  ${f.request}\n  → ${f.response}`),
    ).toEqual([]);
    expect(report.byClass['5xx']).toBe(0);
    expect(report.malformedProblems).toBe(0);
    for (const op of operations)
      expect(report.perOperation[op.id]?.requests, op.id).toBeGreaterThanOrEqual(30);
    for (const c of FUZZ_CLASSES) expect(report.byFuzzClass[c] ?? 0, c).toBeGreaterThan(0);
    // The generator reaches past every gate: validation, sign-in, permissions, and on to successes.
    expect(report.byStatus[400]).toBeGreaterThan(300);
    expect(report.byStatus[401]).toBeGreaterThan(30);
    expect(report.byStatus[403]).toBeGreaterThan(30);
    expect(report.byStatus[404]).toBeGreaterThan(100);
    expect(report.byClass['2xx']).toBeGreaterThan(report.requests / 5);
    const audit = await verifyAuditChain(t.ctx.db.kysely);
    expect(audit.problems).toEqual([]);
    expect(audit.ok).toBe(true);
    expect(audit.checked).toBeGreaterThan(100);
    // About 30 s on an idle machine; over 300 s while every suite ran at once on a loaded 2-core
    // machine: the margin is for a CI machine shared with other suites.
  }, 900_000);
});
