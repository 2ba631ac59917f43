import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../test/app.js';
import { operationIdOf, UNDECLARED_SUCCESS } from './openapi.js';

const run = promisify(execFile);
const REDOCLY = path.resolve(import.meta.dirname, '../../../../node_modules/@redocly/cli/bin/cli.js');

/**
 * Operations whose route declares no success response yet (the document gives them `2XX` with an
 * undeclared JSON body). This list may only shrink: a new route declares its `response` (zod) in
 * its schema. The exemption is per operation: a listed operation that declares its answer fails
 * the test until it leaves the list, and no other operation is spared.
 */
const UNDECLARED_RESPONSES = new Set<string>([]);

type Op = {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  responses: Record<string, { $ref?: string; description?: string; content?: Record<string, unknown> }>;
};

describe('the OpenAPI document at /api/openapi.json', () => {
  let t: TestApp;
  let doc: {
    paths: Record<string, Record<string, Op>>;
    servers?: unknown[];
    info: { license?: { name: string } };
    components: { responses: Record<string, { content: Record<string, unknown> }> };
  };
  let ops: { key: string; method: string; path: string; op: Op }[];

  beforeAll(async () => {
    t = await createTestApp();
    const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    doc = res.json();
    ops = Object.entries(doc.paths).flatMap(([p, item]) =>
      Object.entries(item).map(([method, op]) => ({
        key: `${method.toUpperCase()} ${p}`,
        method,
        path: p,
        op,
      })),
    );
  });
  afterAll(() => t?.close());

  it("passes Redocly's recommended ruleset with 0 errors (offline: no telemetry, no update check)", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'citywatch-openapi-'));
    try {
      const file = path.join(dir, 'openapi.json');
      writeFileSync(file, JSON.stringify(doc));
      const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
      const args = [REDOCLY, 'lint', '--extends=recommended', '--format=json', '--max-problems=10000', file];
      // Exits 1 when there are errors; the JSON report is on stdout either way.
      const { stdout } = await run(process.execPath, args, { env, cwd: dir, timeout: 60_000 }).catch(
        (error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }),
      );
      const report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as {
        totals: { errors: number; warnings: number };
        problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
      };
      const errors = report.problems
        .filter((p) => p.severity === 'error')
        .map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`);
      expect(errors).toEqual([]);
      expect(report.totals.errors).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('names its servers and its licence', () => {
    expect(doc.servers?.length).toBeGreaterThan(0);
    expect(doc.info.license?.name).toBeTruthy();
  });

  it('gives every operation a unique operationId derived from its route, a summary and its module as tag', () => {
    const ids = ops.map((o) => o.op.operationId);
    expect(ids.filter((id) => !id)).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ops.filter((o) => !o.op.summary || !o.op.tags?.length).map((o) => o.key)).toEqual([]);
    expect(operationIdOf('GET', '/api/perimeter/rings/:id/analysis')).toBe('getPerimeterRingsByIdAnalysis');
    expect(operationIdOf('GET', '/api/tiles/:z/:x/:y.pbf')).toBe('getTilesByZByXByYPbf');
  });

  it("states each operation's security from its route's permission: public routes none, device routes the bearer token", () => {
    const toPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');
    const permissionOf = new Map(t.ctx.routes.map((r) => [`${r.method} ${toPath(r.url)}`, r.permission]));
    const wrong: string[] = [];
    for (const { key, op } of ops) {
      const permission = permissionOf.get(key);
      const schemes = (op.security ?? []).flatMap((s) => Object.keys(s));
      if (permission === undefined) wrong.push(`${key}: no registered route`);
      else if (permission === 'public' && schemes.some((s) => s === 'session' || s === 'deviceToken'))
        wrong.push(`${key}: public but asks for ${schemes}`);
      else if (permission !== 'public' && !schemes.includes('session'))
        wrong.push(`${key}: no session scheme`);
    }
    expect(wrong).toEqual([]);
    for (const key of ['POST /api/perimeter/reads', 'POST /api/dispatch/avl']) {
      const op = ops.find((o) => o.key === key)?.op;
      expect(op?.security, key).toEqual([{ session: [] }, { deviceToken: [] }]);
    }
    expect(ops.find((o) => o.key === 'POST /api/auth/login')?.op.security).toEqual([]);
  });

  it('answers every error as problem+json: 400 and 500 everywhere, 401/403 behind a sign-in, 404 with an id', () => {
    const missing: string[] = [];
    for (const { key, path: p, op } of ops) {
      const need = ['400', '500', 'default'];
      if ((op.security ?? []).length > 0) need.push('401', '403');
      if (p.includes('{')) need.push('404');
      for (const status of need) {
        const ref = op.responses[status]?.$ref;
        const response = ref ? doc.components.responses[ref.split('/').at(-1) ?? ''] : op.responses[status];
        if (!response?.content?.['application/problem+json']) missing.push(`${key} ${status}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('declares a concrete success response on every operation but the listed ones (a list that only shrinks)', () => {
    const undeclared = ops
      .filter((o) => o.op.responses['2XX']?.description === UNDECLARED_SUCCESS)
      .map((o) => o.key);
    const declared = ops.filter((o) => Object.keys(o.op.responses).some((s) => /^2\d\d$/.test(s)));
    expect(declared.length + undeclared.length).toBe(ops.length);
    // A route added without a response schema fails here: declare `response` in its schema.
    expect(undeclared.filter((key) => !UNDECLARED_RESPONSES.has(key))).toEqual([]);
    // A listed operation that declares its answer now (or is gone) leaves the list.
    expect([...UNDECLARED_RESPONSES].filter((key) => !undeclared.includes(key))).toEqual([]);
  });
});
