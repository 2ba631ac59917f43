/**
 * The patrol module's heavy jobs for the worker pool (workers/jobs.ts takes them into its table):
 * hot-spot ranking and the rolling-window evaluation, on the city's graph shared with the thread;
 * the units (H3 cells of the road nodes, street segments, the segment network) are built once per
 * thread and graph version.
 */
import type { JobContext } from '../../workers/context.js';
import { type EvaluateInput, evaluate, type HotspotInput, hotspots } from './analysis.js';

export const PATROL_JOBS = {
  'patrol.hotspots': (ctx: JobContext, input: HotspotInput) => hotspots(ctx.city(), input),
  'patrol.evaluate': (ctx: JobContext, input: EvaluateInput) => evaluate(ctx.city(), input),
};
