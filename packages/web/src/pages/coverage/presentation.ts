import type { PostKind, Threshold } from '../../api/coverage';

/** Band colours: 1 minute dark green, 3 minutes green, 5 minutes yellow. */
export const BAND_COLORS: Record<Threshold, string> = {
  60: '#237804',
  180: '#52c41a',
  300: '#fadb14',
};

/** Post marker colours by kind. */
export const KIND_COLORS: Record<PostKind, string> = {
  police_station: '#1d39c4',
  street_post: '#c41d7f',
  safety_station: '#d46b08',
};

/** Every kind of post, in the order the legend and the lists show them. */
export const POST_KINDS = Object.keys(KIND_COLORS) as PostKind[];

export const PICK_COLOR = '#cf1322';
