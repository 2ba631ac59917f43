import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readRecords } from '../patrol/records';
import {
  addTargetRejections,
  batches,
  checkMapping,
  checkMappingDefinition,
  type Mapping,
  mappingSchema,
  mapRows,
  retryDelayMs,
  toCsv,
} from './mapping';

/**
 * Real exports (see each folder's SOURCE.md): the City of Berkeley Police Department's calls for
 * service, Mar–Sep 2019 (open data, via lasttillend/DS100), and one 2,000-record page of Open
 * Baltimore's 911 calls for service 2019 (Baltimore City public records, via
 * Police-Data-Accessibility-Project/scrapers).
 */
const DATA = fileURLToPath(new URL('../../../../../shared/data/incidents/', import.meta.url));
const berkeley = () =>
  readRecords(readFileSync(`${DATA}berkeley-pd-calls-2019/berkeley_pd_calls_for_service_2019.csv`, 'utf8'));
const baltimore = () =>
  readRecords(readFileSync(`${DATA}baltimore-pd-cfs-2019/baltimore_cfs_2019_sample.json`, 'utf8'));

const berkeleyMapping: Mapping = mappingSchema.parse({
  target: 'patrol.incidents',
  tz: 'America/Los_Angeles',
  fields: {
    id: { column: 'CASENO', type: 'string' },
    time: { column: ['EVENTDT', 'EVENTTM'], type: 'time' },
    category: { column: 'CVLEGEND', type: 'string' },
    point: { column: 'Block_Location', type: 'point' },
  },
});

describe('connector mapping on the Berkeley calls (CSV)', () => {
  it('accepts the mapping against the header and reports the rows: 4,604 read, 148 without a point', () => {
    const records = berkeley();
    expect(checkMapping(berkeleyMapping, records.fields, records.fieldTypes)).toEqual([]);
    const { rows, report } = mapRows(berkeleyMapping, records.rows);
    expect(report.read).toBe(4604);
    // SOURCE.md: 4,456 rows carry coordinates and 148 do not; CASENO is unique.
    expect(report.rejected).toEqual({ not_a_point: 148 });
    expect(report.accepted).toBe(4456);
    expect(report.duplicates).toBe(0);
    expect(rows).toHaveLength(4456);
    const first = rows[0].values;
    expect(first.id).toBe('19013294');
    // 03/13/2019 07:24 in Berkeley (PDT, UTC−7).
    expect(first.time).toBe('2019-03-13T14:24:00.000Z');
    const p = first.point as { lon: number; lat: number };
    expect(p.lon).toBeGreaterThan(-122.32);
    expect(p.lon).toBeLessThan(-122.23);
    expect(report.examples.not_a_point[0].field).toBe('point');
  });

  it('refuses a mapping naming a missing column or a wrong type before any row is read', () => {
    const records = berkeley();
    const bad = mappingSchema.parse({
      ...berkeleyMapping,
      fields: {
        ...berkeleyMapping.fields,
        category: { column: 'CATEGORY', type: 'string' },
        time: { column: 'EVENTDT', type: 'number' },
      },
    });
    expect(checkMapping(bad, records.fields)).toEqual([
      { field: 'mapping.fields.time.type', rule: 'type_mismatch', value: 'number' },
      { field: 'mapping.fields.category.column', rule: 'missing_column', value: 'CATEGORY' },
    ]);
  });

  it('refuses unknown target fields, a missing required field, no location and an unknown zone', () => {
    const m = mappingSchema.parse({
      target: 'patrol.incidents',
      tz: 'Mars/Olympus',
      fields: { id: { column: 'CASENO', type: 'string' }, colour: { column: 'X', type: 'string' } },
    });
    const rules = checkMappingDefinition(m).map((i) => `${i.field}:${i.rule}`);
    expect(rules).toEqual([
      'mapping.fields.colour:unknown_field',
      'mapping.fields.time:required',
      'mapping.fields.category:required',
      'mapping.fields.lon:required',
      'mapping.tz:time_zone',
    ]);
  });

  it('counts a repeated key as a duplicate, not a second row; bad values by reason', () => {
    const rows = [
      {
        CASENO: 'A1',
        EVENTDT: '03/13/2019 12:00:00 AM',
        EVENTTM: '07:24',
        CVLEGEND: 'x',
        Block_Location: '(37.87, -122.27)',
      },
      {
        CASENO: 'A1',
        EVENTDT: '03/13/2019 12:00:00 AM',
        EVENTTM: '07:25',
        CVLEGEND: 'x',
        Block_Location: '(37.87, -122.27)',
      },
      {
        CASENO: 'A2',
        EVENTDT: 'yesterday',
        EVENTTM: '07:24',
        CVLEGEND: 'x',
        Block_Location: '(37.87, -122.27)',
      },
      { CASENO: 'A3', EVENTDT: '03/13/2019 12:00:00 AM', EVENTTM: '07:24', CVLEGEND: '', Block_Location: '' },
    ];
    const { report } = mapRows(berkeleyMapping, rows);
    expect(report).toMatchObject({
      read: 4,
      accepted: 1,
      duplicates: 1,
      rejected: { not_a_time: 1, required_missing: 1 },
      rejectedTotal: 2,
    });
    expect(report.examples.not_a_time[0]).toEqual({ row: 3, field: 'time', value: 'yesterday' });
  });
});

describe('connector mapping on the Baltimore calls (Esri JSON)', () => {
  const mapping = mappingSchema.parse({
    target: 'patrol.incidents',
    tz: 'America/New_York',
    epochIsLocal: true,
    fields: {
      id: { column: 'callNumber', type: 'string' },
      time: { column: 'callDateTime', type: 'time' },
      category: { column: 'description', type: 'string' },
      address: { column: 'incidentLocation', type: 'string' },
    },
  });

  it('reads 2,000 calls, each with a time read as local Baltimore time', () => {
    const records = baltimore();
    expect(checkMapping(mapping, records.fields, records.fieldTypes)).toEqual([]);
    const { rows, report } = mapRows(mapping, records.rows);
    expect(report).toMatchObject({ read: 2000, accepted: 2000, rejectedTotal: 0, duplicates: 0 });
    // 1546305660000 is 2019-01-01 01:21 written as UTC: 01:21 EST is 06:21 UTC.
    expect(rows[0].values.time).toBe('2019-01-01T06:21:00.000Z');
    expect(rows[0].values.address).toBe('0 S HOWARD ST');
  });

  it('refuses a number field mapped from a text column by the declared Esri types', () => {
    const records = baltimore();
    const bad = mappingSchema.parse({
      ...mapping,
      fields: {
        ...mapping.fields,
        lon: { column: 'district', type: 'number' },
        lat: { column: 'ZIPCode', type: 'number' },
      },
    });
    expect(checkMapping(bad, records.fields, records.fieldTypes)).toEqual([
      { field: 'mapping.fields.lon.column', rule: 'column_type', value: 'district:esriFieldTypeString' },
    ]);
  });
});

describe('connector helpers', () => {
  it('moves the target refusals out of accepted; duplicate reasons count as duplicates', () => {
    const r = addTargetRejections(
      { read: 10, accepted: 8, rejected: { not_a_time: 2 }, rejectedTotal: 2, duplicates: 0, examples: {} },
      { outside_city: 3, duplicate_id: 1 },
      ['duplicate_id'],
    );
    expect(r).toMatchObject({
      accepted: 4,
      rejected: { not_a_time: 2, outside_city: 3 },
      rejectedTotal: 5,
      duplicates: 1,
    });
  });

  it('batches, backoff, CSV for the owning module', () => {
    expect(batches([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect([1, 2, 3, 10].map((a) => retryDelayMs(a, 1000, 5000))).toEqual([1000, 2000, 4000, 5000]);
    expect(
      toCsv('patrol.incidents', [
        { id: 'A,1', time: '2019-03-13T14:24:00.000Z', category: 'x', point: { lon: -122.27, lat: 37.87 } },
      ]),
    ).toBe('id,time,category,point\r\n"A,1",2019-03-13T14:24:00.000Z,x,"(37.87, -122.27)"');
  });
});
