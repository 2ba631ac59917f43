import { z } from 'zod';
import { MODELS, REJECT_REASONS } from './names';

/**
 * Answers of the patrol API (单元防控: hot spots, their evaluation, the incident history), shared
 * by the server's routes and the web's client.
 */
export const HOTSPOT_MODELS = MODELS;
export type HotspotModel = (typeof MODELS)[number];

export const historySummarySchema = z.object({
  city: z.string(),
  count: z.number(),
  first: z.string().nullable(),
  last: z.string().nullable(),
  tz: z.string(),
  categories: z.array(z.object({ category: z.string(), count: z.number() })),
});
export type HistorySummary = z.infer<typeof historySummarySchema>;

const polygon = z.object({ type: z.literal('Polygon'), coordinates: z.array(z.array(z.array(z.number()))) });
const line = z.object({ type: z.literal('LineString'), coordinates: z.array(z.array(z.number())) });

export const hotspotFeatureSchema = z.object({
  type: z.literal('Feature'),
  id: z.string(),
  properties: z.object({
    rank: z.number(),
    unit: z.string(),
    label: z.string().nullable(),
    /** Expected incidents in the window. */
    expected: z.number(),
    /** Expected per km² (cells) or per km of street (segments). */
    density: z.number(),
    trainCount: z.number(),
    /** Within the coverage budget. */
    flagged: z.boolean(),
    /** km² or metres. */
    measure: z.number(),
  }),
  geometry: z.union([polygon, line]),
});
export type HotspotFeature = z.infer<typeof hotspotFeatureSchema>;

/** `GET /api/patrol/hotspots`: ranked units as GeoJSON, best first, with the figures of the ranking. */
export const hotspotCollectionSchema = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(hotspotFeatureSchema),
  meta: z.object({
    city: z.string(),
    model: z.enum(MODELS),
    unit: z.string(),
    from: z.string(),
    to: z.string(),
    trainFrom: z.string(),
    trainTo: z.string(),
    tz: z.string(),
    coverage: z.number(),
    units: z.number(),
    measureUnit: z.enum(['km2', 'm']),
    totalMeasure: z.number(),
    universe: z.string(),
    trainIncidents: z.number(),
    trainOutside: z.number(),
    totalExpected: z.number(),
    flaggedUnits: z.number(),
    flaggedMeasureShare: z.number(),
    flaggedExpectedShare: z.number(),
    categories: z.array(z.string()),
    computeMs: z.number(),
  }),
});
export type HotspotCollection = z.infer<typeof hotspotCollectionSchema>;

/** One model's figures: `hit_0.05`, `pai_0.05`, `pei_0.05`, `area_0.05` for each coverage. */
export const modelFiguresSchema = z.record(z.string(), z.number().nullable());

export const evaluationResultSchema = z.object({
  unit: z.string(),
  windows: z.number(),
  incidents_tested: z.number(),
  models: z.record(z.string(), modelFiguresSchema),
  windows_asked: z.number(),
  train_days: z.number(),
  test_days: z.number(),
  test_period: z.object({ from: z.string().nullable(), to: z.string().nullable() }),
  incidents_outside_units: z.number(),
  area: z.object({
    definition: z.string(),
    units: z.number(),
    total: z.number(),
    measure: z.enum(['km2', 'm']),
  }),
  params: z.object({ bandwidthM: z.number(), halfLifeDays: z.number(), tz: z.string() }),
  scoring: z.string(),
  compute_ms: z.record(z.string(), z.number()),
});
export type EvaluationResult = z.infer<typeof evaluationResultSchema>;

/** A stored evaluation (`POST /api/patrol/evaluations`, `GET /api/patrol/evaluations/latest`). */
export const evaluationSchema = z.object({
  id: z.string(),
  city: z.string(),
  unit: z.string(),
  createdAt: z.string(),
  coverages: z.array(z.string()),
  categories: z.array(z.string()),
  result: evaluationResultSchema,
});
export type Evaluation = z.infer<typeof evaluationSchema>;

/** What an import answers: rows read, imported, and the rest by reason. */
export const importReportSchema = z.object({
  import_id: z.string(),
  city: z.string(),
  file: z.string(),
  format: z.string(),
  tz: z.string(),
  columns: z.record(z.string(), z.string()),
  rows: z.number(),
  imported: z.number(),
  rejected: z.record(z.enum(REJECT_REASONS), z.number()),
  rejected_total: z.number(),
  rejected_examples: z.record(
    z.string(),
    z.array(z.object({ row: z.number(), value: z.string().optional() })),
  ),
  geocoding: z.object({
    attempted: z.number(),
    matched: z.number(),
    share: z.number().nullable(),
    by: z.record(z.string(), z.number()),
    street_known: z.number(),
    share_of_street_known: z.number().nullable(),
    against: z.string(),
  }),
  period: z.object({ first: z.string().nullable(), last: z.string().nullable() }),
  elapsed_ms: z.number(),
});
export type ImportReport = z.infer<typeof importReportSchema>;
