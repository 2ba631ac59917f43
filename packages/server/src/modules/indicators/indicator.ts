/**
 * What a module declares for each of its indicators (the `indicators` field of the module
 * contract): how its value is computed from the module's own tables for a period and an org's
 * subtree, and which rows it was computed from (the drill-down). The indicators module collects
 * them, snapshots them daily and serves them.
 */
import type { IndicatorMeta, IndicatorValue } from '@citywatch/core/indicators/indicators';
import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { OrgScope } from '../scope.js';

export interface IndicatorContext {
  db: Kysely<Database>;
  /** The org whose subtree is counted (the org asked for, checked against the asker's scope). */
  scope: OrgScope;
  from: Date;
  to: Date;
  /**
   * Shares one load between the indicators of a family (eight response times from one query):
   * the same key within one context runs `load` once.
   */
  memo<T>(key: string, load: () => Promise<T>): Promise<T>;
}

/** A column of the drill-down table: key in each row, header in both languages. */
export interface RowColumn {
  key: string;
  zh: string;
  en: string;
}

export interface IndicatorRows {
  columns: RowColumn[];
  rows: Record<string, string | number | boolean | null>[];
  /** Rows in all (the page holds at most the limit asked for). */
  total: number;
}

/**
 * How a period's value is made from days (the stored daily snapshots, and the days without one
 * computed live), so a year is answered without recomputing the year:
 * - `share`: Σnumerator / Σdenominator (null when Σdenominator is 0), both summed;
 * - `sum`: Σvalue (a count), numerator and denominator left null;
 * - `quantile`: the nearest-rank quantile `q` (as percentile_disc) of the per-day histograms of
 *   `histogram` summed over the days, for its `series`; the denominator is the count.
 * Without `combine` the period is computed live from the records.
 */
export type Combine =
  | { kind: 'share' | 'sum' }
  | { kind: 'quantile'; histogram: HistogramFamily; series: string; q: number };

/**
 * Per-day histograms shared by a family of quantile indicators (eight response times), stored
 * beside the snapshots (indicator_histograms). `load` counts the rows of ctx's subtree and period
 * by Shanghai day, owning org, series and whole bucket.
 */
export interface HistogramFamily {
  id: string;
  load(ctx: IndicatorContext): Promise<HistogramRow[]>;
}

export interface HistogramRow {
  day: string;
  orgId: string;
  series: string;
  bucket: number;
  n: number;
}

/** An additive indicator's counts for one Shanghai day and the org owning the rows counted. */
export interface DayPart {
  day: string;
  orgId: string;
  numerator: number;
  denominator: number;
}

export interface IndicatorDeclaration extends Omit<IndicatorMeta, 'module' | 'cityWide'> {
  cityWide?: boolean;
  compute(ctx: IndicatorContext): Promise<IndicatorValue>;
  combine?: Combine;
  /**
   * A `share` or `sum` indicator's counts over ctx's period and subtree by day and owning org in
   * one pass (the backfill of many days); for `sum` the count is the numerator. Without it the
   * backfill computes each day.
   */
  byDay?(ctx: IndicatorContext): Promise<DayPart[]>;
  /** The rows the value was computed from, at most `limit`, in the same scope and period. */
  rows(ctx: IndicatorContext, limit: number): Promise<IndicatorRows>;
}

/** A share from counts: null when nothing was counted. */
export function shareOf(numerator: number, denominator: number): IndicatorValue {
  return { value: denominator === 0 ? null : numerator / denominator, numerator, denominator };
}

/** A plain figure (a median, a count) with no numerator or denominator. */
export function figure(value: number | null): IndicatorValue {
  return { value, numerator: null, denominator: null };
}

/** Seconds between two instants, or null when either is missing. */
export function secondsBetween(a: Date | string | null, b: Date | string | null): number | null {
  return a && b ? (new Date(b).getTime() - new Date(a).getTime()) / 1000 : null;
}

/** An ISO instant for a drill-down cell. */
export function iso(at: Date | string | null): string | null {
  return at ? new Date(at).toISOString() : null;
}

/**
 * A drill-down page and the count of all its rows from one query: `page` selects, orders and
 * limits; the count runs on the same (unselected) query, so page and total never disagree.
 */
export async function pagedRows<TB extends keyof Database, R>(
  q: SelectQueryBuilder<Database, TB, object>,
  page: (q: SelectQueryBuilder<Database, TB, object>) => Promise<R[]>,
): Promise<{ rows: R[]; total: number }> {
  const [rows, count] = await Promise.all([
    page(q),
    q.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}

/**
 * The nearest-rank quantile of a histogram, as PostgreSQL's percentile_disc: the first bucket, in
 * order, whose cumulative count reaches ceil(q × n) (at least the first row). Null when empty.
 */
export function histogramQuantile(buckets: ReadonlyMap<number, number>, q: number): IndicatorValue {
  const sorted = [...buckets].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((s, [, n]) => s + n, 0);
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const [bucket, n] of sorted) {
    seen += n;
    if (seen >= rank) return { value: bucket, numerator: null, denominator: total };
  }
  return { value: null, numerator: null, denominator: 0 };
}
