/**
 * 单元防控 — the patrol module's service: incident history import, hot spots for a time window, and
 * the evaluation of the hot-spot models (NIJ hit rate / PAI / PEI, every model beside prior
 * counts).
 *
 * Need to know: a history incident belongs to the org whose jurisdiction it falls in; hot spots
 * and evaluations read only the incidents of the actor's org subtree (in the query), so a station
 * sees its own area's hot spots and the city bureau the city's. An evaluation is stored with the
 * org it was run for and read back by that org's people.
 *
 * Ranking and evaluation are CPU work on thousands to millions of incidents: they run on the
 * worker pool (workers module), with the city's road graph shared with the threads; the units
 * built on a graph (H3 cells, street segments, their network) stay in the thread for later runs.
 */
import type { ColumnMapping } from '@citywatch/core/patrol/columns';
import type { ModelName } from '@citywatch/core/patrol/models';
import type { Crs } from '@citywatch/core/patrol/rows';
import type { Evaluation, HistorySummary, HotspotCollection } from '@citywatch/core/patrol/schemas';
import type { DateFormat } from '@citywatch/core/patrol/time';
import { parseUnitSpec, unitSpecName } from '@citywatch/core/patrol/units';
import type { Kysely } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Database } from '../../db/schema.js';
import { ProblemError } from '../../http/problem.js';
import type { HeavyJobs } from '../../workers/module.js';
import type { Publish } from '../module.js';
import type { PlacesService } from '../places/service.js';
import type { CityRuntime } from '../roads/registry.js';
import { DEFAULT_TZ, ImportInputError, type ImportReport, importIncidents } from './import.js';
import { messages } from './messages.js';
import * as store from './store.js';

const DAY_MS = 86_400_000;

export interface PatrolActor {
  userId: string;
  orgId: string;
  orgPath: string;
}

export interface HotspotQuery {
  model: ModelName;
  unit: string;
  from?: Date;
  to?: Date;
  trainDays: number;
  coverage: number;
  limit: number;
  categories: string[];
  bandwidthM?: number;
  halfLifeDays?: number;
}

export interface EvaluationRequest {
  unit: string;
  trainDays: number;
  testDays: number;
  windows: number;
  coverages: number[];
  categories: string[];
  bandwidthM?: number;
  halfLifeDays?: number;
}

export interface ImportRequest {
  fileName: string;
  content: string;
  map?: ColumnMapping;
  dateFormat?: DateFormat;
  tz?: string;
  epochIsLocal?: boolean;
  crs?: Crs;
  categoryMap?: Record<string, string>;
}

export class PatrolService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly places: PlacesService,
    private readonly jobs: HeavyJobs,
    private readonly now: () => Date,
    private readonly publish: Publish,
  ) {}

  city(name: string | undefined): Promise<CityRuntime> {
    return this.places.city(name);
  }

  /** Imports a (small) history file into the city; rows outside the actor's subtree are refused. */
  async importFile(city: CityRuntime, request: ImportRequest, actor: PatrolActor): Promise<ImportReport> {
    try {
      const report = await importIncidents(
        { db: this.db, city, places: this.places, now: this.now() },
        {
          city: city.name,
          fileName: request.fileName,
          text: request.content,
          mapping: request.map,
          dateFormat: request.dateFormat,
          tz: request.tz,
          epochIsLocal: request.epochIsLocal,
          crs: request.crs,
          categoryMap: request.categoryMap,
        },
        actor,
      );
      if (report.imported > 0) {
        this.publish('patrol.history_imported', null, {
          city: city.name,
          importId: report.import_id,
          imported: report.imported,
        });
      }
      return report;
    } catch (error) {
      if (error instanceof ImportInputError) {
        throw new ProblemError('validation', messages.importRefused(error.message), [
          { field: error.field === 'file' ? 'content' : error.field, rule: error.rule, message: '' },
        ]);
      }
      throw error;
    }
  }

  /** How much history the actor sees in the city, and its categories. */
  async history(city: CityRuntime, actor: PatrolActor): Promise<HistorySummary> {
    const summary = await store.historySummary(this.db, city.name, actor);
    return {
      city: city.name,
      count: summary.count,
      first: summary.first?.toISOString() ?? null,
      last: summary.last?.toISOString() ?? null,
      tz: await this.timeZone(city),
      categories: summary.categories,
    };
  }

  /** Hot spots of the window [from, to) (default: the next 7 days), from the history before it. */
  async hotspots(city: CityRuntime, query: HotspotQuery, actor: PatrolActor): Promise<HotspotCollection> {
    const unit = this.unitName(query.unit, query.model);
    const now = this.now().getTime();
    const from = query.from?.getTime() ?? now;
    const to = query.to?.getTime() ?? from + 7 * DAY_MS;
    if (!(to > from)) {
      throw new ProblemError('validation', messages.windowOrder, [
        { field: 'to', rule: 'after_from', message: '' },
      ]);
    }
    const trainTo = Math.min(from, now);
    const trainFrom = trainTo - query.trainDays * DAY_MS;
    const tz = await this.timeZone(city);
    const history = await store.historyColumns(this.db, city.name, actor, {
      from: new Date(trainFrom),
      to: new Date(trainTo),
      categories: query.categories,
    });
    const transfer = [history.lon.buffer, history.lat.buffer, history.time.buffer] as ArrayBuffer[];
    const ranked = await this.jobs.run(
      'patrol.hotspots',
      {
        lon: history.lon,
        lat: history.lat,
        time: history.time,
        unit,
        model: query.model,
        from,
        to,
        trainTo,
        trainDays: query.trainDays,
        tz,
        coverage: query.coverage,
        limit: query.limit,
        params: this.params(query),
      },
      { city, transfer },
    );
    return {
      type: 'FeatureCollection',
      features: ranked.features,
      meta: {
        city: city.name,
        model: query.model,
        unit,
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
        trainFrom: new Date(trainFrom).toISOString(),
        trainTo: new Date(trainTo).toISOString(),
        tz,
        coverage: query.coverage,
        units: ranked.units,
        measureUnit: ranked.measureUnit,
        totalMeasure: ranked.totalMeasure,
        universe: ranked.universe,
        trainIncidents: ranked.trainIncidents,
        trainOutside: ranked.trainOutside,
        totalExpected: ranked.totalExpected,
        flaggedUnits: ranked.flaggedUnits,
        flaggedMeasureShare: ranked.flaggedMeasureShare,
        flaggedExpectedShare: ranked.flaggedExpectedShare,
        categories: query.categories,
        computeMs: ranked.computeMs,
      },
    };
  }

  /** Runs the rolling-window evaluation on the history the actor sees and stores it for their org. */
  async evaluate(city: CityRuntime, request: EvaluationRequest, actor: PatrolActor): Promise<Evaluation> {
    const unit = this.unitName(request.unit);
    const history = await store.historyColumns(this.db, city.name, actor, { categories: request.categories });
    const tz = await this.timeZone(city);
    const coverages = request.coverages.map((c) => c.toFixed(Math.max(2, decimals(c))));
    const transfer = [history.lon.buffer, history.lat.buffer, history.time.buffer] as ArrayBuffer[];
    const result = await this.jobs.run(
      'patrol.evaluate',
      {
        lon: history.lon,
        lat: history.lat,
        time: history.time,
        unit,
        trainDays: request.trainDays,
        testDays: request.testDays,
        windows: request.windows,
        coverages,
        tz,
        params: this.params(request),
      },
      { city, transfer },
    );
    const row: store.EvaluationRow = {
      id: uuidv7(),
      city: city.name,
      org_id: actor.orgId,
      unit,
      created_at: this.now(),
      created_by: actor.userId,
      params: { coverages, categories: request.categories },
      result: result as unknown as Record<string, unknown>,
    };
    await store.insertEvaluation(this.db, row);
    return presentEvaluation(row);
  }

  /** The latest evaluation run for the actor's org (of one unit, if named); 404 when none. */
  async latestEvaluation(
    city: CityRuntime,
    unit: string | undefined,
    actor: PatrolActor,
  ): Promise<Evaluation> {
    const row = await store.latestEvaluation(
      this.db,
      city.name,
      actor.orgId,
      unit ? this.unitName(unit) : undefined,
    );
    if (!row) throw new ProblemError('not_found', messages.noEvaluation(city.name));
    return presentEvaluation(row);
  }

  private async timeZone(city: CityRuntime): Promise<string> {
    return (await store.latestTimeZone(this.db, city.name)) ?? DEFAULT_TZ;
  }

  private unitName(unit: string, model?: ModelName): string {
    try {
      const spec = parseUnitSpec(unit);
      if (model === 'network_kde' && spec.kind !== 'segment')
        throw new RangeError('network_kde ranks street segments only');
      return unitSpecName(spec);
    } catch (error) {
      throw new ProblemError('validation', messages.badUnit((error as Error).message), [
        { field: model === 'network_kde' ? 'model' : 'unit', rule: 'unit', message: '' },
      ]);
    }
  }

  private params(q: { bandwidthM?: number; halfLifeDays?: number }) {
    return {
      ...(q.bandwidthM !== undefined ? { bandwidthM: q.bandwidthM } : {}),
      ...(q.halfLifeDays !== undefined ? { halfLifeDays: q.halfLifeDays } : {}),
    };
  }
}

function decimals(x: number): number {
  const s = String(x);
  const at = s.indexOf('.');
  return at < 0 ? 0 : s.length - at - 1;
}

function presentEvaluation(row: store.EvaluationRow): Evaluation {
  const params = row.params as { coverages?: string[]; categories?: string[] };
  return {
    id: row.id,
    city: row.city,
    unit: row.unit,
    createdAt: new Date(row.created_at).toISOString(),
    coverages: params.coverages ?? [],
    categories: params.categories ?? [],
    result: row.result as unknown as Evaluation['result'],
  };
}
