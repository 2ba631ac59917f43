import { describe, expect, it } from 'vitest';
import { cameraRules, playbackUrl } from './camera';
import { deviceCodeRule } from './code';
import { readCameraCsv } from './csv';
import { divisionCount, divisionName } from './divisions';
import { SectorIndex, sectorContains, sectorRing } from './sector';

const GOOD = '44030700001320000001'; // 440307 龙岗区, type 132

describe('GB/T 28181 device codes', () => {
  it('checks length, digits, an existing GB/T 2260 division and a camera type', () => {
    expect(divisionCount()).toBeGreaterThan(3000);
    expect(divisionName('440307')).toBe('龙岗区');
    expect(divisionName('440399')).toBeUndefined();
    expect(deviceCodeRule(GOOD)).toBeNull();
    expect(deviceCodeRule('44030700001310000001')).toBeNull();
    expect(deviceCodeRule(GOOD.slice(1))).toBe('length');
    expect(deviceCodeRule(`${GOOD}0`)).toBe('length');
    expect(deviceCodeRule(`4403070000132000000A`)).toBe('digits');
    expect(deviceCodeRule(`44039900001320000001`)).toBe('division_exists');
    expect(deviceCodeRule(`99000000001320000001`)).toBe('division_exists');
    expect(deviceCodeRule(`44030700001180000001`)).toBe('camera_type');
  });
});

const base = {
  code: GOOD,
  name: '龙城广场东',
  lon: 114.25,
  lat: 22.72,
  heightM: 6,
  headingDeg: 90,
  fovDeg: 60,
  rangeM: 80,
  owner: 'police' as const,
  agreementRef: null,
  hlsUrl: 'http://nvr.local/live/1.m3u8',
  webrtcUrl: null,
  rtspUrl: 'rtsp://10.0.0.1/1',
  playbackTemplate: null,
};

describe('camera rules', () => {
  it('refuses a field of view outside 1–360° and a stream scheme other than http(s)/rtsp/webrtc', () => {
    expect(cameraRules(base)).toEqual([]);
    expect(cameraRules({ ...base, fovDeg: 0 })).toEqual([{ field: 'fovDeg', rule: 'fov_range' }]);
    expect(cameraRules({ ...base, fovDeg: 361 })).toEqual([{ field: 'fovDeg', rule: 'fov_range' }]);
    expect(cameraRules({ ...base, fovDeg: 360 })).toEqual([]);
    expect(cameraRules({ ...base, rtspUrl: 'ftp://x/y' })).toEqual([
      { field: 'rtspUrl', rule: 'url_scheme' },
    ]);
    expect(cameraRules({ ...base, webrtcUrl: 'webrtc://x/y' })).toEqual([]);
    expect(cameraRules({ ...base, hlsUrl: 'rtsp://x/y' })).toEqual([{ field: 'hlsUrl', rule: 'url_scheme' }]);
  });

  it('fills a playback template', () => {
    const url = playbackUrl(
      'http://nvr/pb?c={code}&s={from}&e={to_unix}&x={nope}',
      GOOD,
      new Date('2026-11-29T01:00:00Z'),
      new Date('2026-11-29T01:10:00Z'),
    );
    expect(url).toBe(`http://nvr/pb?c=${GOOD}&s=2026-11-29T01%3A00%3A00Z&e=1795914600&x={nope}`);
  });
});

describe('camera CSV', () => {
  it('imports good lines and refuses bad ones naming line, column and rule (header is line 1)', () => {
    const csv = [
      'code,name,lon,lat,height_m,heading_deg,fov_deg,range_m,owner,hls_url',
      `${GOOD},A,114.25,22.72,6,90,60,80,police,http://h/a.m3u8`,
      `4403070000132000001,B,114.25,22.72,6,90,60,80,police,http://h/b.m3u8`,
      '',
      `44030700001320000003,"C, quoted",114.25,22.72,,90,400,80,community,ftp://h/c`,
      `${GOOD},D,114.25,22.72,6,90,60,80,police,http://h/d.m3u8`,
      `44030700001320000005,E,abc,22.72,6,90,60,80,hotel,http://h/e.m3u8`,
    ].join('\n');
    const { cameras, refused } = readCameraCsv(csv);
    expect(cameras.map((c) => c.line)).toEqual([2]);
    expect(refused).toEqual([
      { line: 3, field: 'code', rule: 'length' },
      { line: 5, field: 'fov_deg', rule: 'fov_range' },
      { line: 5, field: 'hls_url', rule: 'url_scheme' },
      { line: 6, field: 'code', rule: 'unique' },
      { line: 7, field: 'lon', rule: 'number' },
      { line: 7, field: 'owner', rule: 'owner' },
    ]);
  });

  it('refuses a file missing a required column at line 1', () => {
    const { cameras, refused } = readCameraCsv('code,name\n1,2\n');
    expect(cameras).toEqual([]);
    expect(refused[0]).toEqual({ line: 1, field: 'lon', rule: 'required_column' });
  });
});

describe('sectors', () => {
  const east = { lon: 114.25, lat: 22.72, headingDeg: 90, fovDeg: 60, rangeM: 100 };
  it('contains points within range and half the field of view of the heading', () => {
    expect(sectorContains(east, 114.25 + 0.0005, 22.72)).toBe(true); // ~51 m east
    expect(sectorContains(east, 114.25 + 0.0012, 22.72)).toBe(false); // ~123 m: out of range
    expect(sectorContains(east, 114.25, 22.72 + 0.0004)).toBe(false); // north: outside the view
    expect(sectorContains({ ...east, fovDeg: 360 }, 114.25, 22.72 + 0.0004)).toBe(true);
    expect(sectorContains({ ...east, headingDeg: 350, fovDeg: 40 }, 114.25 + 0.00005, 22.72 + 0.0005)).toBe(
      true,
    );
    const ring = sectorRing(east, 8);
    expect(ring[0]).toEqual([east.lon, east.lat]);
    expect(ring).toHaveLength(11);
  });

  it('indexes sectors: covering cameras and nearest by straight line agree with a scan', () => {
    const items = Array.from({ length: 500 }, (_, i) => ({
      id: i,
      lon: 114.2 + ((i * 7919) % 1000) / 10000,
      lat: 22.7 + ((i * 104729) % 1000) / 10000,
      headingDeg: (i * 37) % 360,
      fovDeg: 30 + (i % 90),
      rangeM: 50 + (i % 150),
    }));
    const index = new SectorIndex(items, 22.75);
    for (let q = 0; q < 200; q++) {
      const lon = 114.2 + ((q * 31) % 100) / 1000;
      const lat = 22.7 + ((q * 17) % 100) / 1000;
      const scan = items.filter((s) => sectorContains(s, lon, lat)).map((s) => s.id);
      expect(
        index
          .covers(lon, lat)
          .map((s) => s.id)
          .sort((a, b) => a - b),
      ).toEqual(scan.sort((a, b) => a - b));
      const near = index.nearest(lon, lat, 3, 2000).map((n) => Math.round(n.metres * 1000));
      const byScan = items
        .map((s) =>
          Math.hypot((s.lon - lon) * 111_320 * Math.cos((lat * Math.PI) / 180), (s.lat - lat) * 110_574),
        )
        .filter((m) => m <= 2000)
        .sort((a, b) => a - b)
        .slice(0, 3)
        .map((m) => Math.round(m * 1000));
      expect(near).toEqual(byScan);
    }
  });
});

describe('tour shifts (Beijing time)', () => {
  it('day is 08:00–20:00 and night 20:00–08:00 in Beijing', async () => {
    const { shiftAt, shiftsBetween } = await import('./tours');
    // 2026-11-29 10:00 Beijing = 02:00 UTC: the day shift that began 08:00 Beijing (00:00 UTC).
    expect(shiftAt(new Date('2026-11-29T02:00:00Z'))).toEqual({
      shift: 'day',
      start: new Date('2026-11-29T00:00:00Z'),
      end: new Date('2026-11-29T12:00:00Z'),
    });
    // 2026-11-30 03:00 Beijing = 2026-11-29 19:00 UTC: the night shift from 20:00 Beijing.
    expect(shiftAt(new Date('2026-11-29T19:00:00Z')).shift).toBe('night');
    const two = shiftsBetween(new Date('2026-11-28T00:00:00Z'), new Date('2026-11-30T00:00:00Z'), ['night']);
    expect(two.map((o) => o.start.toISOString())).toEqual([
      '2026-11-28T12:00:00.000Z',
      '2026-11-29T12:00:00.000Z',
    ]);
  });
});
