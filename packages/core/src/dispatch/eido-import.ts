/**
 * An incoming EIDO (NENA-STA-021.1b), e.g. a call transferred from a neighbouring centre, read
 * into what citywatch needs to open an incident. The object is validated against NENA's schema
 * first (by the caller); this reads what it says:
 *
 * - type: `incidentTypeCommonRegistryText` mapped back through EIDO_INCIDENT_TYPE (the table the
 *   export uses): a code listed for exactly one subcategory gives that subcategory, a code that is
 *   a category's default (or listed under several of its subcategories) gives the category alone;
 *   no code, or one no row lists, gives `assistance` (求助), whose default is CITASST;
 * - priority: `incidentCommonPriorityNumber` (0–10) to P1–P4, P2 when absent;
 * - location: the PIDF-LO of the incident's location component (CurrentIncident, then
 *   InitialIncident, then any): a GML point or a circle's centre (`gml:pos`, "lat lon" as the
 *   EPSG::4326 axis order has it), and the civic address as the address label;
 * - narrative: the notes (`notesActionComments`), with where the object came from;
 * - the callback number (a `tel:` URI of the callback component), which is personal data: kept
 *   as the caller's number, under its retention and audited reads.
 */
import { EIDO_INCIDENT_TYPE } from './eido';
import type { Priority } from './incident';

export interface ImportedEido {
  /** The EIDO's own `$id` (its incident id at the sending centre). */
  eidoId: string;
  /** Who sent it: the owning or first agency's `$id` (its domain). */
  fromAgency: string | null;
  typeCode: string | null;
  category: string;
  subcategory: string | null;
  priority: Priority;
  /** WGS-84, or null when no location component carries a geodetic point. */
  position: { lon: number; lat: number } | null;
  /** The location field the position or its absence refers to, for messages. */
  locationField: string;
  addressLabel: string | null;
  narrative: string;
  callerPhone: string | null;
  /** The sender's incident number, if it gave one. */
  externalNumber: string | null;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : isObj(v) ? [v] : []);
const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

/** EIDO-IncidentType-Common code → citywatch category and subcategory. */
export function categoryOfEidoType(code: string | null): { category: string; subcategory: string | null } {
  if (code) {
    for (const [category, row] of Object.entries(EIDO_INCIDENT_TYPE)) {
      const subs = Object.entries(row).filter(([sub, c]) => sub !== '*' && c === code);
      if (subs.length === 1) return { category, subcategory: subs[0][0] };
      if (subs.length > 1 || row['*'] === code) return { category, subcategory: null };
    }
  }
  return { category: 'assistance', subcategory: null };
}

/** EIDO's common priority (0 lowest … 10 highest; the export writes 10, 7, 4, 1) → P1–P4. */
export function priorityOfEido(n: unknown): Priority {
  if (typeof n !== 'number' || !Number.isFinite(n)) return 'P2';
  return n >= 9 ? 'P1' : n >= 6 ? 'P2' : n >= 3 ? 'P3' : 'P4';
}

function decodeXml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replace(/&amp;/g, '&');
}

/** The text of the first element with this local name (any prefix), or null. */
function element(xml: string, localName: string): string | null {
  const m = xml.match(
    new RegExp(`<(?:[\\w.-]+:)?${localName}(?:\\s[^>]*)?>([^<]*)</(?:[\\w.-]+:)?${localName}>`),
  );
  return m ? decodeXml(m[1]).trim() || null : null;
}

/** A geodetic point of a PIDF-LO document: gml:Point's or a shape's (Circle, …) first `pos`. */
export function pidfPosition(xml: string): { lon: number; lat: number } | null {
  const pos = element(xml, 'pos');
  if (!pos) return null;
  const [lat, lon] = pos.split(/\s+/).map(Number);
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180)
    return null;
  return { lon, lat };
}

/** A one-line civic address (RFC 5139/4776 elements), most specific first as a Chinese label reads. */
export function pidfCivicLabel(xml: string): string | null {
  if (!/civicAddress/.test(xml)) return null;
  const get = (name: string) => element(xml, name);
  const street = [get('HNO'), get('HNS'), get('PRD'), get('RD'), get('STS'), get('POD')]
    .filter(Boolean)
    .join(' ');
  const parts = [
    get('NAM'),
    street || null,
    get('A6'),
    get('A5'),
    get('A4'),
    get('A3'),
    get('A2'),
    get('A1'),
    get('country'),
  ].filter((p): p is string => p !== null);
  const unique = parts.filter((p, i) => parts.indexOf(p) === i);
  return unique.length > 0 ? unique.join(', ').slice(0, 200) : null;
}

const LOCATION_PREFERENCE = ['CurrentIncident', 'InitialIncident'];

/** Reads a schema-valid EIDO. */
export function readEido(eido: Obj): ImportedEido {
  const incident = list(eido.incidentComponent)[0] ?? {};
  const typeCode = str(incident.incidentTypeCommonRegistryText);
  const { category, subcategory } = categoryOfEidoType(typeCode);
  const agencies = list(eido.agencyComponent);
  const owner = agencies.find((a) => a.incidentOwningAgencyIndicator === true) ?? agencies[0];
  const fromAgency =
    str(owner?.$id) ?? str(isObj(eido.updatedByAgencyReference) ? eido.updatedByAgencyReference.$ref : null);

  const locations = list(eido.locationComponent).map((l, i) => ({ l, i }));
  const rank = (l: Obj) => {
    const type = str(l.locationTypeDescriptionRegistryText);
    const at = type ? LOCATION_PREFERENCE.indexOf(type) : -1;
    return at >= 0 ? at : LOCATION_PREFERENCE.length;
  };
  locations.sort((a, b) => rank(a.l) - rank(b.l) || a.i - b.i);
  let position: ImportedEido['position'] = null;
  let locationField = 'locationComponent';
  let addressLabel: string | null = null;
  for (const { l, i } of locations) {
    const pidf = str(l.locationByValue);
    const label = str(l.locationDescriptionText) ?? (pidf ? pidfCivicLabel(pidf) : null);
    addressLabel ??= label;
    const point = pidf ? pidfPosition(pidf) : null;
    if (point) {
      position = point;
      locationField = `locationComponent.${i}.locationByValue`;
      addressLabel = label ?? addressLabel;
      break;
    }
  }

  const notes = list(eido.notesComponent)
    .map((n) => str(n.notesActionComments))
    .filter((n): n is string => n !== null);
  // The sender's type in words, and its registry code (kept even when no row of ours lists it).
  const typeText = [str(incident.incidentTypeInternalText), typeCode].filter(Boolean).join(' / ') || null;
  const header = `[EIDO 转入 / transferred from ${fromAgency ?? 'unknown agency'}${
    str(incident.internalIncidentId) ? ` ${str(incident.internalIncidentId)}` : ''
  }]`;
  const body = [typeText, ...notes].filter(Boolean).join('\n');
  const narrative = `${header}${body ? `\n${body}` : ''}`.slice(0, 2000);

  const callbackUris = list(eido.callbackComponent).flatMap((c) =>
    Array.isArray(c.callBackInformationUri) ? c.callBackInformationUri : [],
  );
  const tel = callbackUris
    .map((u) => (typeof u === 'string' ? u.match(/^tel:(\+?[0-9][0-9 -]{2,19})$/)?.[1] : undefined))
    .find((u) => u !== undefined);

  return {
    eidoId: str(eido.$id) ?? '',
    fromAgency,
    typeCode,
    category,
    subcategory,
    priority: priorityOfEido(incident.incidentCommonPriorityNumber),
    position,
    locationField,
    addressLabel,
    narrative,
    callerPhone: tel ?? null,
    externalNumber: str(incident.internalIncidentId),
  };
}
