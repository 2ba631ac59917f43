import { hostname } from 'node:os';
import {
  compareBestFirst,
  type IndicatorMeta,
  type IndicatorValue,
  type TargetStatus,
  targetStatus,
} from '@citywatch/core/indicators/indicators';
import { DAY_MS, dayStart, daysBetween, shanghaiDay } from '@citywatch/core/indicators/period';
import type { Kysely } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Database } from '../../db/schema.js';
import { ProblemError } from '../../http/problem.js';
import type { CoreDeps, RegisteredIndicator } from '../module.js';
import { assertOrgInScope, type OrgScope, orgsUnder, subtreePattern } from '../scope.js';
import type { IndicatorContext, IndicatorRows } from './indicator.js';
import { messages } from './messages.js';

/** A period longer than this is refused (a year and a day: a leap year's report). */
export const MAX_PERIOD_DAYS = 366;
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

  /** Every indicator (or those named) computed from live data for the org's subtree. */
  async compute(org: OrgRef, period: Period, ids?: readonly string[]): Promise<IndicatorFigure[]> {
    const chosen = ids ? ids.map((id) => this.find(id, 'ids')) : this.deps.indicatorRegistry;
    const ctx = this.context(scopeOf(org), period);
    return Promise.all(chosen.map((indicator) => this.computeOne(indicator, ctx)));
  }

  private async computeOne(indicator: RegisteredIndicator, ctx: IndicatorContext): Promise<IndicatorFigure> {
    const meta = metaOf(indicator);
    try {
      const v = await indicator.compute(ctx);
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
        ...(await this.computeOne(indicator, this.context(scopeOf(s), period))),
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
   * (replacing what was stored for that day). City-wide indicators are computed once.
   */
  async snapshot(
    day: string,
    root: OrgRef,
  ): Promise<{ day: string; orgs: number; values: number; ms: number }> {
    const started = performance.now();
    const from = dayStart(day)!;
    const period = { from, to: new Date(from.getTime() + DAY_MS) };
    const orgs = await this.db
      .selectFrom('orgs')
      .select(['id', 'name', 'code', 'kind', 'path'])
      .where('path', 'like', subtreePattern(scopeOf(root)))
      .orderBy('path')
      .execute();
    const cityWide = new Map<string, Promise<IndicatorFigure>>();
    const cityCtx = this.context(scopeOf(root), period);
    const computedAt = this.deps.now();
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
      const rows = figures
        .filter((f) => !f.error)
        .map((f) => ({
          indicator_id: f.id,
          org_id: org.id,
          day,
          value: f.value,
          numerator: f.numerator,
          denominator: f.denominator,
          rule_version: f.ruleVersion,
          computed_at: computedAt,
        }));
      if (rows.length === 0) continue;
      await this.db
        .insertInto('indicator_snapshots')
        .values(rows)
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
      values += rows.length;
    }
    return { day, orgs: orgs.length, values, ms: Math.round(performance.now() - started) };
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
    const yesterday = shanghaiDay(new Date(dayStart(shanghaiDay(this.deps.now()))!.getTime() - DAY_MS));
    const root = await this.orgByCode(undefined);
    if (!root) return false;
    return this.once('snapshot', yesterday, async () => {
      const r = await this.snapshot(yesterday, root);
      this.deps.log.info(r, 'indicator snapshot stored');
    });
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
