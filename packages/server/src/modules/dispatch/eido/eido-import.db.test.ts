import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { categoryOfEidoType, pidfCivicLabel } from '@citywatch/core/dispatch/eido-import';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../../test/app.js';
import { eidoErrors, eidoValidator, NENA_DIR } from './nena-schema.js';

const SAMPLE = JSON.parse(readFileSync(join(NENA_DIR, 'Samples', 'Sample call transfer EIDO.json'), 'utf8'));
// Where the receiving dispatcher puts the transferred call on the map (龙翔大道, OpenStreetMap).
const PLACED = { lon: 114.2075, lat: 22.6915 };

describe(`EIDO in: a call transferred from a neighbouring centre (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let admin: string;
  let auditor: string;

  beforeAll(async () => {
    eidoValidator();
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    admin = await t.login('admin', ADMIN_PASSWORD);
    const orgId = (await t.as(admin, { method: 'GET', url: '/api/orgs' })).json().items[0].id;
    const made = await t.as(admin, {
      method: 'POST',
      url: '/api/users',
      payload: {
        username: 'aud1',
        displayName: 'aud1',
        password: 'a-long-password',
        orgId,
        roles: ['auditor'],
      },
    });
    expect(made.statusCode, made.body).toBe(201);
    auditor = await t.login('aud1', 'a-long-password');
  }, 120_000);
  afterAll(() => t?.close());

  const importEido = (cookie: string, body: unknown, query = '') =>
    t.as(cookie, { method: 'POST', url: `/api/dispatch/eido${query}`, payload: body as object });

  it("imports NENA's own sample EIDO (civic location only): placed by the dispatcher, the incident appears, audited, once", async () => {
    expect(eidoErrors(SAMPLE)).toEqual([]);
    // The sample locates the call by a US civic address only: nowhere to put it without help.
    const unplaced = await importEido(admin, SAMPLE);
    expect(unplaced.statusCode).toBe(400);
    expect(unplaced.json().errors).toEqual([
      expect.objectContaining({ field: 'locationComponent', rule: 'no_geodetic_location' }),
    ]);

    const r = await importEido(admin, SAMPLE, `?lon=${PLACED.lon}&lat=${PLACED.lat}`);
    expect(r.statusCode, r.body).toBe(201);
    const { incident, eido } = r.json();
    expect(eido).toEqual({
      id: 'urn:emergency:uid:incidentid:a56e556d871:bcf.state.pa.us',
      fromAgency: 'state.pa.us',
      typeCode: null,
      placedBy: 'dispatcher',
    });
    // No incident component, so no type: 求助 (assistance), the registry's CITASST.
    expect(incident).toMatchObject({
      category: 'assistance',
      subcategory: null,
      priority: 'P2',
      status: 'received',
    });
    expect(incident.lon).toBeCloseTo(PLACED.lon, 9);
    expect(incident.lat).toBeCloseTo(PLACED.lat, 9);
    expect(incident.addressLabel).toBe('42 W Cellular Street, Wilmington, DE, US');
    expect(incident.narrative).toContain('state.pa.us');
    // The callback number (tel:8195551212) is kept as the caller's, as personal data.
    expect(incident.hasCaller).toBe(true);

    const open = (await t.as(admin, { method: 'GET', url: '/api/dispatch/incidents' })).json().items;
    expect(open.map((i: { id: string }) => i.id)).toContain(incident.id);

    const audit = await t.ctx.db.kysely
      .selectFrom('audit_log')
      .select(['username', 'detail'])
      .where('resource', '=', `incident:${incident.id}`)
      .execute();
    expect(audit).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          username: 'admin',
          detail: expect.objectContaining({ event: 'eido_imported', fromAgency: 'state.pa.us' }),
        }),
      ]),
    );

    const again = await importEido(admin, SAMPLE, `?lon=${PLACED.lon}&lat=${PLACED.lat}`);
    expect(again.statusCode).toBe(409);
    expect(again.json().errors[0]).toMatchObject({ field: '$id', rule: 'already_imported' });
  });

  it("takes a neighbour's EIDO as citywatch writes it: type, priority, point and notes come across", async () => {
    const made = await t.as(admin, {
      method: 'POST',
      url: '/api/dispatch/incidents',
      payload: {
        category: 'criminal',
        subcategory: 'robbery',
        priority: 'P1',
        lon: 114.2105,
        lat: 22.6865,
        addressLabel: '龙岗大道 8288 号',
        narrative: '两名男子持刀抢劫路人后向北逃跑',
      },
    });
    expect(made.statusCode, made.body).toBe(201);
    const sent = (
      await t.as(admin, { method: 'GET', url: `/api/dispatch/incidents/${made.json().incident.id}/eido` })
    ).json();
    // As the neighbouring centre (another domain) would send it.
    const neighbour = JSON.parse(JSON.stringify(sent).replaceAll('citywatch.local', 'gaj.dg.gov.cn'));
    expect(eidoErrors(neighbour)).toEqual([]);
    const r = await importEido(admin, neighbour);
    expect(r.statusCode, r.body).toBe(201);
    const { incident, eido } = r.json();
    expect(eido).toMatchObject({ fromAgency: 'gaj.dg.gov.cn', typeCode: 'ROBBERY', placedBy: 'eido' });
    expect(incident).toMatchObject({ category: 'criminal', subcategory: 'robbery', priority: 'P1' });
    expect(incident.id).not.toBe(made.json().incident.id);
    expect(incident.lon).toBeCloseTo(114.2105, 9);
    expect(incident.lat).toBeCloseTo(22.6865, 9);
    expect(incident.addressLabel).toBe('龙岗大道 8288 号');
    expect(incident.narrative).toContain('两名男子持刀抢劫路人后向北逃跑');
    expect(incident.narrative).toContain(made.json().incident.number);
  });

  it('refuses an EIDO that breaks the standard, naming the member, and a user who may not take calls', async () => {
    const broken = { ...SAMPLE, $id: 'urn:emergency:uid:incidentid:x:y', incidentComponent: [{}] };
    const r = await importEido(admin, broken, `?lon=${PLACED.lon}&lat=${PLACED.lat}`);
    expect(r.statusCode).toBe(400);
    expect(r.headers['content-type']).toContain('application/problem+json');
    expect(r.json().errors[0]).toMatchObject({ field: 'incidentComponent', rule: 'nena_schema' });
    const outside = await importEido(
      admin,
      { ...SAMPLE, $id: 'urn:emergency:uid:incidentid:far:y' },
      '?lon=-75.55&lat=39.74',
    );
    expect(outside.statusCode).toBe(400);
    expect(outside.json().errors.map((e: { rule: string }) => e.rule)).toContain('outside_city');
    expect((await importEido(auditor, SAMPLE, `?lon=${PLACED.lon}&lat=${PLACED.lat}`)).statusCode).toBe(403);
  });

  it('maps registry codes back to categories through the export table', () => {
    expect(categoryOfEidoType('ROBBERY')).toEqual({ category: 'criminal', subcategory: 'robbery' });
    expect(categoryOfEidoType('CDX')).toEqual({ category: 'dispute', subcategory: null });
    expect(categoryOfEidoType('MVAUNK')).toEqual({ category: 'traffic', subcategory: 'collision' });
    expect(categoryOfEidoType('HAZMAT')).toEqual({ category: 'assistance', subcategory: null });
    expect(categoryOfEidoType(null)).toEqual({ category: 'assistance', subcategory: null });
    expect(pidfCivicLabel(SAMPLE.locationComponent[0].locationByValue)).toBe(
      '42 W Cellular Street, Wilmington, DE, US',
    );
  });
});
