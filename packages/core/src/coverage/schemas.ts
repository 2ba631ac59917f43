import { z } from 'zod';

/** Answers of the coverage API (posts, 1-3-5 minute figures, banded road layer, placement advice). */
export const POST_KINDS = ['police_station', 'street_post', 'safety_station'] as const;
export type PostKind = (typeof POST_KINDS)[number];

export const coveragePostSchema = z.object({
  id: z.string(),
  kind: z.enum(POST_KINDS),
  name: z.string(),
  lon: z.number(),
  lat: z.number(),
  h3: z.string(),
  orgId: z.string().nullable(),
  /** 'post': a row of the posts table (editable); 'org': a police-station org (read-only). */
  source: z.enum(['post', 'org']),
  createdAt: z.string().nullable(),
  updatedAt: z.string().nullable(),
});
export type CoveragePost = z.infer<typeof coveragePostSchema>;
export const coveragePostListSchema = z.object({ items: z.array(coveragePostSchema) });

/** A new post, as the web sends it (`POST /api/coverage/posts`). */
export const newCoveragePostSchema = z.object({
  kind: z.enum(POST_KINDS),
  name: z.string(),
  lon: z.number(),
  lat: z.number(),
});
export type NewCoveragePost = z.infer<typeof newCoveragePostSchema>;

export const thresholdFiguresSchema = z.object({
  seconds: z.number(),
  addressShare: z.number(),
  roadLengthShare: z.number(),
  roadLengthM: z.number(),
});
export type ThresholdFigures = z.infer<typeof thresholdFiguresSchema>;

/** `GET /api/coverage`: shares of addresses and road length within each time limit. */
export const coverageFiguresSchema = z.object({
  city: z.string(),
  posts: z.number(),
  postsOffNetwork: z.number(),
  addresses: z.number(),
  addressesOffNetwork: z.number(),
  totalRoadLengthM: z.number(),
  thresholds: z.array(thresholdFiguresSchema),
  computeMs: z.number(),
});
export type CoverageFigures = z.infer<typeof coverageFiguresSchema>;

/** `GET /api/coverage/layer`: road pieces, each in the smallest time band that reaches it. */
export const coverageLayerSchema = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(
    z.object({
      type: z.literal('Feature'),
      properties: z.object({ band: z.number() }),
      geometry: z.object({
        type: z.literal('LineString'),
        coordinates: z.array(z.tuple([z.number(), z.number()])),
      }),
    }),
  ),
});
export type CoverageLayer = z.infer<typeof coverageLayerSchema>;

export const DEMAND_KINDS = ['incidents', 'addresses'] as const;
export type DemandKind = (typeof DEMAND_KINDS)[number];

/** `POST /api/coverage/advise`: where K new posts would add the most coverage. */
export const coverageAdviceSchema = z.object({
  city: z.string(),
  thresholdSeconds: z.number(),
  demand: z.object({
    requested: z.enum([...DEMAND_KINDS, 'given']),
    used: z.enum(['incidents', 'addresses_and_places', 'given']),
    points: z.number(),
    offNetwork: z.number(),
    aggregatedPoints: z.number(),
  }),
  existingPosts: z.number(),
  baselineShare: z.number(),
  picks: z.array(
    z.object({
      lon: z.number(),
      lat: z.number(),
      h3: z.string(),
      gain: z.number(),
      gainShare: z.number(),
      cumulativeShare: z.number(),
    }),
  ),
  computeMs: z.number(),
});
export type CoverageAdvice = z.infer<typeof coverageAdviceSchema>;
