import { z } from 'zod';
import { findCategory } from './categories';
import type { IncidentStatus, UnitKind, UnitStatus } from './incident';
import type { Incident } from './schemas';

/**
 * An incident as a NENA Emergency Incident Data Object (NENA-STA-021.1b, EIDO JSON), the form
 * NG9-1-1 systems exchange incidents in. It validates against NENA's published schema
 * (`EmergencyIncidentDataObjectType` in NENA911/EIDO-JSON `Schema/openapi.yaml`, tag
 * NENA-STA-021.1b; a copy and its source are in server/src/modules/dispatch/eido/nena).
 *
 * - One `incidentComponent` (an object, as the standard has it) with the Incident Type – Common
 *   registry code (APCO ANS 2.103.2-2019) mapped from citywatch's category in
 *   EIDO_INCIDENT_TYPE below; the internal code and Chinese text go alongside.
 * - The units sent are `emergencyResourceComponent`s, referenced from one `dispatchComponent`;
 *   call signs are display text (`emergencyResourceName`), never identifiers.
 * - Registry values exactly as NENA lists them (Agency Role, Incident Status – Common, Location
 *   Type, Primary/Secondary Unit Status – Common, Emergency Resource Type – Common).
 * - Every `$id` is a `urn:emergency:uid:<kind>:<uuid>:<agency domain>` identifier; the agency's
 *   own `$id` is its domain, as in NENA's sample.
 * - Location goes as PIDF-LO with a GML point (WGS-84, "lat lon" order as GML requires) plus the
 *   civic text. The caller's number is personal data and is not exported (no call, callback or
 *   person component).
 */
export interface EidoOptions {
  /** The bureau's domain, used in identifiers (e.g. `gaj.sz.gov.cn`). */
  agencyDomain: string;
  /** When this object is issued (core has no clock). */
  issuedAt: string;
  /** The kind of each unit on the incident, by unit id (for the Emergency Resource Type code). */
  unitKinds?: Readonly<Record<string, UnitKind>>;
}

/**
 * citywatch category (and subcategory) → EIDO-IncidentType-Common (APCO ANS 2.103.2-2019).
 * `*` is the code for the category when the subcategory is missing or not listed. Choices where
 * the registry has no exact term: theft → LARCENY, disturbance (寻衅滋事) → DISORD, gambling → VICE,
 * collision → MVAUNK (injuries not known at call time), congestion → THAZ (traffic hazard),
 * fire → FUNK (fire of unknown type), trapped → ENTRAP, neighbour/labour/commercial disputes →
 * CDX (civil dispute), family dispute → DVNA (domestic non-violent), non-police calls handed to
 * 12345 → NONEMERG (noise → NOISE). An unknown category → NCRNONE ("None - No Code Found").
 */
export const EIDO_INCIDENT_TYPE: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  criminal: { '*': 'INVEST', robbery: 'ROBBERY', theft: 'LARCENY', assault: 'ASSAULT', fraud: 'FRAUD' },
  public_order: { '*': 'DISORD', fight: 'FIGHT', disturbance: 'DISORD', gambling: 'VICE' },
  traffic: { '*': 'MVAUNK', collision: 'MVAUNK', congestion: 'THAZ', drunk_driving: 'DUI' },
  fire_rescue: { '*': 'RESCUE', fire: 'FUNK', trapped: 'ENTRAP' },
  dispute: { '*': 'CDX', neighbour: 'CDX', family: 'DVNA', labour: 'CDX', commercial: 'CDX' },
  assistance: { '*': 'CITASST', missing_person: 'PERMISS', lost_property: 'PROPLOST' },
  non_police: {
    '*': 'NONEMERG',
    utilities: 'NONEMERG',
    noise: 'NOISE',
    consumer: 'NONEMERG',
    municipal: 'NONEMERG',
  },
};
export const EIDO_UNKNOWN_INCIDENT_TYPE = 'NCRNONE';

export function eidoIncidentType(category: string, subcategory: string | null): string {
  const row = EIDO_INCIDENT_TYPE[category];
  if (!row) return EIDO_UNKNOWN_INCIDENT_TYPE;
  return (subcategory ? row[subcategory] : undefined) ?? row['*'] ?? EIDO_UNKNOWN_INCIDENT_TYPE;
}

/** Incident status → EIDO-IncidentStatus-Common. */
export const EIDO_INCIDENT_STATUS: Readonly<Record<IncidentStatus, string>> = {
  received: 'Active',
  dispatched: 'ResourcesAssigned',
  en_route: 'ResourcesEnroute',
  on_scene: 'ResourcesOnscene',
  cleared: 'Active',
  closed: 'Closed',
  cancelled: 'Cancelled',
  merged: 'Closed',
  diverted: 'Closed',
};

/** Unit status → EIDO-PrimaryUnitStatus-Common and EIDO-SecondaryUnitStatus-Common. */
export const EIDO_UNIT_STATUS: Readonly<Record<UnitStatus, { primary: string; secondary: string }>> = {
  available: { primary: 'Available', secondary: 'InService' },
  dispatched: { primary: 'NotAvailable', secondary: 'Dispatched' },
  en_route: { primary: 'NotAvailable', secondary: 'EnRoute' },
  on_scene: { primary: 'NotAvailable', secondary: 'OnScene' },
  out_of_service: { primary: 'NotAvailable', secondary: 'OutofService' },
};

/** Unit kind → EIDO-EmergencyResourceType-Common. */
export const EIDO_RESOURCE_TYPE: Readonly<Record<UnitKind, string>> = {
  patrol_car: 'PatrolUnit',
  foot_patrol: 'PatrolUnit',
  motorcycle: 'PatrolUnit',
  traffic: 'TrafficUnit',
  special_police: 'SWAT',
  checkpoint_team: 'CrowdControlTeam',
  police_post: 'CommunityPolicingUnit',
};

const PRIORITY_NUMBER = { P1: 10, P2: 7, P3: 4, P4: 1 } as const;

function xmlEscape(s: string): string {
  return s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );
}

export function toEido(incident: Incident, options: EidoOptions): Eido {
  const agency = options.agencyDomain;
  const uid = (kind: string, id: string) => `urn:emergency:uid:${kind}:${id}:${agency}`;
  const ref = ($ref: string) => ({ $ref });
  const stamp = { lastUpdateTimeStamp: options.issuedAt, updatedByAgencyReference: ref(agency) };
  const category = findCategory(incident.category);
  const sub = category?.sub.find((s) => s.code === incident.subcategory);
  const ids = {
    eido: uid('incidentid', incident.id),
    incident: uid('incidentinfoid', incident.id),
    location: uid('locationid', incident.id),
    notes: uid('notesid', incident.id),
    dispatch: uid('dispatchid', incident.id),
  };
  const pidf =
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:gp="urn:ietf:params:xml:ns:pidf:geopriv10" ' +
    `xmlns:gml="http://www.opengis.net/gml" xmlns:ca="urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr" entity="pres:${xmlEscape(incident.id)}@${xmlEscape(agency)}">` +
    '<tuple id="incident"><status><gp:geopriv><gp:location-info>' +
    `<gml:Point srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>${incident.lat} ${incident.lon}</gml:pos></gml:Point>` +
    (incident.addressLabel
      ? `<ca:civicAddress><ca:country>CN</ca:country><ca:NAM>${xmlEscape(incident.addressLabel)}</ca:NAM></ca:civicAddress>`
      : '') +
    '</gp:location-info><gp:usage-rules/><gp:method>Manual</gp:method></gp:geopriv></status>' +
    `<timestamp>${incident.receivedAt}</timestamp></tuple></presence>`;
  const resources = incident.units.map((u) => {
    const kind = options.unitKinds?.[u.id];
    const status = EIDO_UNIT_STATUS[u.status];
    return {
      $id: uid('unitid', u.id),
      ...stamp,
      emergencyResourceTypeCommonRegistryText: kind ? EIDO_RESOURCE_TYPE[kind] : 'PatrolUnit',
      ...(kind ? { emergencyResourceTypeInternalText: kind } : {}),
      emergencyResourceName: u.callSign,
      primaryUnitStatusRegistryText: status.primary,
      secondaryUnitStatusRegistryText: [status.secondary],
      unitStatusInternal: [u.status],
      resourceAttributeRegistryText: [] as string[],
      /** The officers of a crew are not exported (names of people are personal data). */
      agentReference: [] as { $ref: string }[],
    };
  });
  const agencyRoles = resources.length
    ? ['CallReceiving', 'Dispatching', 'Dispatched']
    : ['CallReceiving', 'Dispatching'];
  return {
    $id: ids.eido,
    ...stamp,
    eidoVersion: '1.0' as const,
    issuingElementIdentification: `citywatch.${agency}`,
    agencyComponent: [
      {
        $id: agency,
        ...stamp,
        agencyRoleDescriptionRegistryText: agencyRoles,
        agencyType: ['police'],
        incidentOwningAgencyIndicator: true,
      },
    ],
    incidentComponent: {
      $id: ids.incident,
      ...stamp,
      incidentTypeCommonRegistryText: eidoIncidentType(incident.category, incident.subcategory),
      incidentTypeInternalCode: [incident.category, incident.subcategory].filter(Boolean).join('.'),
      incidentTypeInternalText: [category?.zh, sub?.zh].filter(Boolean).join(' / ') || incident.category,
      incidentStatusInternalText: [incident.status],
      incidentStatusCommonRegistryText: [EIDO_INCIDENT_STATUS[incident.status]],
      internalIncidentId: incident.number,
      incidentPriorityInternalText: incident.priority,
      incidentCommonPriorityNumber: PRIORITY_NUMBER[incident.priority],
      locationReference: [ref(ids.location)],
      notesReference: [ref(ids.notes)],
    },
    ...(resources.length
      ? {
          dispatchComponent: [
            {
              $id: ids.dispatch,
              ...stamp,
              agencyReference: ref(agency),
              emergencyResourceReference: resources.map((r) => ref(r.$id)),
            },
          ],
          emergencyResourceComponent: resources,
        }
      : {}),
    locationComponent: [
      {
        $id: ids.location,
        ...stamp,
        locationTypeDescriptionRegistryText: 'CurrentIncident',
        locationByValue: pidf,
        ...(incident.addressLabel ? { locationDescriptionText: incident.addressLabel } : {}),
      },
    ],
    notesComponent: [{ $id: ids.notes, ...stamp, notesActionComments: incident.narrative }],
    '@context': { '@vocab': './JSON-LD_Contexts/EmergencyIncidentDataObjectType.jsonld' as const },
  };
}

/**
 * The EIDO as citywatch sends it (the route's response schema; NENA's schema is the judge).
 * Every component and reference is a loose object: the members `$id` and `$ref` pass through
 * without being declared, because OpenAPI tooling (@fastify/swagger's resolver) reads a member
 * named `$id` or `$ref` in a schema's `properties` as a schema keyword and fails.
 */
const referenceSchema = z
  .looseObject({})
  .describe('A reference: { "$ref": the $id of the referenced component }');
const prologueSchema = z
  .looseObject({
    lastUpdateTimeStamp: z.string(),
    updatedByAgencyReference: referenceSchema,
  })
  .describe('A data component; its "$id" (a urn:emergency:uid, or the agency domain) is a member too');
export const eidoSchema = prologueSchema.extend({
  eidoVersion: z.literal('1.0'),
  issuingElementIdentification: z.string(),
  agencyComponent: z.array(
    prologueSchema.extend({
      agencyRoleDescriptionRegistryText: z.array(z.string()),
      agencyType: z.array(z.string()),
      incidentOwningAgencyIndicator: z.boolean(),
    }),
  ),
  incidentComponent: prologueSchema.extend({
    incidentTypeCommonRegistryText: z.string(),
    incidentTypeInternalCode: z.string(),
    incidentTypeInternalText: z.string(),
    incidentStatusInternalText: z.array(z.string()),
    incidentStatusCommonRegistryText: z.array(z.string()),
    internalIncidentId: z.string(),
    incidentPriorityInternalText: z.string(),
    incidentCommonPriorityNumber: z.number().int(),
    locationReference: z.array(referenceSchema),
    notesReference: z.array(referenceSchema),
  }),
  dispatchComponent: z
    .array(
      prologueSchema.extend({
        agencyReference: referenceSchema,
        emergencyResourceReference: z.array(referenceSchema),
      }),
    )
    .optional(),
  emergencyResourceComponent: z
    .array(
      prologueSchema.extend({
        emergencyResourceTypeCommonRegistryText: z.string(),
        emergencyResourceTypeInternalText: z.string().optional(),
        emergencyResourceName: z.string(),
        primaryUnitStatusRegistryText: z.string(),
        secondaryUnitStatusRegistryText: z.array(z.string()),
        unitStatusInternal: z.array(z.string()),
        resourceAttributeRegistryText: z.array(z.string()),
        agentReference: z.array(referenceSchema),
      }),
    )
    .optional(),
  locationComponent: z.array(
    prologueSchema.extend({
      locationTypeDescriptionRegistryText: z.string(),
      locationByValue: z.string(),
      locationDescriptionText: z.string().optional(),
    }),
  ),
  notesComponent: z.array(prologueSchema.extend({ notesActionComments: z.string() })),
  '@context': z.object({ '@vocab': z.literal('./JSON-LD_Contexts/EmergencyIncidentDataObjectType.jsonld') }),
});
export type Eido = z.infer<typeof eidoSchema>;
