import type { TestApp } from '../../test/app.js';

/** One learned statistic of an edge for one hour of week, as the nightly learning stores it. */
export interface ObservationRow {
  city_id: string;
  profile: 'normal' | 'emergency';
  edge: number;
  hour_of_week: number;
  n: number;
  sum_s: number;
}

/**
 * Tests only: stores learned statistics as if a learning run had taken them (in batches of 1,000)
 * and records that run, so the eta service reads them as the city's learned times.
 */
export async function storeLearnedObservations(
  t: TestApp,
  city: { id: string; edgeCount: number },
  rows: ObservationRow[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000)
    await t.ctx.db.kysely
      .insertInto('eta_edge_observations')
      .values(rows.slice(i, i + 1000))
      .execute();
  await t.ctx.db.kysely
    .insertInto('eta_learn_runs')
    .values({
      city_id: city.id,
      day: '2026-11-16',
      trigger: 'manual',
      edge_count: city.edgeCount,
      finished_at: t.ctx.now(),
      traversals: rows.reduce((sum, r) => sum + r.n, 0),
    })
    .execute();
}
