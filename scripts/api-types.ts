// Regenerates the web's typed client (packages/web/src/api/openapi.gen.ts) from the OpenAPI
// document the server serves, built on an embedded test database: `npm run api:types`.
// With --check it only says whether the checked-in file is current (exit 1 if not).
import { readFileSync, writeFileSync } from 'node:fs';
import { API_TYPES_FILE, apiTypesSource } from '../packages/server/src/http/api-types.js';
import { createTestApp } from '../packages/server/src/test/app.js';

process.env.CITYWATCH_TEST_DB ??= 'pglite';
const t = await createTestApp();
try {
  const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
  if (res.statusCode !== 200) throw new Error(`/api/openapi.json answered ${res.statusCode}`);
  const source = await apiTypesSource(res.json());
  const current = (() => {
    try {
      return readFileSync(API_TYPES_FILE, 'utf8');
    } catch {
      return '';
    }
  })();
  if (process.argv.includes('--check')) {
    console.log(current === source ? 'api types are current' : 'api types are stale: run npm run api:types');
    process.exitCode = current === source ? 0 : 1;
  } else if (current !== source) {
    writeFileSync(API_TYPES_FILE, source);
    console.log(`wrote ${API_TYPES_FILE}`);
  } else console.log('api types already current');
} finally {
  await t.close();
}
