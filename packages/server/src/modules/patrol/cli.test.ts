import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../config.js';

const run = promisify(execFile);
const CLI = path.join(REPO_ROOT, 'packages/server/bin/citywatch.mjs');
const BERKELEY = path.resolve(
  REPO_ROOT,
  '../shared/data/incidents/berkeley-pd-calls-2019/berkeley_pd_calls_for_service_2019.csv',
);

/**
 * `citywatch hotspots evaluate` as anyone reruns it, on the real Berkeley calls (City of Berkeley
 * Police Department, open data; see ../shared/data/incidents/berkeley-pd-calls-2019/SOURCE.md):
 * a throw-away embedded database, the import, rolling windows, one JSON line.
 */
describe.skipIf(!existsSync(BERKELEY))('citywatch hotspots evaluate on the Berkeley calls', () => {
  it('prints one JSON line with every model beside prior counts', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        CLI,
        'hotspots',
        'evaluate',
        '--incidents',
        BERKELEY,
        '--tz',
        'America/Los_Angeles',
        '--windows',
        '3',
        '--coverage',
        '0.01,0.05,0.10',
      ],
      { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 },
    );
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0]);
    expect(out.unit).toBe('h3:9');
    expect(out.windows).toBe(3);
    expect(out.incidents_tested).toBeGreaterThan(300);
    expect(Object.keys(out.models)).toEqual(['prior_counts', 'kde', 'recent']);
    for (const figures of Object.values(out.models) as Record<string, number | null>[]) {
      for (const c of ['0.01', '0.05', '0.10']) {
        for (const k of ['hit', 'pai', 'pei']) expect(`${k}_${c}` in figures, `${k}_${c}`).toBe(true);
      }
      // Hot spots exist: 5 % of the area holds far more than 5 % of the calls.
      expect(figures['pai_0.05']).toBeGreaterThan(2);
      expect(figures['hit_0.10']).toBeGreaterThan(figures['hit_0.05'] as number);
      expect(figures['pei_0.05']).toBeLessThanOrEqual(1);
    }
    // The rows without coordinates (148) cannot be placed without Berkeley's roads.
    expect(out.import).toMatchObject({ rows: 4604, imported: 4456, rejected: { address_not_found: 148 } });
    expect(out.area.definition).toContain('convex hull');
  }, 120_000);

  it('names the problem and exits 1 on a file it cannot use', async () => {
    const failed = await run(
      process.execPath,
      [CLI, 'hotspots', 'evaluate', '--incidents', '/nonexistent.csv'],
      {
        cwd: REPO_ROOT,
      },
    ).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stderr: string }).stderr).toContain('no such file');
    const segment = await run(
      process.execPath,
      [CLI, 'hotspots', 'evaluate', '--incidents', BERKELEY, '--unit', 'segment'],
      {
        cwd: REPO_ROOT,
      },
    ).catch((error: { code: number; stderr: string }) => error);
    expect((segment as { stderr: string }).stderr).toContain('--osm');
  }, 60_000);
});
