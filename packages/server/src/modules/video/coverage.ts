/**
 * Camera coverage for a viewer (core/video/coverage.ts, sector model): the share of the default
 * city's road length within the view of some camera the viewer may see (own subtree and shared),
 * the share of the viewer's checkpoints so seen, the longest uncovered stretches as map lines, and
 * where new cameras would cover most (greedy maximum coverage). Road samples are kept per graph.
 */
import type { RoadGraph } from '@citywatch/core/roads/graph';
import {
  advisePlacement,
  pointCoverage,
  type RoadSamples,
  roadCoverage,
  roadGaps,
  roadSamples,
} from '@citywatch/core/video/coverage';
import { SectorIndex } from '@citywatch/core/video/sector';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { ProblemError } from '../../http/problem.js';
import type { CityRuntime } from '../roads/registry.js';
import type { OrgScope } from '../scope.js';
import * as store from './store.js';

const samplesOf = new WeakMap<RoadGraph, RoadSamples>();
function samplesFor(graph: RoadGraph): RoadSamples {
  let s = samplesOf.get(graph);
  if (!s) {
    s = roadSamples(graph, 10);
    samplesOf.set(graph, s);
  }
  return s;
}

export type CheckpointsOf = (
  scope: OrgScope,
) => Promise<{ id: string; name: string; lon: number; lat: number }[]>;

/**
 * The current hot spots the viewer sees (patrol's ranking decides: its flagged units), each by its
 * centre; null when there is no ranking to be had (no history, no patrol).
 */
export type HotSpotsOf = (
  actor: OrgScope & { userId: string },
) => Promise<{ id: string; label: string | null; lon: number; lat: number }[] | null>;

export class CoverageService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly city: () => Promise<CityRuntime | undefined>,
    private readonly checkpointsOf: CheckpointsOf,
    private readonly hotSpotsOf: HotSpotsOf = async () => null,
  ) {}

  private async inputs(scope: OrgScope) {
    const city = await this.city();
    if (!city) throw new ProblemError('not_found', { zh: '尚未导入任何城市', en: 'No city imported yet' });
    const cams = (await store.visibleSectors(this.db, scope)).map((c) => ({
      lon: c.lon,
      lat: c.lat,
      headingDeg: c.heading_deg,
      fovDeg: c.fov_deg,
      rangeM: c.range_m,
    }));
    const refLat = (city.bounds.minLat + city.bounds.maxLat) / 2;
    const samples = samplesFor(city.graph);
    const sectors = new SectorIndex(cams, refLat);
    const covered = roadCoverage(sectors, samples);
    return { city, cams, refLat, samples, sectors, covered };
  }

  async coverage(scope: OrgScope & { userId: string }, gapLimit = 300) {
    const { city, cams, samples, sectors, covered } = await this.inputs(scope);
    const checkpoints = await this.checkpointsOf(scope);
    const cp = pointCoverage(sectors, checkpoints);
    const spots = await this.hotSpotsOf(scope);
    const hot = spots ? pointCoverage(sectors, spots) : null;
    const g = city.graph;
    const gaps = roadGaps(samples, covered.covered)
      .slice(0, gapLimit)
      .map((gap) => ({
        type: 'Feature' as const,
        properties: {
          uncoveredM: Math.round(gap.uncoveredM),
          name: g.ways[g.edgeWay[gap.edge]]?.name ?? null,
        },
        geometry: {
          type: 'LineString' as const,
          coordinates: [
            [g.nodeLon[g.edgeTail[gap.edge]], g.nodeLat[g.edgeTail[gap.edge]]],
            [g.nodeLon[g.edgeHead[gap.edge]], g.nodeLat[g.edgeHead[gap.edge]]],
          ] as [number, number][],
        },
      }));
    return {
      model:
        'sector: within range and ±fov/2 of heading; obstructions not modelled; roads in 10 m samples; ' +
        'a hot spot (patrol’s flagged units of the coming 7 days) counts when its centre is in view',
      cameras: cams.length,
      roads: {
        totalM: Math.round(covered.totalM),
        coveredM: Math.round(covered.coveredM),
        share: covered.share,
      },
      checkpoints: {
        total: cp.total,
        covered: cp.covered,
        share: cp.share,
        uncovered: cp.uncovered.map((c) => ({ id: c.id, name: c.name })),
      },
      hotSpots: hot
        ? {
            total: hot.total,
            covered: hot.covered,
            share: hot.share,
            uncovered: hot.uncovered.slice(0, 50).map((h) => ({ id: h.id, label: h.label })),
          }
        : null,
      gaps: { type: 'FeatureCollection' as const, features: gaps },
    };
  }

  /** Where `count` new cameras (fov, range; 8 headings) would cover most uncovered road. */
  async advise(scope: OrgScope, count: number, fovDeg: number, rangeM: number) {
    const { city, refLat, samples, covered } = await this.inputs(scope);
    const g = city.graph;
    // Candidates: road nodes where an uncovered sample lies within range (keeps the search small).
    const candidates: { lon: number; lat: number }[] = [];
    const near = new SectorIndex(
      Array.from({ length: g.nodeCount }, (_, v) => ({
        v,
        lon: g.nodeLon[v],
        lat: g.nodeLat[v],
        headingDeg: 0,
        fovDeg: 360,
        rangeM,
      })),
      refLat,
    );
    const seen = new Set<number>();
    for (let i = 0; i < covered.covered.length; i += 3) {
      if (covered.covered[i]) continue;
      for (const n of near.covers(samples.lon[i], samples.lat[i])) {
        if (!seen.has(n.v)) {
          seen.add(n.v);
          candidates.push({ lon: n.lon, lat: n.lat });
        }
      }
      if (candidates.length >= 3000) break;
    }
    const headings = fovDeg >= 360 ? [0] : [0, 45, 90, 135, 180, 225, 270, 315];
    const picks = advisePlacement(
      samples,
      covered.covered,
      candidates,
      { fovDeg, rangeM, headings },
      count,
      refLat,
    );
    let gained = 0;
    return {
      before: covered.share,
      picks: picks.map((p) => {
        gained += p.gainM;
        return { ...p, gainM: Math.round(p.gainM), shareAfter: (covered.coveredM + gained) / covered.totalM };
      }),
    };
  }
}
