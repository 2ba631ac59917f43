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

export interface IndicatorDeclaration extends Omit<IndicatorMeta, 'module' | 'cityWide'> {
  cityWide?: boolean;
  compute(ctx: IndicatorContext): Promise<IndicatorValue>;
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
