import { describe, expect, it } from 'vitest';
import { toEido } from './eido';
import type { Incident } from './schemas';

const incident: Incident = {
  id: '01a2',
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
  units: [{ id: 'u1', callSign: '龙岗巡01', status: 'dispatched' }],
};

describe('NENA EIDO export', () => {
  const eido = toEido(incident, { agencyDomain: 'gaj.sz.example', issuedAt: '2026-11-23T08:01:00.000Z' });
  it('identifies the incident by its number and the agency', () => {
    expect(eido.incidentTrackingIdentifier).toBe(
      'urn:emergency:uid:incidentid:J20261123-0007:gaj.sz.example',
    );
    expect(eido.eidoVersion).toBe('1.0');
    expect(eido.incidentComponent[0]).toMatchObject({
      incidentTypeInternalText: '治安案件 / 打架斗殴',
      incidentCommonPriorityNumber: 10,
    });
    expect(eido.dispatchComponent[0].unitIdentification).toBe('龙岗巡01');
  });
  it('carries the location as PIDF-LO with a GML point in lat lon order and escapes text', () => {
    const xml = eido.locationComponent[0].locationByValue;
    expect(xml).toContain('<gml:pos>22.6915 114.2075</gml:pos>');
    expect(xml).toContain('龙翔大道2001号');
    expect(eido.notesComponent[0].notesActionComments).toBe('两伙人打架 <有人受伤>');
  });
  it('leaves out personal data', () => {
    expect(JSON.stringify(eido)).not.toMatch(/caller|1[3-9]\d{9}/i);
  });
});
