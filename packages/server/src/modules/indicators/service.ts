import { hostname } from 'node:os';
import {
  compareBestFirst,
  type IndicatorMeta,
  type IndicatorValue,
  type TargetStatus,
  targetStatus,
} from '@citywatch/core/indicators/indicators';
import { DAY_MS, dayStart, daysBetween, shanghaiDay } from '@citywatch/core/indicators/period';
import { type Insertable, type Kysely, sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Database } from '../../db/schema.js';
import { ProblemError } from '../../http/problem.js';
import type { CoreDeps, RegisteredIndicator } from '../module.js';
import { assertOrgInScope, type OrgScope, orgsUnder, subtreePattern } from '../scope.js';
import {
  type Combine,
  figure,
  type HistogramFamily,
  type HistogramRow,
  histogramQuantile,
  type IndicatorContext,
  type IndicatorRows,
  shareOf,
} from './indicator.js';
import { messages } from './messages.js';
import type { IndicatorHistogramsTable, IndicatorSnapshotsTable } from './tables.js';

/** A period longer than this is refused (a year and a day: a leap year's report). */
export const MAX_PERIOD_DAYS = 366;
/**
 * A stored snapshot stands in for its day in a period only when it was computed this long after
 * the day ended: calls answered after midnight, night shifts ending next morning and AVL uploaded
 * late all belong to the day, and the first snapshot (minutes after midnight) misses them. The
 * scheduler stores each day again once this has passed (`scheduledSnapshot`); an earlier one
 * still serves the day's own figure and trend point.
 */
export const SNAPSHOT_SETTLED_AFTER_MS = DAY_MS;
/** Days counted by one grouped computation of the backfill. */
const BACKFILL_CHUNK_DAYS = 31;
/** A claim unfinished for this long is taken to be a dead node's and may be taken over. */
const STALE_CLAIM_MS = 3_600_000;

export interface OrgRef {
  id: string;
  name: string;
  code: string;
  kind: string;
  path: string;
}

export interface Period {
  from: Date;
  to: Date;
}

export interface IndicatorFigure extends IndicatorMeta, IndicatorValue {
  status: TargetStatus;
  /** Set when the computation failed (the value is null then). */
  error?: string;
}

/**
 * The indicator registry (every module's declarations, collected by the app), live computation over
 * a period for an org's subtree, the drill-down rows, the daily snapshots with the rule version,
 * trends from them and rankings of stations.
 */
export class IndicatorsService {
  private readonly db: Kysely<Database>;
  private readonly node = `${hostname()}:${process.pid}`;

  constructor(private readonly deps: Pick<CoreDeps, 'db' | 'indicatorRegistry' | 'now' | 'log'>) {
    this.db = deps.db.kysely;
  }

  /** Every registered indicator, in module order. */
  list(): IndicatorMeta[] {
    return this.deps.indicatorRegistry.map(metaOf);
  }

  find(id: string, field = 'id'): RegisteredIndicator {
    const found = this.deps.indicatorRegistry.find((i) => i.id === id);
    if (!found) {
      throw new ProblemError('not_found', messages.unknownIndicator(id), [
        { field, rule: 'unknown_indicator', message: '' },
      ]);
    }
    return found;
  }

  /** The org asked for (default: the actor's own), which must lie in the actor's subtree. */
  async org(actor: OrgScope, orgId: string | undefined): Promise<OrgRef> {
    const id = orgId ?? actor.orgId;
    if (orgId) await assertOrgInScope(this.db, actor, orgId, 'org');
    return this.db
      .selectFrom('orgs')
      .select(['id', 'name', 'code', 'kind', 'path'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  }

  /** An org by its code (the CLI's --org), or the root of the tree without one. */
  async orgByCode(code: string | undefined): Promise<OrgRef | undefined> {
    let q = this.db.selectFrom('orgs').select(['id', 'name', 'code', 'kind', 'path']);
    q = code ? q.where('code', '=', code) : q.where('parent_id', 'is', null).orderBy('path');
    return q.executeTakeFirst();
  }

  /** Days YYYY-MM-DD from..to inclusive (Shanghai) as [from, to); default today. */
  period(fromDay: string | undefined, toDay: string | undefined): Period {
    const today = shanghaiDay(this.deps.now());
    const start = (text: string, field: string) => {
      const at = dayStart(text);
      if (!at) throw new ProblemError('validation', undefined, [{ field, rule: 'no_such_day', message: '' }]);
      return at;
    };
    const from = start(fromDay ?? toDay ?? today, 'from');
    const to = new Date(start(toDay ?? fromDay ?? today, 'to').getTime() + DAY_MS);
    if (to <= from) {
      throw new ProblemError('validation', messages.periodOrder, [
        { field: 'to', rule: 'period_order', message: '' },
      ]);
    }
    if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * DAY_MS) {
      throw new ProblemError('validation', messages.periodTooLong(MAX_PERIOD_DAYS), [
        { field: 'to', rule: 'period_too_long', message: '' },
      ]);
    }
    return { from, to };
  }

  context(org: OrgScope, period: Period): IndicatorContext {
    const memos = new Map<string, Promise<unknown>>();
    return {
      db: this.db,
      scope: { orgId: org.orgId, orgPath: org.orgPath },
      from: period.from,
      to: period.to,
      memo: <T>(key: string, load: () => Promise<T>) => {
        let p = memos.get(key) as Promise<T> | undefined;
        if (!p) {
          p = load();
          memos.set(key, p);
        }
        return p;
      },
    };
  }

  /**
   * Every indicator (or those named) for the org's subtree over the period. Over more than one
   * whole day, an indicator that declares how it combines (`combine`) is made from the org's
   * stored daily snapshots under its current rule version (and, for quantiles, their histograms),
   * the days without one computed live, consecutive ones together; the others are computed live.
   */
  async compute(org: OrgRef, period: Period, ids?: readonly string[]): Promise<IndicatorFigure[]> {
    const chosen = ids ? ids.map((id) => this.find(id, 'ids')) : this.deps.indicatorRegistry;
    const ctx = this.context(scopeOf(org), period);
    const days = wholeDays(period);
    const combined = days && days.length > 1 ? chosen.filter((i) => i.combine && !i.cityWide) : [];
    const fromDays = combined.length > 0 ? await this.fromDays(org, days!, combined) : new Map();
    return Promise.all(
      chosen.map((indicator) => fromDays.get(indicator.id) ?? this.computeOne(indicator, ctx)),
    );
  }

  /**
   * Combinable indicators over whole days from the org's stored snapshots of the same rule
   * version, and live computations of the runs of days without one.
   */
  private async fromDays(
    org: OrgRef,
    days: readonly string[],
    indicators: readonly RegisteredIndicator[],
  ): Promise<Map<string, Promise<IndicatorFigure>>> {
    const stored = await this.db
      .selectFrom('indicator_snapshots')
      .select(['indicator_id', 'day', 'value', 'numerator', 'denominator', 'rule_version', 'computed_at'])
      .where('org_id', '=', org.id)
      .where(
        'indicator_id',
        'in',
        indicators.map((i) => i.id),
      )
      .where('day', '>=', days[0])
      .where('day', '<=', days[days.length - 1])
      .execute();
    // One live context per run of missing days, shared by the indicators missing the same run.
    const runs = new Map<string, IndicatorContext>();
    const runCtx = (run: Period) => {
      const key = `${run.from.toISOString()}/${run.to.toISOString()}`;
      let ctx = runs.get(key);
      if (!ctx) {
        ctx = this.context(scopeOf(org), run);
        runs.set(key, ctx);
      }
      return ctx;
    };
    const storedHistograms = new Map<string, Promise<Map<string, Map<number, number>>>>();
    const out = new Map<string, Promise<IndicatorFigure>>();
    for (const indicator of indicators) {
      const mine = stored.filter(
        (r) =>
          r.indicator_id === indicator.id &&
          r.rule_version === indicator.ruleVersion &&
          settled(r.day, r.computed_at),
      );
      const have = new Set(mine.map((r) => r.day));
      const missing = missingRuns(days, have).map(runCtx);
      const combine = indicator.combine!;
      out.set(
        indicator.id,
        this.guarded(indicator, async () => {
          if (combine.kind !== 'quantile') {
            const parts: IndicatorValue[] = [...mine];
            for (const ctx of missing) {
              const f = await this.computeOne(indicator, ctx);
              if (f.error) throw new Error(f.error);
              parts.push(f);
            }
            return combineParts(combine.kind, parts);
          }
          // Quantiles: the stored days' histograms of the family (one query for its indicators
          // with the same days), plus the missing runs' histograms counted live.
          const haveDays = [...have].sort();
          const key = `${combine.histogram.id}/${indicator.ruleVersion}/${haveDays.join(',')}`;
          let storedH = storedHistograms.get(key);
          if (!storedH) {
            storedH = this.storedHistograms(combine.histogram.id, org, haveDays, indicator.ruleVersion);
            storedHistograms.set(key, storedH);
          }
          const buckets = new Map((await storedH).get(combine.series) ?? []);
          for (const ctx of missing) {
            for (const r of await combine.histogram.load(ctx)) {
              if (r.series === combine.series) buckets.set(r.bucket, (buckets.get(r.bucket) ?? 0) + r.n);
            }
          }
          return histogramQuantile(buckets, combine.q);
        }),
      );
    }
    return out;
  }

  /** A family's stored histograms of the org on the days given, summed by series and bucket. */
  private async storedHistograms(
    family: string,
    org: OrgRef,
    days: readonly string[],
    ruleVersion: number,
  ): Promise<Map<string, Map<number, number>>> {
    const out = new Map<string, Map<number, number>>();
    if (days.length === 0) return out;
    const rows = await this.db
      .selectFrom('indicator_histograms')
      .select((eb) => ['series', 'bucket', eb.fn.sum<string>('n').as('n')])
      .where('family', '=', family)
      .where('org_id', '=', org.id)
      .where('day', '>=', days[0])
      .where('day', '<=', days[days.length - 1])
      // The days between that are not stored under the rule are left out (a range alone when none).
      .$if(days.length < daysBetween(dayStart(days[0])!, dayStart(days[days.length - 1])!).length + 1, (q) =>
        q.where('day', 'in', days),
      )
      .where('rule_version', '=', ruleVersion)
      .groupBy(['series', 'bucket'])
      .execute();
    for (const r of rows) {
      entry(out, r.series, () => new Map<number, number>()).set(r.bucket, Number(r.n));
    }
    return out;
  }

  /** An indicator's figure from a value computed by `run`, or the failure as computeOne gives it. */
  private async guarded(
    indicator: RegisteredIndicator,
    run: () => Promise<IndicatorValue>,
  ): Promise<IndicatorFigure> {
    const meta = metaOf(indicator);
    try {
      const v = await run();
      return { ...meta, ...v, status: targetStatus(v.value, meta.target, meta.higherIsBetter) };
    } catch (error) {
      this.deps.log.error({ err: error, indicator: indicator.id }, 'indicator computation failed');
      return {
        ...meta,
        value: null,
        numerator: null,
        denominator: null,
        status: 'none',
        error: (error as Error).message,
      };
    }
  }

  private computeOne(indicator: RegisteredIndicator, ctx: IndicatorContext): Promise<IndicatorFigure> {
    return this.guarded(indicator, () => indicator.compute(ctx));
  }

  /** The rows an indicator's value was computed from, in the same scope and period. */
  async rows(id: string, org: OrgRef, period: Period, limit: number): Promise<IndicatorRows> {
    return this.find(id).rows(this.context(scopeOf(org), period), limit);
  }

  /** The org's snapshots of an indicator by day over the period (days without one are left out). */
  async trend(id: string, org: OrgRef, period: Period) {
    const meta = metaOf(this.find(id));
    const rows = await this.db
      .selectFrom('indicator_snapshots')
      .select(['day', 'value', 'numerator', 'denominator', 'rule_version', 'computed_at'])
      .where('indicator_id', '=', id)
      .where('org_id', '=', org.id)
      .where('day', '>=', shanghaiDay(period.from))
      .where('day', '<', shanghaiDay(period.to))
      .orderBy('day')
      .execute();
    return {
      indicator: meta,
      points: rows.map((r) => ({
        day: r.day,
        value: r.value,
        numerator: r.numerator,
        denominator: r.denominator,
        ruleVersion: r.rule_version,
        status: targetStatus(r.value, meta.target, meta.higherIsBetter),
      })),
    };
  }

  /** The police stations of the org's subtree ranked by an indicator over the period, best first. */
  async ranking(id: string, org: OrgRef, period: Period) {
    const indicator = this.find(id);
    const meta = metaOf(indicator);
    const stations = await this.stationsUnder(org);
    const values = await Promise.all(
      stations.map(async (s) => ({
        ...(await this.compute(s, period, [indicator.id]))[0],
        orgId: s.id,
        name: s.name,
        code: s.code,
      })),
    );
    const order = compareBestFirst(meta.higherIsBetter);
    return {
      indicator: meta,
      stations: values
        .sort((a, b) => order(a.value, b.value))
        .map((v, i) => ({
          rank: v.value === null ? null : i + 1,
          orgId: v.orgId,
          name: v.name,
          code: v.code,
          value: v.value,
          numerator: v.numerator,
          denominator: v.denominator,
          status: v.status,
        })),
    };
  }

  /**
   * Computes and stores one Shanghai day's value of every indicator for every org of the subtree
   * (replacing what was stored for that day), with the day's histograms of the quantile families.
   * City-wide indicators are computed once.
   */
  async snapshot(
    day: string,
    root: OrgRef,
  ): Promise<{ day: string; orgs: number; values: number; ms: number }> {
    const started = performance.now();
    const from = dayStart(day)!;
    const period = { from, to: new Date(from.getTime() + DAY_MS) };
    const orgs = await this.subtree(root);
    const cityWide = new Map<string, Promise<IndicatorFigure>>();
    const cityCtx = this.context(scopeOf(root), period);
    const computedAt = this.deps.now();
    const families = this.families();
    let values = 0;
    for (const org of orgs) {
      const ctx = this.context(scopeOf(org), period);
      const figures = await Promise.all(
        this.deps.indicatorRegistry.map((indicator) => {
          if (!indicator.cityWide) return this.computeOne(indicator, ctx);
          let p = cityWide.get(indicator.id);
          if (!p) {
            p = this.computeOne(indicator, cityCtx);
            cityWide.set(indicator.id, p);
          }
          return p;
        }),
      );
      // The org's histograms of the day; a family that fails stores none of its quantiles.
      const histograms: IndicatorHistogramsTable[] = [];
      const stored: string[] = [];
      const dropped = new Set<string>();
      for (const f of families) {
        try {
          const counts = new Map<string, number>();
          for (const r of await f.family.load(ctx)) {
            const key = `${r.series}\n${r.bucket}`;
            counts.set(key, (counts.get(key) ?? 0) + r.n);
          }
          for (const [key, n] of counts) {
            const [series, bucket] = key.split('\n');
            histograms.push(histogramRow(f, org.id, day, series, Number(bucket), n));
          }
          stored.push(f.family.id);
        } catch (error) {
          this.deps.log.error({ err: error, family: f.family.id }, 'indicator histogram failed');
          for (const id of f.ids) dropped.add(id);
        }
      }
      const rows = figures
        .filter((f) => !f.error && !dropped.has(f.id))
        .map((f) => snapshotRow(f.id, org.id, day, f, f.ruleVersion, computedAt));
      if (rows.length === 0) continue;
      await this.store(rows, histograms, { orgIds: [org.id], families: stored, from: day, to: day });
      values += rows.length;
    }
    return { day, orgs: orgs.length, values, ms: Math.round(performance.now() - started) };
  }

  /**
   * Stores the daily snapshots of the days fromDay..toDay (Shanghai, inclusive) for every org of
   * the subtree, as the daily snapshot would have made them (a city importing its history, days a
   * node missed): each indicator that can count by day (`byDay`, the quantile histograms) in one
   * grouped computation over up to a month of days for the whole subtree, summed up to each org;
   * the others computed day by day. Replaces what was stored for those days.
   */
  async backfill(
    fromDay: string,
    toDay: string,
    root: OrgRef,
  ): Promise<{ from: string; to: string; days: number; orgs: number; values: number; ms: number }> {
    const started = performance.now();
    const first = dayStart(fromDay);
    const last = dayStart(toDay);
    if (!first || !last || last < first) throw new Error(`no days from ${fromDay} to ${toDay}`);
    // A day not over yet has no history to store (and all-zero rows would stand in for it).
    if (toDay >= shanghaiDay(this.deps.now())) throw new Error(`${toDay} is not over yet`);
    const orgs = await this.subtree(root);
    const pathOf = new Map(orgs.map((o) => [o.id, o.path]));
    const holdersMemo = new Map<string, string[]>();
    // The orgs of the subtree whose own subtree holds a row's org (itself and its ancestors).
    const holders = (orgId: string) => {
      let h = holdersMemo.get(orgId);
      if (!h) {
        const path = pathOf.get(orgId);
        h = path === undefined ? [] : orgs.filter((o) => path.startsWith(o.path)).map((o) => o.id);
        holdersMemo.set(orgId, h);
      }
      return h;
    };
    const families = this.families();
    let values = 0;
    let days = 0;
    for (let t = first.getTime(); t <= last.getTime(); t += BACKFILL_CHUNK_DAYS * DAY_MS) {
      const chunk = {
        from: new Date(t),
        to: new Date(Math.min(t + BACKFILL_CHUNK_DAYS * DAY_MS, last.getTime() + DAY_MS)),
      };
      const chunkDays = daysBetween(chunk.from, chunk.to);
      days += chunkDays.length;
      const ctx = this.context(scopeOf(root), chunk);
      const computedAt = this.deps.now();
      const rows: Insertable<IndicatorSnapshotsTable>[] = [];
      const histograms: IndicatorHistogramsTable[] = [];
      const done = new Set<string>();
      // Additive indicators: their counts by day and owning org, summed up the tree.
      for (const indicator of this.deps.indicatorRegistry) {
        const combine = indicator.combine;
        if (!combine || combine.kind === 'quantile' || !indicator.byDay || indicator.cityWide) continue;
        let parts: Awaited<ReturnType<NonNullable<typeof indicator.byDay>>>;
        try {
          parts = await indicator.byDay(ctx);
        } catch (error) {
          this.deps.log.error({ err: error, indicator: indicator.id }, 'indicator backfill failed');
          done.add(indicator.id);
          continue;
        }
        const sums = new Map<string, { numerator: number; denominator: number }>();
        for (const p of parts) {
          for (const orgId of holders(p.orgId)) {
            const key = `${orgId}/${p.day}`;
            const sum = sums.get(key) ?? { numerator: 0, denominator: 0 };
            sum.numerator += p.numerator;
            sum.denominator += p.denominator;
            sums.set(key, sum);
          }
        }
        for (const org of orgs) {
          for (const day of chunkDays) {
            const sum = sums.get(`${org.id}/${day}`) ?? { numerator: 0, denominator: 0 };
            const v =
              combine.kind === 'share'
                ? shareOf(sum.numerator, sum.denominator)
                : { value: sum.numerator, numerator: null, denominator: null };
            rows.push(snapshotRow(indicator.id, org.id, day, v, indicator.ruleVersion, computedAt));
          }
        }
        done.add(indicator.id);
      }
      // Quantile families: histograms by day and owning org, summed up the tree.
      const storedFamilies: string[] = [];
      for (const f of families) {
        for (const id of f.ids) done.add(id);
        let loaded: HistogramRow[];
        try {
          loaded = await f.family.load(ctx);
        } catch (error) {
          this.deps.log.error({ err: error, family: f.family.id }, 'indicator histogram backfill failed');
          continue;
        }
        const counts = new Map<string, Map<string, Map<number, number>>>();
        for (const r of loaded) {
          for (const orgId of holders(r.orgId)) {
            const key = `${orgId}/${r.day}`;
            const buckets = entry(
              entry(counts, key, () => new Map()),
              r.series,
              () => new Map(),
            );
            buckets.set(r.bucket, (buckets.get(r.bucket) ?? 0) + r.n);
          }
        }
        for (const org of orgs) {
          for (const day of chunkDays) {
            const bySeries = counts.get(`${org.id}/${day}`);
            for (const [series, buckets] of bySeries ?? []) {
              for (const [bucket, n] of buckets)
                histograms.push(histogramRow(f, org.id, day, series, bucket, n));
            }
            for (const indicator of f.indicators) {
              const combine = indicator.combine as Extract<Combine, { kind: 'quantile' }>;
              const v = histogramQuantile(bySeries?.get(combine.series) ?? new Map(), combine.q);
              rows.push(snapshotRow(indicator.id, org.id, day, v, indicator.ruleVersion, computedAt));
            }
          }
        }
        storedFamilies.push(f.family.id);
      }
      // The others, day by day as the daily snapshot computes them.
      const rest = this.deps.indicatorRegistry.filter((i) => !done.has(i.id));
      for (const day of chunkDays) {
        const from = dayStart(day)!;
        const period = { from, to: new Date(from.getTime() + DAY_MS) };
        const cityWide = new Map<string, Promise<IndicatorFigure>>();
        const cityCtx = this.context(scopeOf(root), period);
        for (const org of orgs) {
          const dayCtx = this.context(scopeOf(org), period);
          const figures = await Promise.all(
            rest.map((indicator) => {
              if (!indicator.cityWide) return this.computeOne(indicator, dayCtx);
              let p = cityWide.get(indicator.id);
              if (!p) {
                p = this.computeOne(indicator, cityCtx);
                cityWide.set(indicator.id, p);
              }
              return p;
            }),
          );
          for (const f of figures) {
            if (!f.error) rows.push(snapshotRow(f.id, org.id, day, f, f.ruleVersion, computedAt));
          }
        }
      }
      await this.store(rows, histograms, {
        orgIds: orgs.map((o) => o.id),
        families: storedFamilies,
        from: chunkDays[0],
        to: chunkDays[chunkDays.length - 1],
      });
      values += rows.length;
    }
    return {
      from: fromDay,
      to: toDay,
      days,
      orgs: orgs.length,
      values,
      ms: Math.round(performance.now() - started),
    };
  }

  /** The quantile families of the registry, with their indicators (which share one rule version). */
  private families() {
    const out = new Map<
      string,
      { family: HistogramFamily; ruleVersion: number; ids: string[]; indicators: RegisteredIndicator[] }
    >();
    for (const i of this.deps.indicatorRegistry) {
      if (i.combine?.kind !== 'quantile' || i.cityWide) continue;
      const f = out.get(i.combine.histogram.id) ?? {
        family: i.combine.histogram,
        ruleVersion: i.ruleVersion,
        ids: [],
        indicators: [],
      };
      f.ids.push(i.id);
      f.indicators.push(i);
      out.set(f.family.id, f);
    }
    return [...out.values()];
  }

  /**
   * Upserts snapshot rows and replaces the histograms of the families named for the orgs and days
   * from..to, in one transaction (a day's quantile snapshot and its histogram go together).
   */
  private async store(
    rows: Insertable<IndicatorSnapshotsTable>[],
    histograms: IndicatorHistogramsTable[],
    scope: { orgIds: string[]; families: string[]; from: string; to: string },
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      // One writer of snapshots at a time (the scheduler, a manual snapshot, a backfill): two at
      // once would collide on the histogram rows and could deadlock on the snapshot rows.
      await sql`select pg_advisory_xact_lock(${SNAPSHOT_WRITE_LOCK})`.execute(trx);
      for (let i = 0; i < rows.length; i += 1000) {
        await trx
          .insertInto('indicator_snapshots')
          .values(rows.slice(i, i + 1000))
          .onConflict((oc) =>
            oc.columns(['indicator_id', 'org_id', 'day']).doUpdateSet((eb) => ({
              value: eb.ref('excluded.value'),
              numerator: eb.ref('excluded.numerator'),
              denominator: eb.ref('excluded.denominator'),
              rule_version: eb.ref('excluded.rule_version'),
              computed_at: eb.ref('excluded.computed_at'),
            })),
          )
          .execute();
      }
      if (scope.families.length > 0) {
        await trx
          .deleteFrom('indicator_histograms')
          .where('family', 'in', scope.families)
          .where('org_id', 'in', scope.orgIds)
          .where('day', '>=', scope.from)
          .where('day', '<=', scope.to)
          .execute();
      }
      for (let i = 0; i < histograms.length; i += 2000) {
        await trx
          .insertInto('indicator_histograms')
          .values(histograms.slice(i, i + 2000))
          .execute();
      }
    });
  }

  /** The orgs of the subtree, by path. */
  private subtree(root: OrgRef): Promise<OrgRef[]> {
    return this.db
      .selectFrom('orgs')
      .select(['id', 'name', 'code', 'kind', 'path'])
      .where('path', 'like', subtreePattern(scopeOf(root)))
      .orderBy('path')
      .execute();
  }

  /**
   * Runs `job` for `period` once across nodes: true when this node claimed it (and ran it), false
   * when another node has or had it. A claim unfinished for an hour is taken over.
   */
  async once(job: string, period: string, run: () => Promise<void>): Promise<boolean> {
    const now = this.deps.now();
    const claimed = await this.db
      .insertInto('indicator_jobs')
      .values({ job, period, claimed_by: this.node, claimed_at: now, finished_at: null })
      .onConflict((oc) =>
        oc
          .columns(['job', 'period'])
          .doUpdateSet({ claimed_by: this.node, claimed_at: now })
          .where('indicator_jobs.finished_at', 'is', null)
          .where('indicator_jobs.claimed_at', '<', new Date(now.getTime() - STALE_CLAIM_MS)),
      )
      .returning('claimed_by')
      .executeTakeFirst();
    if (!claimed) return false;
    await run();
    await this.db
      .updateTable('indicator_jobs')
      .set({ finished_at: this.deps.now() })
      .where('job', '=', job)
      .where('period', '=', period)
      .execute();
    return true;
  }

  /** The scheduled step: yesterday's snapshot of the whole tree, once across nodes. */
  async scheduledSnapshot(): Promise<boolean> {
    const today = dayStart(shanghaiDay(this.deps.now()))!.getTime();
    const yesterday = shanghaiDay(new Date(today - DAY_MS));
    const dayBefore = shanghaiDay(new Date(today - 2 * DAY_MS));
    const root = await this.orgByCode(undefined);
    if (!root) return false;
    const first = await this.once('snapshot', yesterday, async () => {
      const r = await this.snapshot(yesterday, root);
      this.deps.log.info(r, 'indicator snapshot stored');
    });
    // The day before once more, now that it has settled (SNAPSHOT_SETTLED_AFTER_MS): the one
    // periods add up.
    await this.once('snapshot-settled', dayBefore, async () => {
      const r = await this.snapshot(dayBefore, root);
      this.deps.log.info(r, 'settled indicator snapshot stored');
    });
    return first;
  }

  /** The police stations of the org's subtree, by name. */
  stationsUnder(org: OrgRef): Promise<OrgRef[]> {
    return this.db
      .selectFrom('orgs')
      .select(['id', 'name', 'code', 'kind', 'path'])
      .where('path', 'like', subtreePattern(scopeOf(org)))
      .where('kind', '=', 'police_station')
      .orderBy('code')
      .execute();
  }

  /**
   * One value per day of an indicator for the org: the stored snapshot where there is one (its
   * rule then), else computed now from the records.
   */
  async dailyValues(id: string, org: OrgRef, days: readonly string[]): Promise<(number | null)[]> {
    const indicator = this.find(id);
    if (days.length === 0) return [];
    const stored = new Map(
      (
        await this.db
          .selectFrom('indicator_snapshots')
          .select(['day', 'value'])
          .where('indicator_id', '=', id)
          .where('org_id', '=', org.id)
          .where('day', '>=', days[0])
          .where('day', '<=', days[days.length - 1])
          .execute()
      ).map((r) => [r.day, r.value] as const),
    );
    return Promise.all(
      days.map(async (day) => {
        if (stored.has(day)) return stored.get(day)!;
        const from = dayStart(day)!;
        const ctx = this.context(scopeOf(org), { from, to: new Date(from.getTime() + DAY_MS) });
        return (await this.computeOne(indicator, ctx)).value;
      }),
    );
  }

  /** The days of a period, for reports that need a value per day. */
  days(period: Period): string[] {
    return daysBetween(period.from, period.to);
  }

  now(): Date {
    return this.deps.now();
  }

  /** The database, for the report sections of other modules (report-section.ts). */
  database(): Kysely<Database> {
    return this.db;
  }

  /** The archived reports of the org's subtree, newest first (without their bytes). */
  async reports(org: OrgRef) {
    const rows = await this.db
      .selectFrom('indicator_reports')
      .innerJoin('orgs', 'orgs.id', 'indicator_reports.org_id')
      .select((eb) => [
        'indicator_reports.id',
        'indicator_reports.org_id',
        'orgs.name as org_name',
        'indicator_reports.kind',
        'indicator_reports.format',
        'indicator_reports.label',
        'indicator_reports.sha256',
        'indicator_reports.created_at',
        eb.fn<number>('octet_length', ['indicator_reports.bytes']).as('size'),
      ])
      .where('indicator_reports.org_id', 'in', orgsUnder(this.db, scopeOf(org)))
      .orderBy('indicator_reports.created_at', 'desc')
      .limit(200)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      orgId: r.org_id,
      orgName: r.org_name,
      kind: r.kind,
      format: r.format,
      label: r.label,
      sha256: r.sha256,
      bytes: Number(r.size),
      createdAt: new Date(r.created_at).toISOString(),
    }));
  }

  /** One archived report of the asker's subtree (404 otherwise: outside is as good as missing). */
  async report(id: string, actor: OrgScope) {
    const row = await this.db
      .selectFrom('indicator_reports')
      .innerJoin('orgs', 'orgs.id', 'indicator_reports.org_id')
      .selectAll('indicator_reports')
      .select('orgs.name as org_name')
      .where('indicator_reports.id', '=', id)
      .where('indicator_reports.org_id', 'in', orgsUnder(this.db, actor))
      .executeTakeFirst();
    if (!row) throw new ProblemError('not_found', messages.noSuchReport);
    return row;
  }

  /** Archives a generated report with the SHA-256 of its bytes. */
  async archive(input: {
    org: OrgRef;
    kind: 'daily' | 'weekly' | 'monthly';
    format: 'pdf' | 'xlsx';
    period: Period & { label: string };
    bytes: Buffer;
    sha256: string;
    userId: string | null;
  }): Promise<string> {
    const id = uuidv7();
    await this.db
      .insertInto('indicator_reports')
      .values({
        id,
        org_id: input.org.id,
        kind: input.kind,
        format: input.format,
        period_from: input.period.from,
        period_to: input.period.to,
        label: input.period.label,
        sha256: input.sha256,
        bytes: input.bytes,
        created_by: input.userId,
        created_at: this.deps.now(),
      })
      .execute();
    return id;
  }
}

export function scopeOf(org: Pick<OrgRef, 'id' | 'path'>): OrgScope {
  return { orgId: org.id, orgPath: org.path };
}

function metaOf(i: RegisteredIndicator): IndicatorMeta {
  return {
    id: i.id,
    module: i.module,
    name: i.name,
    unit: i.unit,
    target: i.target,
    higherIsBetter: i.higherIsBetter,
    ruleVersion: i.ruleVersion,
    cityWide: i.cityWide ?? false,
  };
}

/** The Shanghai days of a period that starts and ends at midnight, else null. */
/** Lock key of snapshot writes (pg_advisory_xact_lock; any constant unused elsewhere). */
const SNAPSHOT_WRITE_LOCK = 7_160_151;

/** Whether a snapshot of `day` computed at `computedAt` was taken after the day settled. */
function settled(day: string, computedAt: Date | string): boolean {
  return new Date(computedAt).getTime() >= dayStart(day)!.getTime() + DAY_MS + SNAPSHOT_SETTLED_AFTER_MS;
}

function wholeDays(period: Period): string[] | null {
  if (dayStart(shanghaiDay(period.from))!.getTime() !== period.from.getTime()) return null;
  if (dayStart(shanghaiDay(period.to))!.getTime() !== period.to.getTime()) return null;
  return daysBetween(period.from, period.to);
}

/** The runs of consecutive days (of `days`, in order) not in `have`, as periods. */
function missingRuns(days: readonly string[], have: ReadonlySet<string>): Period[] {
  const runs: Period[] = [];
  let open: Date | null = null;
  for (const day of [...days, null]) {
    if (day !== null && !have.has(day)) {
      open ??= dayStart(day)!;
    } else if (open) {
      runs.push({
        from: open,
        to: day === null ? new Date(dayStart(days[days.length - 1])!.getTime() + DAY_MS) : dayStart(day)!,
      });
      open = null;
    }
  }
  return runs;
}

/** Days' values combined into a period's: Σnumerator/Σdenominator (share) or Σvalue (sum). */
function combineParts(kind: 'share' | 'sum', parts: readonly IndicatorValue[]): IndicatorValue {
  if (kind === 'sum') return figure(parts.reduce((s, p) => s + (p.value ?? 0), 0));
  return shareOf(
    parts.reduce((s, p) => s + (p.numerator ?? 0), 0),
    parts.reduce((s, p) => s + (p.denominator ?? 0), 0),
  );
}

function snapshotRow(
  indicatorId: string,
  orgId: string,
  day: string,
  v: IndicatorValue,
  ruleVersion: number,
  computedAt: Date,
): Insertable<IndicatorSnapshotsTable> {
  return {
    indicator_id: indicatorId,
    org_id: orgId,
    day,
    value: v.value,
    numerator: v.numerator,
    denominator: v.denominator,
    rule_version: ruleVersion,
    computed_at: computedAt,
  };
}

function histogramRow(
  f: { family: HistogramFamily; ruleVersion: number },
  orgId: string,
  day: string,
  series: string,
  bucket: number,
  n: number,
): IndicatorHistogramsTable {
  return { family: f.family.id, org_id: orgId, day, series, bucket, n, rule_version: f.ruleVersion };
}

/** The map's value at key, set to make() first when absent. */
function entry<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}
