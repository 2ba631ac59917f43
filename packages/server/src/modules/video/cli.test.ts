import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../config.js';

const run = promisify(execFile);
const CLI = path.join(REPO_ROOT, 'packages/server/bin/citywatch.mjs');

/** `citywatch cameras import FILE.csv` on a fresh embedded database (migrated by the command). */
describe('citywatch cameras import', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'citywatch-cameras-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints one JSON line: cameras imported, lines refused with field and rule', async () => {
    const file = path.join(dir, 'cameras.csv');
    writeFileSync(
      file,
      [
        'code,name,lon,lat,height_m,heading_deg,fov_deg,range_m,owner,hls_url',
        '44030700001320000001,龙城广场东,114.1955,22.6955,6,90,60,80,police,http://127.0.0.1:9/a.m3u8',
        '4403070000132000002,短,114.19,22.69,6,90,60,80,police,',
        '44030700001320000003,协议,114.19,22.69,6,90,60,80,police,ftp://x/y',
        '44030700001320000004,小区,114.19,22.69,,0,360,50,community,',
      ].join('\n'),
    );
    const env = { ...process.env, CITYWATCH_DATA_DIR: path.join(dir, 'data'), DATABASE_URL: '' };
    const first = await run(process.execPath, [CLI, 'cameras', 'import', file], { cwd: REPO_ROOT, env });
    const lines = first.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toEqual({
      imported: 2,
      refused: [
        { line: 3, field: 'code', rule: 'length' },
        { line: 4, field: 'hls_url', rule: 'url_scheme' },
      ],
    });
    // The same file again on the same database: the codes are registered already.
    const again = await run(process.execPath, [CLI, 'cameras', 'import', file], { cwd: REPO_ROOT, env });
    expect(JSON.parse(again.stdout).imported).toBe(0);
    expect(JSON.parse(again.stdout).refused).toContainEqual({ line: 2, field: 'code', rule: 'unique' });
  }, 120_000);
});
