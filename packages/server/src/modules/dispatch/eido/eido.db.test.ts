import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  EIDO_INCIDENT_STATUS,
  EIDO_INCIDENT_TYPE,
  EIDO_RESOURCE_TYPE,
  EIDO_UNIT_STATUS,
} from '@citywatch/core/dispatch/eido';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../../test/app.js';
import { eidoErrors, eidoValidator, NENA_DIR, NENA_REGISTRIES } from './nena-schema.js';

const SCENE = { lon: 114.2075, lat: 22.6915 }; // by 龙翔大道 2001号 (OpenStreetMap)
const CALLER = '13800138000';

/** Values NENA's registries do not list (empty: all listed). */
function notInRegistry(registry: string, values: readonly string[]): string[] {
  const listed = NENA_REGISTRIES[registry];
  if (!listed) throw new Error(`no registry ${registry}`);
  return values.filter((v) => !(v in listed));
}

describe('NENA EIDO against NENA-STA-021.1b (EmergencyIncidentDataObjectType)', () => {
  let t: TestApp;
  let cookie: string;
  const post = (url: string, payload: InjectOptions['payload']) =>
    t.as(cookie, { method: 'POST', url, payload });
  const get = (url: string) => t.as(cookie, { method: 'GET', url });

  beforeAll(async () => {
    eidoValidator(); // compiles the NIEM components once (a few seconds)
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    cookie = await t.login('admin', ADMIN_PASSWORD);
  }, 120_000);
  afterAll(() => t?.close());

  async function incidentWithUnits(category: string, subcategory: string, kinds: string[]) {
    const r = await post('/api/dispatch/incidents', {
      category,
      subcategory,
      priority: 'P1',
      ...SCENE,
      callerPhone: CALLER,
      narrative: '有人在路口持刀抢劫 <嫌疑人向北逃跑>',
    });
    expect(r.statusCode, r.body).toBe(201);
    const incident = r.json().incident as { id: string; number: string };
    const units: { id: string; callSign: string }[] = [];
    for (const kind of kinds) {
      const u = await post('/api/dispatch/units', { callSign: `龙岗${kind}${units.length + 1}`, kind });
      expect(u.statusCode, u.body).toBe(201);
      units.push(u.json());
      const d = await post(`/api/dispatch/incidents/${incident.id}/dispatch`, { unitId: u.json().id });
      expect(d.statusCode, d.body).toBe(200);
    }
    return { incident, units };
  }

  it("validates NENA's own sample (the validator works)", () => {
    const sample = JSON.parse(
      readFileSync(join(NENA_DIR, 'Samples', 'Sample call transfer EIDO.json'), 'utf8'),
    );
    expect(eidoErrors(sample)).toEqual([]);
  });

  it('refuses what the standard refuses (the validator can fail)', () => {
    const sample = JSON.parse(
      readFileSync(join(NENA_DIR, 'Samples', 'Sample call transfer EIDO.json'), 'utf8'),
    );
    // citywatch's former shape: incidentComponent as an array, without the common type.
    expect(eidoErrors({ ...sample, incidentComponent: [{ $id: 'x' }] })).toContain(
      '/incidentComponent: must be object',
    );
    expect(eidoErrors({ ...sample, eidoVersion: '2.0' })).toContain(
      '/eidoVersion: must be equal to one of the allowed values',
    );
    const { agencyComponent: _, ...noAgency } = sample;
    expect(eidoErrors(noAgency)).toContain("/: must have required property 'agencyComponent'");
    // The NIEM components are loaded: a person's accent must be a list.
    const person = { ...sample.personComponent[0], ncPersonComponent: { accent: 'northern' } };
    expect(eidoErrors({ ...sample, personComponent: [person] })).toContain(
      '/personComponent/0/ncPersonComponent/accent: must be array',
    );
  });

  it('validates the EIDO of a robbery with two units dispatched, registry values as NENA lists them', async () => {
    const { incident, units } = await incidentWithUnits('criminal', 'robbery', ['patrol_car', 'traffic']);
    await post(`/api/dispatch/units/${units[1].id}/status`, { status: 'en_route' });
    const r = await get(`/api/dispatch/incidents/${incident.id}/eido`);
    expect(r.statusCode, r.body).toBe(200);
    const eido = r.json();
    expect(eidoErrors(eido)).toEqual([]);

    const domain = t.ctx.config.agencyDomain;
    expect(eido.$id).toBe(`urn:emergency:uid:incidentid:${incident.id}:${domain}`);
    expect(eido.incidentComponent).toMatchObject({
      incidentTypeCommonRegistryText: 'ROBBERY',
      internalIncidentId: incident.number,
      incidentStatusCommonRegistryText: ['ResourcesEnroute'],
    });
    expect(eido.locationComponent[0].locationByValue).toContain(
      `<gml:pos>${SCENE.lat} ${SCENE.lon}</gml:pos>`,
    );
    const resources = eido.emergencyResourceComponent as Record<string, unknown>[];
    expect(resources.map((x) => x.emergencyResourceName)).toEqual(units.map((u) => u.callSign));
    expect(resources.map((x) => x.emergencyResourceTypeCommonRegistryText)).toEqual([
      'PatrolUnit',
      'TrafficUnit',
    ]);
    // The unit statuses as citywatch has them (a unit en route takes the incident en route).
    const detail = (await get(`/api/dispatch/incidents/${incident.id}`)).json() as {
      units: { id: string; status: keyof typeof EIDO_UNIT_STATUS }[];
    };
    expect(detail.units.map((u) => u.status)).toContain('en_route');
    expect(resources.map((x) => x.secondaryUnitStatusRegistryText)).toEqual(
      units.map((u) => [EIDO_UNIT_STATUS[detail.units.find((d) => d.id === u.id)!.status].secondary]),
    );
    expect(resources.map((x) => x.primaryUnitStatusRegistryText)).toEqual(['NotAvailable', 'NotAvailable']);
    expect(eido.dispatchComponent[0].emergencyResourceReference).toEqual(
      resources.map((x) => ({ $ref: x.$id })),
    );
    expect(eido.dispatchComponent[0].unitIdentification).toBeUndefined();

    // Every identifier a urn:emergency:uid, no call sign in any of them.
    const components = [
      eido,
      eido.incidentComponent,
      ...eido.dispatchComponent,
      ...resources,
      ...eido.locationComponent,
      ...eido.notesComponent,
    ] as { $id: string }[];
    for (const c of components) {
      expect(c.$id).toMatch(
        new RegExp(`^urn:emergency:uid:[a-z]+:[0-9a-f-]{36}:${domain.replace(/\./g, '\\.')}$`),
      );
    }
    expect(eido.agencyComponent[0].$id).toBe(domain);
    for (const u of units) expect(JSON.stringify(components.map((c) => c.$id))).not.toContain(u.callSign);

    // Registry values exactly as NENA's registries have them.
    expect(
      notInRegistry('EIDO-AgencyRole', eido.agencyComponent[0].agencyRoleDescriptionRegistryText),
    ).toEqual([]);
    expect(
      notInRegistry('EIDO-IncidentType-Common', [eido.incidentComponent.incidentTypeCommonRegistryText]),
    ).toEqual([]);
    expect(
      notInRegistry('EIDO-IncidentStatus-Common', eido.incidentComponent.incidentStatusCommonRegistryText),
    ).toEqual([]);
    expect(
      notInRegistry('EIDO-LocationType', [eido.locationComponent[0].locationTypeDescriptionRegistryText]),
    ).toEqual([]);
    for (const x of resources) {
      expect(
        notInRegistry('EIDO-EmergencyResourceType-Common', [
          x.emergencyResourceTypeCommonRegistryText as string,
        ]),
      ).toEqual([]);
      expect(
        notInRegistry('EIDO-PrimaryUnitStatus-Common', [x.primaryUnitStatusRegistryText as string]),
      ).toEqual([]);
      expect(
        notInRegistry('EIDO-SecondaryUnitStatus-Common', x.secondaryUnitStatusRegistryText as string[]),
      ).toEqual([]);
    }

    // The caller's number is personal data: not in the EIDO.
    expect(r.body).not.toContain(CALLER);
    expect(r.body).not.toMatch(/caller/i);
  });

  it('validates the EIDO of an incident before any unit is sent, and of each category', async () => {
    for (const [category, subcategory] of [
      ['public_order', 'fight'],
      ['traffic', 'collision'],
      ['dispute', 'family'],
      ['non_police', 'noise'],
    ] as const) {
      const r = await post('/api/dispatch/incidents', {
        category,
        subcategory,
        priority: 'P2',
        ...SCENE,
        narrative: '测试警情',
      });
      expect(r.statusCode, r.body).toBe(201);
      const eido = (await get(`/api/dispatch/incidents/${r.json().incident.id}/eido`)).json();
      expect(eidoErrors(eido), `${category}.${subcategory}`).toEqual([]);
      expect(eido.incidentComponent.incidentTypeCommonRegistryText).toBe(
        EIDO_INCIDENT_TYPE[category]?.[subcategory],
      );
      expect(eido.dispatchComponent).toBeUndefined();
    }
  });

  it('answers 404 for an incident that does not exist', async () => {
    const r = await get('/api/dispatch/incidents/00000000-0000-4000-8000-000000000000/eido');
    expect(r.statusCode).toBe(404);
  });

  it('maps onto codes every one of which NENA lists', () => {
    const types = Object.values(EIDO_INCIDENT_TYPE).flatMap((row) => Object.values(row));
    expect(notInRegistry('EIDO-IncidentType-Common', [...types, 'NCRNONE'])).toEqual([]);
    expect(notInRegistry('EIDO-IncidentStatus-Common', Object.values(EIDO_INCIDENT_STATUS))).toEqual([]);
    expect(notInRegistry('EIDO-EmergencyResourceType-Common', Object.values(EIDO_RESOURCE_TYPE))).toEqual([]);
    const unit = Object.values(EIDO_UNIT_STATUS);
    expect(
      notInRegistry(
        'EIDO-PrimaryUnitStatus-Common',
        unit.map((s) => s.primary),
      ),
    ).toEqual([]);
    expect(
      notInRegistry(
        'EIDO-SecondaryUnitStatus-Common',
        unit.map((s) => s.secondary),
      ),
    ).toEqual([]);
    // The old values were not registry values.
    expect(notInRegistry('EIDO-AgencyRole', ['Dispatch'])).toEqual(['Dispatch']);
    expect(notInRegistry('EIDO-LocationType', ['Incident'])).toEqual(['Incident']);
  });
});
