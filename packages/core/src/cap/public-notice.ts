/**
 * Public notices drafted on the indicators page (a crowd alarm at an event area, a road closure),
 * as CAP 1.2 alerts: one info block in zh-CN and one in en-US, a circle around the place or a
 * polygon (an event area, a ring drawn on the map), scope Public. An Update or Cancel references the alert it answers (CAP `references`).
 */
import { z } from 'zod';
import { CAP_CERTAINTY, type CapAlertInput } from './cap.js';

export const PUBLIC_NOTICE_KINDS = ['crowd', 'road_closure'] as const;
export type PublicNoticeKind = (typeof PUBLIC_NOTICE_KINDS)[number];

const text = (max: number) => z.string().trim().min(1).max(max);

/** The most vertices a notice's polygon may have. */
export const MAX_POLYGON_POINTS = 500;

/**
 * A CAP 1.2 `<polygon>` as written: space-separated WGS-84 "lat,lon" pairs, the first repeated
 * last, at least four pairs. Answers the [lon, lat] positions (GeoJSON order), or the rule broken
 * with the 0-based pair it is found at (null for the whole polygon).
 */
export function parseCapPolygon(
  text: string,
): { ring: [number, number][] } | { rule: string; at: number | null; message: string } {
  const pairs = text.trim().split(/\s+/).filter(Boolean);
  const ring: [number, number][] = [];
  for (const [i, pair] of pairs.entries()) {
    const m = /^(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)$/.exec(pair);
    const lat = m ? Number(m[1]) : Number.NaN;
    const lon = m ? Number(m[2]) : Number.NaN;
    if (!m || !(lat >= -90 && lat <= 90) || !(lon >= -180 && lon <= 180))
      return {
        rule: 'invalid_position',
        at: i,
        message: `pair ${i + 1} "${pair.slice(0, 40)}" is not "lat,lon" with lat in [-90, 90] and lon in [-180, 180]`,
      };
    ring.push([lon, lat]);
  }
  if (ring.length < 4)
    return {
      rule: 'too_few_positions',
      at: null,
      message: 'a polygon needs at least 4 "lat,lon" pairs (first = last)',
    };
  if (ring.length > MAX_POLYGON_POINTS)
    return { rule: 'too_many_positions', at: null, message: `at most ${MAX_POLYGON_POINTS} pairs` };
  const [first, last] = [ring[0], ring[ring.length - 1]];
  if (first[0] !== last[0] || first[1] !== last[1])
    return { rule: 'not_closed', at: ring.length - 1, message: 'the last pair must repeat the first' };
  if (new Set(ring.slice(0, -1).map((p) => p.join(','))).size < 3)
    return { rule: 'zero_area', at: null, message: 'a polygon needs three distinct corners' };
  // Three distinct corners on one line enclose nothing either (about 1 cm² is the floor).
  if (Math.abs(planarArea(ring)) < 1e-14)
    return {
      rule: 'zero_area',
      at: null,
      message: 'the corners lie on one line: the polygon encloses no area',
    };
  return { ring };
}

/**
 * Signed area of a closed [lon, lat] ring in square degrees, longitude scaled by the cosine of the
 * ring's first latitude (the shoelace formula on a local plane; a notice's area is a few km).
 */
function planarArea(ring: readonly (readonly [number, number])[]): number {
  const k = Math.cos((ring[0][1] * Math.PI) / 180);
  let twice = 0;
  for (let i = 0; i + 1 < ring.length; i++)
    twice += ring[i][0] * k * ring[i + 1][1] - ring[i + 1][0] * k * ring[i][1];
  return twice / 2;
}

/**
 * The centre of a closed [lon, lat] ring for lists and maps: the centroid of its area (not the mean
 * of its corners, which a side drawn with many points pulls toward itself).
 */
export function polygonCentre(ring: readonly (readonly [number, number])[]): { lon: number; lat: number } {
  // Relative to the first corner, so that the products stay small (precision).
  const [x0, y0] = ring[0];
  let twice = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    const [ax, ay] = [ring[i][0] - x0, ring[i][1] - y0];
    const [bx, by] = [ring[i + 1][0] - x0, ring[i + 1][1] - y0];
    const cross = ax * by - bx * ay;
    twice += cross;
    cx += (ax + bx) * cross;
    cy += (ay + by) * cross;
  }
  if (twice === 0) return { lon: x0, lat: y0 };
  return { lon: x0 + cx / (3 * twice), lat: y0 + cy / (3 * twice) };
}

/** A ring of [lon, lat] positions as CAP's "lat,lon lat,lon …" (6 decimals, as the builder writes). */
export function capPolygonText(ring: readonly (readonly [number, number])[]): string {
  const r = (x: number) => Number(x.toFixed(6)).toString();
  return ring.map(([lon, lat]) => `${r(lat)},${r(lon)}`).join(' ');
}

/** What an officer drafts (the body of POST /api/cap/notices). */
export const publicNoticeDraftSchema = z
  .strictObject({
    kind: z.enum(PUBLIC_NOTICE_KINDS),
    msgType: z.enum(['Alert', 'Update', 'Cancel']).default('Alert'),
    /** The notice an Update or Cancel answers (published before). */
    answers: z.string().uuid().optional(),
    org: z.string().uuid().optional(),
    headlineZh: text(160),
    headlineEn: text(160),
    descriptionZh: text(2000),
    descriptionEn: text(2000),
    areaDesc: text(200),
    /** A circle: its centre and radius… */
    lat: z.number().min(-90).max(90).optional(),
    lon: z.number().min(-180).max(180).optional(),
    radiusKm: z.number().positive().max(50).optional(),
    /** …or a polygon in CAP's own form ("lat,lon lat,lon …", first = last, ≥ 4 pairs). */
    polygon: z
      .string()
      .max(20 * MAX_POLYGON_POINTS)
      .superRefine((v, ctx) => {
        const parsed = parseCapPolygon(v);
        if ('rule' in parsed)
          ctx.addIssue({
            code: 'custom',
            message: parsed.message,
            params: { rule: parsed.rule },
            path: parsed.at === null ? [] : [parsed.at],
          });
      })
      .optional(),
    severity: z.enum(['Extreme', 'Severe', 'Moderate', 'Minor']).default('Moderate'),
    urgency: z.enum(['Immediate', 'Expected', 'Future']).default('Expected'),
    certainty: z.enum(CAP_CERTAINTY).default('Observed'),
    expiresAt: z.iso.datetime({ offset: true }),
  })
  .superRefine((d, ctx) => {
    // One area: a whole circle, or a polygon.
    const circle = [d.lat, d.lon, d.radiusKm];
    if (d.polygon !== undefined) {
      for (const [i, name] of (['lat', 'lon', 'radiusKm'] as const).entries())
        if (circle[i] !== undefined)
          ctx.addIssue({
            code: 'custom',
            message: 'a notice has a circle or a polygon, not both',
            params: { rule: 'circle_or_polygon' },
            path: [name],
          });
    } else
      for (const [i, name] of (['lat', 'lon', 'radiusKm'] as const).entries())
        if (circle[i] === undefined)
          ctx.addIssue({
            code: 'custom',
            message: 'a circle (lat, lon, radiusKm) or a polygon is required',
            params: { rule: 'required' },
            path: [name],
          });
  });
export type PublicNoticeDraft = z.output<typeof publicNoticeDraftSchema>;

const EVENT = {
  crowd: { zh: '人员聚集预警', en: 'Crowd alert', category: ['Safety'] as const, response: 'Avoid' as const },
  road_closure: {
    zh: '道路临时管控',
    en: 'Temporary road closure',
    category: ['Transport'] as const,
    response: 'Avoid' as const,
  },
};

export interface PublicNoticeAlert {
  identifier: string;
  sender: string;
  sent: Date;
  web: string;
  kind: PublicNoticeKind;
  msgType: 'Alert' | 'Update' | 'Cancel';
  headlineZh: string;
  headlineEn: string;
  descriptionZh: string;
  descriptionEn: string;
  areaDesc: string;
  lat: number;
  lon: number;
  /** The circle's radius; null when the area is the polygon. */
  radiusKm: number | null;
  /** The area as a CAP polygon ("lat,lon …", first = last), instead of the circle. */
  polygon?: string | null;
  severity: 'Extreme' | 'Severe' | 'Moderate' | 'Minor';
  urgency: 'Immediate' | 'Expected' | 'Future';
  /** Observed when absent; a Cancel is always Observed (the all-clear is known). */
  certainty?: (typeof CAP_CERTAINTY)[number];
  expires: Date;
  /** The alert answered by an Update or Cancel: `sender,identifier,sent`. */
  references?: { sender: string; identifier: string; sent: Date };
  senderName: string;
}

/** The CAP alert of an approved notice (Cancel: all clear, urgency Past, severity Minor). */
export function publicNoticeAlert(n: PublicNoticeAlert): CapAlertInput {
  const event = EVENT[n.kind];
  const cancel = n.msgType === 'Cancel';
  const ring = n.polygon ? parseCapPolygon(n.polygon) : null;
  if (ring && 'rule' in ring) throw new Error(`notice polygon: ${ring.message}`);
  const area = ring
    ? { areaDesc: n.areaDesc, polygons: [ring.ring] }
    : { areaDesc: n.areaDesc, circles: [{ lat: n.lat, lon: n.lon, radiusKm: n.radiusKm ?? 0 }] };
  const info = (language: string, ev: string, headline: string, description: string) => ({
    language,
    category: [...event.category],
    event: cancel ? `${ev} ${language === 'zh-CN' ? '解除' : 'lifted'}` : ev,
    responseType: [cancel ? ('AllClear' as const) : event.response],
    urgency: cancel ? ('Past' as const) : n.urgency,
    severity: cancel ? ('Minor' as const) : n.severity,
    certainty: cancel ? ('Observed' as const) : (n.certainty ?? 'Observed'),
    eventCodes: [{ valueName: 'citywatch', value: n.kind }],
    expires: n.expires,
    senderName: n.senderName,
    headline,
    description,
    web: n.web,
    areas: [area],
  });
  return {
    identifier: n.identifier,
    sender: n.sender,
    sent: n.sent,
    status: 'Actual',
    msgType: n.msgType,
    scope: 'Public',
    references: n.references ? [n.references] : [],
    info: [
      info('zh-CN', event.zh, n.headlineZh, n.descriptionZh),
      info('en-US', event.en, n.headlineEn, n.descriptionEn),
    ],
  };
}
