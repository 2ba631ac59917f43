/** Names shared by the patrol API and its clients, kept free of imports (the web bundles them). */

/** Hot-spot models (see models.ts). */
export const MODELS = ['prior_counts', 'kde', 'recent', 'network_kde'] as const;
export type ModelName = (typeof MODELS)[number];

/** Why a row of an incident file is not imported (see rows.ts). */
export const REJECT_REASONS = [
  'missing_time',
  'unparseable_time',
  'no_location',
  'bad_coordinates',
  'outside_city',
  'address_not_found',
  'unknown_category',
  'duplicate_id',
  'bad_text',
  'outside_scope',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** How a history incident's location was found (see rows.ts, geocode.ts). */
export const LOCATED_BY = ['source', 'address', 'block', 'interpolated', 'intersection', 'place'] as const;
export type LocatedBy = (typeof LOCATED_BY)[number];
