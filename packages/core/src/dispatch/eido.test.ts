import { describe, expect, it } from 'vitest';
import { DISPATCH_CATEGORIES } from './categories';
import { EIDO_INCIDENT_TYPE, eidoIncidentType, eidoSchema, toEido } from './eido';
import type { Incident } from './schemas';

const incident: Incident = {
  id: '0d6f1c9e-8a51-4c5e-9a41-3f0f6f1b2a10',
  number: 'J20261123-0007',
  category: 'public_order',
  subcategory: 'fight',
  priority: 'P1',
  status: 'dispatched',
  police: true,
  narrative: '两伙人打架 <有人受伤>',
  lon: 114.2075,
  lat: 22.6915,
  addressLabel: '广东省深圳市龙岗区龙翔大道2001号',
  jurisdiction: null,
  hasCaller: true,
  receivedAt: '2026-11-23T08:00:00.000Z',
  dispatchedAt: '2026-11-23T08:00:40.000Z',
  arrivedAt: null,
  clearedAt: null,
  closedAt: null,
  mergedInto: null,
  units: [{ id: '5b9c2d7e-1f3a-4b6c-8d9e-0a1b2c3d4e5f', callSign: '龙岗巡01', status: 'dispatched' }],
};

describe('NENA EIDO export', () => {
  const eido = toEido(incident, {
    agencyDomain: 'gaj.sz.example',
    issuedAt: '2026-11-23T08:01:00.000Z',
    unitKinds: { '5b9c2d7e-1f3a-4b6c-8d9e-0a1b2c3d4e5f': 'patrol_car' },
  });
  it('identifies the incident and its components by urn:emergency:uid identifiers', () => {
    expect(eido.$id).toBe(`urn:emergency:uid:incidentid:${incident.id}:gaj.sz.example`);
    expect(eido.eidoVersion).toBe('1.0');
    expect(eido.incidentComponent).toMatchObject({
      incidentTypeCommonRegistryText: 'FIGHT',
      incidentTypeInternalText: '治安案件 / 打架斗殴',
      incidentStatusCommonRegistryText: ['ResourcesAssigned'],
      internalIncidentId: 'J20261123-0007',
      incidentCommonPriorityNumber: 10,
    });
    const ids = [eido, eido.incidentComponent, ...(eido.emergencyResourceComponent ?? [])].map((c) => c.$id);
    for (const id of ids) expect(id).toMatch(/^urn:emergency:uid:[a-z]+:[0-9a-f-]{36}:gaj\.sz\.example$/);
    expect(JSON.stringify(ids)).not.toContain('龙岗巡01');
  });
  it('puts units in emergency resources referenced from the dispatch, call signs as names', () => {
    const [unit] = eido.emergencyResourceComponent ?? [];
    expect(unit).toMatchObject({
      emergencyResourceName: '龙岗巡01',
      emergencyResourceTypeCommonRegistryText: 'PatrolUnit',
      primaryUnitStatusRegistryText: 'NotAvailable',
      secondaryUnitStatusRegistryText: ['Dispatched'],
    });
    expect(eido.dispatchComponent?.[0].emergencyResourceReference).toEqual([{ $ref: unit?.$id }]);
    expect(eido.agencyComponent[0].agencyRoleDescriptionRegistryText).toEqual([
      'CallReceiving',
      'Dispatching',
      'Dispatched',
    ]);
  });
  it('leaves dispatch and resources out before a unit is sent', () => {
    const received = toEido(
      { ...incident, status: 'received', units: [] },
      { agencyDomain: 'gaj.sz.example', issuedAt: '2026-11-23T08:01:00.000Z' },
    );
    expect(received.dispatchComponent).toBeUndefined();
    expect(received.emergencyResourceComponent).toBeUndefined();
    expect(received.incidentComponent.incidentStatusCommonRegistryText).toEqual(['Active']);
  });
  it('carries the location as PIDF-LO with a GML point in lat lon order and escapes text', () => {
    const location = eido.locationComponent[0];
    expect(location.locationTypeDescriptionRegistryText).toBe('CurrentIncident');
    expect(location.locationByValue).toContain('<gml:pos>22.6915 114.2075</gml:pos>');
    expect(location.locationByValue).toContain('龙翔大道2001号');
    expect(eido.notesComponent[0].notesActionComments).toBe('两伙人打架 <有人受伤>');
  });
  it('leaves out personal data', () => {
    expect(JSON.stringify(eido)).not.toMatch(/caller|1[3-9]\d{9}/i);
  });
  it('is described by its response schema without losing a field', () => {
    expect(eidoSchema.parse(eido)).toEqual(eido);
  });
  it('maps every category and subcategory to an Incident Type – Common code', () => {
    for (const c of DISPATCH_CATEGORIES) {
      expect(EIDO_INCIDENT_TYPE[c.code]?.['*']).toMatch(/^[A-Z0-9]+$/);
      for (const s of c.sub) expect(EIDO_INCIDENT_TYPE[c.code]?.[s.code]).toMatch(/^[A-Z0-9]+$/);
    }
    expect(eidoIncidentType('criminal', 'robbery')).toBe('ROBBERY');
    expect(eidoIncidentType('criminal', null)).toBe('INVEST');
    expect(eidoIncidentType('no_such_category', null)).toBe('NCRNONE');
  });
});
