import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../test/app.js';
import { API_TYPES_FILE, apiTypesSource } from './api-types.js';

describe("the web's typed client (packages/web/src/api/openapi.gen.ts)", () => {
  let t: TestApp;
  let doc: { paths: Record<string, Record<string, { operationId: string }>> };
  beforeAll(async () => {
    t = await createTestApp();
    const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    doc = res.json();
  }, 400_000);
  afterAll(() => t?.close());

  it('is what openapi-typescript generates from the served document now (run `npm run api:types` if not)', async () => {
    const fresh = await apiTypesSource(doc);
    const checkedIn = readFileSync(API_TYPES_FILE, 'utf8');
    // Compare the lines that differ first: a failure names the operations that drifted.
    const a = checkedIn.split('\n');
    const b = fresh.split('\n');
    const firstDiff = b.findIndex((line, i) => line !== a[i]);
    expect(
      firstDiff === -1 && a.length === b.length
        ? null
        : { line: firstDiff + 1, checkedIn: a[firstDiff], fresh: b[firstDiff] },
      'packages/web/src/api/openapi.gen.ts is stale: run npm run api:types',
    ).toBeNull();
  }, 120_000);

  it('names every operation of the document (a path and an operation per route)', () => {
    const source = readFileSync(API_TYPES_FILE, 'utf8');
    const missing = Object.entries(doc.paths).flatMap(([p, item]) =>
      Object.values(item)
        .map((op) => op.operationId)
        .filter((id) => !source.includes(`operations['${id}']`) || !source.includes(`'${p}': {`)),
    );
    expect(missing).toEqual([]);
    expect(Object.keys(doc.paths).length).toBeGreaterThan(100);
  });
});
