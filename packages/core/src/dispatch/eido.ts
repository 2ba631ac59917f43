import { findCategory } from './categories';
import type { Incident } from './schemas';

/**
 * An incident as a NENA Emergency Incident Data Object (NENA-STA-021.1, EIDO JSON), the form
 * NG9-1-1 systems exchange incidents in. Location goes as PIDF-LO with a GML point (WGS-84,
 * "lat lon" order as GML requires) plus the civic text; the caller's number is personal data and is
 * not exported.
 */
export interface EidoOptions {
  /** The bureau's domain, used in identifiers (e.g. `gaj.sz.gov.cn`). */
  agencyDomain: string;
  /** When this object is issued (core has no clock). */
  issuedAt: string;
}

const PRIORITY_NUMBER = { P1: 10, P2: 7, P3: 4, P4: 1 } as const;

function xmlEscape(s: string): string {
  return s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );
}

export function toEido(incident: Incident, options: EidoOptions) {
  const agency = options.agencyDomain;
  const base = `urn:emergency:uid:incidentid:${incident.number}:${agency}`;
  const stamp = { lastUpdateTimeStamp: options.issuedAt, updatedByAgencyReference: { $ref: agency } };
  const category = findCategory(incident.category);
  const sub = category?.sub.find((s) => s.code === incident.subcategory);
  const pidf =
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:gp="urn:ietf:params:xml:ns:pidf:geopriv10" ' +
    `xmlns:gml="http://www.opengis.net/gml" xmlns:ca="urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr" entity="pres:${xmlEscape(incident.number)}@${xmlEscape(agency)}">` +
    '<tuple id="incident"><status><gp:geopriv><gp:location-info>' +
    `<gml:Point srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>${incident.lat} ${incident.lon}</gml:pos></gml:Point>` +
    (incident.addressLabel
      ? `<ca:civicAddress><ca:country>CN</ca:country><ca:NAM>${xmlEscape(incident.addressLabel)}</ca:NAM></ca:civicAddress>`
      : '') +
    '</gp:location-info><gp:usage-rules/><gp:method>Manual</gp:method></gp:geopriv></status>' +
    `<timestamp>${incident.receivedAt}</timestamp></tuple></presence>`;
  return {
    $id: base,
    ...stamp,
    eidoVersion: '1.0',
    incidentTrackingIdentifier: base,
    issuingElementIdentification: `citywatch.${agency}`,
    agencyComponent: [
      {
        $id: agency,
        ...stamp,
        agencyRoleDescriptionRegistryText: ['CallReceiving', 'Dispatch'],
        agencyType: ['psap'],
        incidentOwningAgencyIndicator: true,
      },
    ],
    incidentComponent: [
      {
        $id: `${base}:incident`,
        ...stamp,
        incidentTypeInternalCode: [incident.category, incident.subcategory].filter(Boolean).join('.'),
        incidentTypeInternalText: [category?.zh, sub?.zh].filter(Boolean).join(' / ') || incident.category,
        incidentStatusInternalText: [incident.status],
        incidentPriorityInternalText: incident.priority,
        incidentCommonPriorityNumber: PRIORITY_NUMBER[incident.priority],
        incidentStartTimestamp: incident.receivedAt,
        ...(incident.closedAt ? { incidentEndTimestamp: incident.closedAt } : {}),
      },
    ],
    dispatchComponent: incident.units.map((u) => ({
      $id: `${base}:unit:${u.callSign}`,
      ...stamp,
      unitIdentification: u.callSign,
      unitStatusInternalText: u.status,
    })),
    locationComponent: [
      {
        $id: `${base}:location`,
        ...stamp,
        locationTypeDescriptionRegistryText: 'Incident',
        locationByValue: pidf,
      },
    ],
    notesComponent: [{ $id: `${base}:notes`, ...stamp, notesActionComments: incident.narrative }],
    '@context': { '@vocab': './JSON-LD_Contexts/EmergencyIncidentDataObjectType.jsonld' },
  };
}
