import { describe, expect, it } from 'vitest';
import { detectColumns, MappingError, parseMappingOption, pointInValue } from './columns';
import { parseCsv, RecordReadError, readRecords } from './records';
import { readIncidentRows, summarizeRejected } from './rows';

const BERKELEY_HEAD =
  'CASENO,OFFENSE,EVENTDT,EVENTTM,CVLEGEND,CVDOW,InDbDate,Block_Location,BLKADDR,City,State\n' +
  '19013294,NARCOTICS,03/13/2019 12:00:00 AM,07:24,DRUG VIOLATION,3,09/11/2019 08:02:59 AM,"2500 SHATTUCK AV\nBerkeley, CA\n(37.863811, -122.267412)",2500 SHATTUCK AV,Berkeley,CA\n' +
  '19013272,NARCOTICS,03/13/2019 12:00:00 AM,01:44,DRUG VIOLATION,3,09/11/2019 08:02:59 AM,"800 BOLIVAR DR\nBerkeley, CA",800 BOLIVAR DR,Berkeley,CA\n' +
  '19013294,NARCOTICS,03/14/2019 12:00:00 AM,07:24,DRUG VIOLATION,4,09/11/2019 08:02:59 AM,"2500 SHATTUCK AV\nBerkeley, CA\n(37.863811, -122.267412)",2500 SHATTUCK AV,Berkeley,CA\n';

describe('incident files: formats, fields, rows', () => {
  it('parses RFC 4180 CSV: quotes, doubled quotes, line breaks inside fields, CRLF, BOM', () => {
    const { header, rows } = parseCsv('\uFEFFa,b\r\n"x, ""y""","line1\nline2"\r\n1,\n');
    expect(header).toEqual(['a', 'b']);
    expect(rows).toEqual([
      ['x, "y"', 'line1\nline2'],
      ['1', ''],
    ]);
    expect(() => parseCsv('a\n"open')).toThrow(RecordReadError);
  });

  it('detects Berkeley fields: date and time split, the category, the point inside Block_Location', () => {
    const records = readRecords(BERKELEY_HEAD);
    expect(records.format).toBe('csv');
    const mapping = detectColumns(records);
    expect(mapping).toEqual({
      id: 'CASENO',
      date: 'EVENTDT',
      clock: 'EVENTTM',
      category: 'CVLEGEND',
      point: 'Block_Location',
      address: 'BLKADDR',
    });
    const { candidates, rejected } = readIncidentRows(records, mapping, { tz: 'America/Los_Angeles' });
    expect(candidates[0]).toMatchObject({
      sourceId: '19013294',
      occurredAt: Date.parse('2019-03-13T14:24:00Z'),
      category: 'DRUG VIOLATION',
      lon: -122.267412,
      lat: 37.863811,
      located: 'source',
      address: '2500 SHATTUCK AV',
    });
    // No coordinates: left for the geocoder, with its address.
    expect(candidates[1]).toMatchObject({ address: '800 BOLIVAR DR' });
    expect(candidates[1].lon).toBeUndefined();
    expect(rejected).toEqual([{ row: 3, reason: 'duplicate_id', value: '19013294' }]);
  });

  it('reads Esri JSON (epoch-ms dates, Web Mercator geometry) and GeoJSON', () => {
    const esri = readRecords(
      JSON.stringify({
        fields: [
          { name: 'callNumber', type: 'esriFieldTypeString' },
          { name: 'whenReceived', type: 'esriFieldTypeDate' },
          { name: 'description', type: 'esriFieldTypeString' },
        ],
        spatialReference: { wkid: 102100, latestWkid: 3857 },
        features: [
          {
            attributes: { callNumber: 'P1', whenReceived: 1546305660000, description: 'RA POLICE' },
            geometry: { x: -8528000, y: 4762000 },
          },
        ],
      }),
    );
    expect(esri.format).toBe('esri');
    const mapping = detectColumns(esri);
    expect(mapping).toMatchObject({ id: 'callNumber', time: 'whenReceived', category: 'description' });
    expect(esri.geometry[0]?.lon).toBeCloseTo(-76.608, 2);
    expect(esri.geometry[0]?.lat).toBeCloseTo(39.27, 1);

    const geo = readRecords(
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            properties: { id: 'a', datetime: '2026-11-01T10:00:00+08:00', type: '盗窃' },
            geometry: { type: 'Point', coordinates: [114.2, 22.69] },
          },
        ],
      }),
    );
    expect(geo.format).toBe('geojson');
    const rows = readIncidentRows(geo, detectColumns(geo), { tz: 'Asia/Shanghai' });
    expect(rows.candidates[0]).toMatchObject({ lon: 114.2, lat: 22.69, category: '盗窃', sourceId: 'a' });
  });

  it('takes --map overrides and refuses a field the file lacks', () => {
    const records = readRecords('DATE,primary_type,Latitude,Longitude\n2026-11-01 10:00,THEFT,22.69,114.2\n');
    expect(parseMappingOption('time=DATE,category=primary_type')).toEqual({
      time: 'DATE',
      category: 'primary_type',
    });
    expect(detectColumns(records, parseMappingOption('time=DATE,category=primary_type'))).toMatchObject({
      time: 'DATE',
      category: 'primary_type',
      lat: 'Latitude',
      lon: 'Longitude',
    });
    expect(() => detectColumns(records, { time: 'WHEN' })).toThrow(MappingError);
    expect(() => parseMappingOption('colour=red')).toThrow(MappingError);
    expect(() => detectColumns(readRecords('a,b\n1,2\n'))).toThrow(/no time field/);
  });

  it('counts bad rows by reason and converts GCJ-02 to WGS-84', () => {
    const records = readRecords(
      [
        'id,time,category,lat,lon',
        'a,2026-11-01 10:00,theft,22.69,114.2',
        'b,not a time,theft,22.69,114.2',
        'c,,theft,22.69,114.2',
        'd,2026-11-01 10:00,theft,0,0',
        'e,2026-11-01 10:00,theft,39.9,116.4',
        'f,2026-11-01 10:00,arson,22.69,114.2',
        'g,2026-11-01 10:00,theft,,',
        'a,2026-11-02 10:00,theft,22.69,114.2',
        'h\u0000,2026-11-01 10:00,theft,22.69,114.2',
      ].join('\n'),
    );
    const { candidates, rejected } = readIncidentRows(records, detectColumns(records), {
      tz: 'Asia/Shanghai',
      crs: 'gcj02',
      categoryMap: { theft: 'criminal.theft' },
      bounds: { minLon: 114, minLat: 22.5, maxLon: 114.4, maxLat: 22.8 },
    });
    expect(candidates.map((c) => c.sourceId)).toEqual(['a']);
    // GCJ-02 lies a few hundred metres off WGS-84 in China.
    expect(candidates[0].lon).not.toBe(114.2);
    expect(Math.abs((candidates[0].lon as number) - 114.2)).toBeLessThan(0.01);
    expect(candidates[0].category).toBe('criminal.theft');
    const { counts } = summarizeRejected(rejected);
    expect(counts).toMatchObject({
      unparseable_time: 1,
      missing_time: 1,
      bad_coordinates: 1,
      outside_city: 1,
      unknown_category: 1,
      no_location: 1,
      duplicate_id: 1,
      bad_text: 1,
    });
  });

  it('finds points written in text: (lat, lon), WKT, objects', () => {
    expect(pointInValue('2500 SHATTUCK AV\nBerkeley, CA\n(37.863811, -122.267412)')).toEqual({
      lon: -122.267412,
      lat: 37.863811,
    });
    expect(pointInValue('POINT (-87.6 41.8)')).toEqual({ lon: -87.6, lat: 41.8 });
    expect(pointInValue({ latitude: '41.8', longitude: '-87.6' })).toEqual({ lon: -87.6, lat: 41.8 });
    expect(pointInValue('800 BOLIVAR DR')).toBeNull();
  });
});
