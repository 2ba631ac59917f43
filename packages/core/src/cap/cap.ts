/**
 * OASIS Common Alerting Protocol 1.2 (CAP-v1.2, 2010): the alert message public warning systems,
 * sirens, broadcasters and neighbouring agencies read. One builder for every module that warns
 * (a ring's road closure, an indicator's alarm, a community notice): a typed alert in, the XML
 * the standard's schema accepts out. Element order, enumerations and the `sent` pattern follow
 * the XSD; the rules the XSD leaves to the text (identifiers without spaces, commas or `<&`;
 * polygons of at least four closed `lat,lon` pairs; circles `lat,lon radius-km`; UTC written as
 * `-00:00`, never `Z`) are checked here.
 */
import { z } from 'zod';

export const CAP_NAMESPACE = 'urn:oasis:names:tc:emergency:cap:1.2';
export const CAP_MIME_TYPE = 'application/cap+xml';

export const CAP_STATUS = ['Actual', 'Exercise', 'System', 'Test', 'Draft'] as const;
export const CAP_MSG_TYPES = ['Alert', 'Update', 'Cancel', 'Ack', 'Error'] as const;
export const CAP_SCOPES = ['Public', 'Restricted', 'Private'] as const;
export const CAP_CATEGORIES = [
  'Geo',
  'Met',
  'Safety',
  'Security',
  'Rescue',
  'Fire',
  'Health',
  'Env',
  'Transport',
  'Infra',
  'CBRNE',
  'Other',
] as const;
export const CAP_RESPONSE_TYPES = [
  'Shelter',
  'Evacuate',
  'Prepare',
  'Execute',
  'Avoid',
  'Monitor',
  'Assess',
  'AllClear',
  'None',
] as const;
export const CAP_URGENCY = ['Immediate', 'Expected', 'Future', 'Past', 'Unknown'] as const;
export const CAP_SEVERITY = ['Extreme', 'Severe', 'Moderate', 'Minor', 'Unknown'] as const;
export const CAP_CERTAINTY = ['Observed', 'Likely', 'Possible', 'Unlikely', 'Unknown'] as const;

/** identifier, sender, references: "MUST NOT include spaces, commas or restricted characters (< and &)". */
const capToken = z
  .string()
  .min(1)
  .max(500)
  .regex(/^[^\s,<&]+$/, 'no spaces, commas, < or &');
const text = z.string().trim().min(1).max(10_000);
const instant = z.date();

const latLon = (lat: number, lon: number) => `${round(lat)},${round(lon)}`;
const round = (x: number) => Number(x.toFixed(6)).toString();

/** A closed outline of [lon, lat] positions (GeoJSON order), at least 4 with first = last. */
const outline = z
  .array(z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]))
  .min(4)
  .refine(
    (r) => r[0][0] === r.at(-1)?.[0] && r[0][1] === r.at(-1)?.[1],
    'the last position must repeat the first',
  );

export const capAreaSchema = z
  .strictObject({
    areaDesc: text,
    /** Outlines as GeoJSON positions; written as CAP's "lat,lon lat,lon …". */
    polygons: z.array(outline).default([]),
    circles: z
      .array(
        z.strictObject({
          lon: z.number().min(-180).max(180),
          lat: z.number().min(-90).max(90),
          radiusKm: z.number().min(0).max(20_000),
        }),
      )
      .default([]),
    geocodes: z.array(z.strictObject({ valueName: text, value: text })).default([]),
  })
  .refine((a) => a.polygons.length + a.circles.length + a.geocodes.length > 0, {
    message: 'an area needs a polygon, a circle or a geocode',
    path: ['polygons'],
  });

export const capInfoSchema = z.strictObject({
  /** RFC 3066 tag, e.g. zh-CN, en-US. */
  language: z.string().regex(/^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/),
  category: z.array(z.enum(CAP_CATEGORIES)).min(1),
  event: text,
  responseType: z.array(z.enum(CAP_RESPONSE_TYPES)).default([]),
  urgency: z.enum(CAP_URGENCY),
  severity: z.enum(CAP_SEVERITY),
  certainty: z.enum(CAP_CERTAINTY),
  eventCodes: z.array(z.strictObject({ valueName: text, value: text })).default([]),
  effective: instant.optional(),
  onset: instant.optional(),
  expires: instant.optional(),
  senderName: text.optional(),
  headline: z.string().trim().min(1).max(160).optional(),
  description: text.optional(),
  instruction: text.optional(),
  web: z.string().url().optional(),
  contact: text.optional(),
  parameters: z.array(z.strictObject({ valueName: text, value: text })).default([]),
  areas: z.array(capAreaSchema).default([]),
});

export const capAlertSchema = z
  .strictObject({
    identifier: capToken,
    sender: capToken,
    sent: instant,
    status: z.enum(CAP_STATUS),
    msgType: z.enum(CAP_MSG_TYPES),
    source: text.optional(),
    scope: z.enum(CAP_SCOPES),
    /** Required when scope is Restricted: who may see it. */
    restriction: text.optional(),
    /** Required when scope is Private: space-separated addresses. */
    addresses: text.optional(),
    codes: z.array(text).default([]),
    note: text.optional(),
    /** Earlier alerts this one updates or cancels, as `sender,identifier,sent` triples. */
    references: z
      .array(z.strictObject({ sender: capToken, identifier: capToken, sent: instant }))
      .default([]),
    incidents: z.array(capToken).default([]),
    info: z.array(capInfoSchema).default([]),
  })
  .refine((a) => a.scope !== 'Restricted' || a.restriction !== undefined, {
    message: 'a Restricted alert names its restriction',
    path: ['restriction'],
  })
  .refine((a) => a.scope !== 'Private' || a.addresses !== undefined, {
    message: 'a Private alert names its addresses',
    path: ['addresses'],
  })
  .refine((a) => a.msgType === 'Alert' || a.references.length > 0, {
    message: 'an Update, Cancel, Ack or Error references the alert it answers',
    path: ['references'],
  });

export type CapAlertInput = z.input<typeof capAlertSchema>;
export type CapAlert = z.output<typeof capAlertSchema>;
export type CapInfo = z.output<typeof capInfoSchema>;
export type CapArea = z.output<typeof capAreaSchema>;

/**
 * A CAP date-time: seconds, an explicit offset, never `Z` ("the timezone for UTC MUST be
 * represented as -00:00"). `offsetMinutes` writes local time (Beijing: 480).
 */
export function capDateTime(at: Date, offsetMinutes = 0): string {
  const local = new Date(at.getTime() + offsetMinutes * 60_000);
  const stamp = local.toISOString().slice(0, 19);
  if (offsetMinutes === 0) return `${stamp}-00:00`;
  const sign = offsetMinutes > 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${stamp}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** XML character data: the five predefined entities, and no control characters XML 1.0 forbids. */
function escapeXml(value: string): string {
  return value
    .split('')
    .filter((c) => {
      const code = c.charCodeAt(0);
      return code >= 0x20
        ? code !== 0xfffe && code !== 0xffff
        : code === 0x09 || code === 0x0a || code === 0x0d;
    })
    .join('')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

class XmlWriter {
  private readonly lines: string[] = [];
  private depth = 0;
  open(name: string, attributes = ''): void {
    this.lines.push(`${'  '.repeat(this.depth)}<${name}${attributes}>`);
    this.depth++;
  }
  close(name: string): void {
    this.depth--;
    this.lines.push(`${'  '.repeat(this.depth)}</${name}>`);
  }
  leaf(name: string, value: string | undefined): void {
    if (value === undefined) return;
    this.lines.push(`${'  '.repeat(this.depth)}<${name}>${escapeXml(value)}</${name}>`);
  }
  pair(name: string, p: { valueName: string; value: string }): void {
    this.open(name);
    this.leaf('valueName', p.valueName);
    this.leaf('value', p.value);
    this.close(name);
  }
  toString(): string {
    return `<?xml version="1.0" encoding="UTF-8"?>\n${this.lines.join('\n')}\n`;
  }
}

/** A CAP polygon: "lat,lon lat,lon …" from a closed GeoJSON outline. */
export function capPolygon(ring: readonly (readonly number[])[]): string {
  return ring.map(([lon, lat]) => latLon(lat, lon)).join(' ');
}

/**
 * The alert as CAP 1.2 XML. Throws a ZodError naming the field when the alert breaks a rule of
 * the standard. `offsetMinutes`: the offset its times are written in (0: UTC as -00:00).
 */
export function buildCapXml(input: CapAlertInput, offsetMinutes = 0): string {
  const alert = capAlertSchema.parse(input);
  const time = (d: Date | undefined) => (d === undefined ? undefined : capDateTime(d, offsetMinutes));
  const w = new XmlWriter();
  w.open('alert', ` xmlns="${CAP_NAMESPACE}"`);
  w.leaf('identifier', alert.identifier);
  w.leaf('sender', alert.sender);
  w.leaf('sent', time(alert.sent));
  w.leaf('status', alert.status);
  w.leaf('msgType', alert.msgType);
  w.leaf('source', alert.source);
  w.leaf('scope', alert.scope);
  w.leaf('restriction', alert.restriction);
  w.leaf('addresses', alert.addresses);
  for (const code of alert.codes) w.leaf('code', code);
  w.leaf('note', alert.note);
  if (alert.references.length > 0) {
    w.leaf(
      'references',
      alert.references.map((r) => `${r.sender},${r.identifier},${time(r.sent)}`).join(' '),
    );
  }
  if (alert.incidents.length > 0) w.leaf('incidents', alert.incidents.join(' '));
  for (const info of alert.info) {
    w.open('info');
    w.leaf('language', info.language);
    for (const c of info.category) w.leaf('category', c);
    w.leaf('event', info.event);
    for (const r of info.responseType) w.leaf('responseType', r);
    w.leaf('urgency', info.urgency);
    w.leaf('severity', info.severity);
    w.leaf('certainty', info.certainty);
    for (const code of info.eventCodes) w.pair('eventCode', code);
    w.leaf('effective', time(info.effective));
    w.leaf('onset', time(info.onset));
    w.leaf('expires', time(info.expires));
    w.leaf('senderName', info.senderName);
    w.leaf('headline', info.headline);
    w.leaf('description', info.description);
    w.leaf('instruction', info.instruction);
    w.leaf('web', info.web);
    w.leaf('contact', info.contact);
    for (const p of info.parameters) w.pair('parameter', p);
    for (const area of info.areas) {
      w.open('area');
      w.leaf('areaDesc', area.areaDesc);
      for (const polygon of area.polygons) w.leaf('polygon', capPolygon(polygon));
      for (const c of area.circles) w.leaf('circle', `${latLon(c.lat, c.lon)} ${round(c.radiusKm)}`);
      for (const g of area.geocodes) w.pair('geocode', g);
      w.close('area');
    }
    w.close('info');
  }
  w.close('alert');
  return w.toString();
}
