import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { findNodeIndex, type OsmExtract } from '@citywatch/core/roads/osm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OsmReadError, readOsmFile } from './osm-reader.js';

const DATA = '/work/shared/data/roads';
const FILES = {
  shenzhen: `${DATA}/shenzhen-longgang/shenzhen_longgang.osm`,
  beijing: `${DATA}/beijing-haidian-zhongguancun/beijing_haidian_zhongguancun.osm`,
  monaco: `${DATA}/monaco/monaco.osm.pbf`,
  baltimore: `${DATA}/baltimore/baltimore.osm.pbf`,
  andorra: `${DATA}/andorra/andorra.osm.pbf`,
};

function coordinates(x: OsmExtract, osmId: number): [number, number] {
  const i = findNodeIndex(x.nodes, osmId);
  expect(i, `node ${osmId}`).toBeGreaterThanOrEqual(0);
  return [x.nodes.lon[i], x.nodes.lat[i]];
}

function way(x: OsmExtract, osmId: number) {
  const w = x.ways.find((candidate) => candidate.id === osmId);
  expect(w, `way ${osmId}`).toBeDefined();
  return w!;
}

function countWays(x: OsmExtract, predicate: (tags: Record<string, string>) => boolean): number {
  return x.ways.filter((w) => predicate(w.tags)).length;
}

function countPlaces(x: OsmExtract, category: string): number {
  return x.places.filter((p) => p.category === category).length;
}

const extracts = {} as Record<keyof typeof FILES, OsmExtract>;

beforeAll(async () => {
  for (const [city, path] of Object.entries(FILES)) {
    extracts[city as keyof typeof FILES] = await readOsmFile(path);
  }
});

describe('readOsmFile on the real extracts', () => {
  // Element counts as documented in each SOURCE.md (osmium fileinfo / check-refs).
  it.each([
    ['shenzhen', 8005, 773, 40, 516],
    ['beijing', 7450, 1360, 189, 684],
    ['monaco', 180_118, 27_377, 212, 2927],
    ['baltimore', 51_385, 7230, 167, 3844],
    ['andorra', 69_644, 2725, 74, 1615],
  ] as const)(
    '%s: %d nodes, %d ways, %d relations, %d highway ways',
    (city, nodes, ways, relations, highways) => {
      const x = extracts[city];
      expect(x.counts).toMatchObject({ nodes, ways, relations, missingNodeRefs: 0 });
      expect(x.ways).toHaveLength(highways);
      expect(x.nodes.id.length).toBeGreaterThan(0);
      expect(x.addresses.length).toBeGreaterThan(0);
      expect(x.places.length).toBeGreaterThan(0);
      expect(x.buildings.length).toBeGreaterThan(0);
      // The node table is sorted and every highway way's nodes are in it.
      let unsorted = 0;
      for (let i = 1; i < x.nodes.id.length; i++) if (!(x.nodes.id[i] > x.nodes.id[i - 1])) unsorted++;
      expect(unsorted).toBe(0);
      let missing = 0;
      for (const w of x.ways) for (const r of w.refs) if (findNodeIndex(x.nodes, r) < 0) missing++;
      expect(missing).toBe(0);
    },
  );

  it('reads Shenzhen (XML): a one-way tunnel, toll booths and no maxspeed', () => {
    const x = extracts.shenzhen;
    expect(x.bounds).toEqual({ minLon: 114.1862, minLat: 22.6732, maxLon: 114.2318, maxLat: 22.7019 });
    const tunnel = way(x, 166211922);
    expect(tunnel.tags).toMatchObject({
      highway: 'primary',
      name: '大岭鼓隧道',
      oneway: 'yes',
      tunnel: 'yes',
    });
    expect(Array.from(tunnel.refs)).toEqual([1776881381, 1776881383]);
    expect(coordinates(x, 1776881381)).toEqual([114.2021075, 22.6888687]);
    expect(Array.from(way(x, 171486434).refs.subarray(0, 4))).toEqual([
      653144238, 6226268632, 6226268635, 3966698049,
    ]);
    expect(coordinates(x, 653144238)).toEqual([114.2044981, 22.6810801]);
    // SOURCE.md: 12 toll booths, 12 motorway junctions, 18 signals, 205 oneway, no maxspeed.
    expect(countPlaces(x, 'barrier=toll_booth')).toBe(12);
    expect(countPlaces(x, 'highway=motorway_junction')).toBe(12);
    expect(countPlaces(x, 'highway=traffic_signals')).toBe(18);
    expect(countWays(x, (t) => t.oneway !== undefined)).toBe(205);
    expect(countWays(x, (t) => t.maxspeed !== undefined)).toBe(0);
    expect(countWays(x, (t) => t.highway === 'motorway')).toBe(38);
    expect(x.boundaries.find((b) => b.osmId === 5664102)).toMatchObject({ name: '龙岗区', adminLevel: '6' });
    expect(x.restrictions).toContainEqual({
      osmId: 9505204,
      kind: 'no_right_turn',
      fromWays: [114964880],
      viaNode: 2283652470,
      viaWays: [],
      toWays: [685047853],
      except: [],
    });
  });

  it('reads Beijing (XML): Zhongguancun North Street, a building address at its centroid, a police station', () => {
    const x = extracts.beijing;
    const street = way(x, 26152147);
    expect(street.tags).toMatchObject({ name: '中关村北大街', highway: 'primary', oneway: 'yes' });
    expect(street.refs).toHaveLength(12);
    expect(coordinates(x, 286253282)).toEqual([116.3101005, 40.0166551]);
    expect(countPlaces(x, 'highway=traffic_signals')).toBe(98);
    expect(countWays(x, (t) => t.highway === 'service')).toBe(281);

    // Way 122100011: building=yes, addr:housenumber=3, a closed 4-node ring.
    const corners = [
      [116.3251952, 39.9907724],
      [116.3253968, 39.9907743],
      [116.3253995, 39.9906087],
      [116.3251979, 39.9906068],
    ];
    const building = x.buildings.find((b) => b.osmId === 122100011)!;
    expect(building.kind).toBe('yes');
    expect(building.ring).toHaveLength(5);
    expect(building.ring[0]).toEqual(building.ring[4]);
    const meanLon = corners.reduce((s, c) => s + c[0], 0) / 4;
    const meanLat = corners.reduce((s, c) => s + c[1], 0) / 4;
    expect(building.centroidLon).toBeCloseTo(meanLon, 6);
    expect(building.centroidLat).toBeCloseTo(meanLat, 6);
    const address = x.addresses.find((a) => a.source === 'way' && a.osmId === 122100011)!;
    expect(address.addr).toEqual({ housename: '清华园铁路宿舍', housenumber: '3' });
    expect(address.lon).toBe(building.centroidLon);

    const police = x.places.find((p) => p.category === 'amenity=police')!;
    expect(police).toMatchObject({ source: 'way', osmId: 226670893 });
    // Two of Zhongguancun's restrictions go via ways; the reader keeps them for the graph to resolve.
    expect(x.restrictions.filter((r) => r.viaNode === null && r.viaWays.length > 0)).toHaveLength(2);
  });

  it('reads Monaco (PBF): boundary 36990, a roundabout, oneway=-1, toll booths on the A8', () => {
    const x = extracts.monaco;
    expect(x.bounds!.minLon).toBeCloseTo(7.349, 9);
    expect(x.bounds!.maxLat).toBeCloseTo(43.77, 9);
    // The header bbox is the data bbox: every kept node lies inside it.
    let outside = 0;
    for (let i = 0; i < x.nodes.id.length; i++) {
      const lon = x.nodes.lon[i];
      const lat = x.nodes.lat[i];
      if (lon < 7.349 - 1e-9 || lon > 7.491 + 1e-9 || lat < 43.71 - 1e-9 || lat > 43.77 + 1e-9) outside++;
    }
    expect(outside).toBe(0);
    const monaco = x.boundaries.find((b) => b.osmId === 36990)!;
    expect(monaco).toMatchObject({ name: 'Monaco', adminLevel: '2', kind: 'land_area' });
    expect(monaco.members).toHaveLength(27);
    expect(x.boundaries.find((b) => b.osmId === 1124039)).toMatchObject({
      kind: 'administrative',
      adminLevel: '2',
    });

    // Values below were cross-checked with an independent PBF decoder.
    expect(way(x, 4097656).tags).toEqual({
      name: 'Avenue Princesse Alice',
      lanes: '2',
      oneway: 'yes',
      highway: 'primary',
    });
    expect(Array.from(way(x, 4097656).refs)).toEqual([
      21912089, 1079750744, 2104793864, 1110560507, 21912093, 21912095, 1079751630, 21912097, 21912099,
    ]);
    expect(coordinates(x, 21912089)).toEqual([7.425951800000001, 43.7389494]);
    const roundabout = way(x, 4229900);
    expect(roundabout.tags).toMatchObject({ name: 'Avenue Albert II', junction: 'roundabout' });
    expect(roundabout.refs[0]).toBe(roundabout.refs[roundabout.refs.length - 1]);
    expect(coordinates(x, 25177422)).toEqual([7.4169397, 43.730026900000006]);
    expect(way(x, 24672730).tags).toMatchObject({ name: 'Voie Romaine', oneway: '-1' });
    expect(way(x, 24672730).refs).toHaveLength(77);
    expect(coordinates(x, 1868736685)).toEqual([7.443482100000001, 43.7545586]);

    // SOURCE.md: 48 roundabouts, 700 with oneway, 121 with maxspeed, 9 toll booths, 21 signals.
    expect(countWays(x, (t) => t.junction === 'roundabout')).toBe(48);
    expect(countWays(x, (t) => t.oneway !== undefined)).toBe(700);
    expect(countWays(x, (t) => t.maxspeed !== undefined)).toBe(121);
    expect(countWays(x, (t) => t.highway === 'residential')).toBe(660);
    expect(countPlaces(x, 'barrier=toll_booth')).toBe(9);
    expect(countPlaces(x, 'highway=traffic_signals')).toBe(21);
    expect(x.restrictions.length).toBeGreaterThan(0);
  });

  it('reads Baltimore (PBF): Dundalk Avenue, North Robinson Street, a turn restriction, addresses', () => {
    const x = extracts.baltimore;
    expect(way(x, 5319448).tags).toMatchObject({ name: 'Dundalk Avenue', oneway: 'yes', highway: 'primary' });
    expect(coordinates(x, 49406802)).toEqual([-76.5441967, 39.287435900000006]);
    expect(Array.from(way(x, 6017285).refs)).toEqual([49532281, 49464622, 1291304253, 49537903, 49475164]);
    expect(coordinates(x, 49532281)).toEqual([-76.5728407, 39.295597300000004]);
    // Only the kept tag subset survives (no tiger:* tags).
    expect(Object.keys(way(x, 6017285).tags).sort()).toEqual(['highway', 'name', 'oneway']);
    expect(x.restrictions).toContainEqual({
      osmId: 3863088,
      kind: 'no_left_turn',
      fromWays: [98040438],
      viaNode: 2123388822,
      viaWays: [],
      toWays: [6003340],
      except: [],
    });
    const withNumber = x.addresses.filter((a) => a.addr.housenumber !== undefined);
    expect(withNumber.filter((a) => a.source === 'way').length).toBeGreaterThanOrEqual(600);
    expect(x.addresses.find((a) => a.osmId === 358249562)).toMatchObject({
      source: 'node',
      name: 'Tzemach Tzedek',
      addr: { housenumber: '2120', street: 'East Fairmount Avenue', postcode: '21231' },
    });
  });

  it('reads Andorra (PBF): CG-2 roundabout, Carrer Pau Casals, relation 9407', () => {
    const x = extracts.andorra;
    expect(way(x, 6166136).tags).toMatchObject({ junction: 'roundabout', ref: 'CG-2', maxspeed: '50' });
    expect(way(x, 6182386).tags).toMatchObject({ name: 'Carrer Pau Casals', oneway: '-1' });
    expect(Array.from(way(x, 6165450).refs)).toEqual([
      51110488, 51110489, 51110491, 51110493, 51110495, 51110496, 51385320,
    ]);
    expect(coordinates(x, 51110488)).toEqual([1.4915893, 42.484622]);
    expect(coordinates(x, 51400253)).toEqual([1.5305071000000001, 42.5082785]);
    expect(countWays(x, (t) => t.junction === 'roundabout')).toBe(42);
    expect(countWays(x, (t) => t.maxspeed !== undefined)).toBe(204);
    expect(x.boundaries.find((b) => b.osmId === 9407)).toMatchObject({ name: 'Andorra', adminLevel: '2' });
  });
});

describe('readOsmFile on broken input', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'citywatch-osm-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function file(name: string, content: Uint8Array | string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, content);
    return path;
  }

  async function expectReadError(path: string, message: RegExp): Promise<void> {
    const error = await readOsmFile(path).then(
      () => null,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(OsmReadError);
    expect((error as Error).message).toMatch(message);
  }

  it('rejects an unknown extension', async () => {
    await expectReadError(await file('roads.geojson', '{}'), /unknown OSM file extension/);
  });

  it('rejects empty files', async () => {
    await expectReadError(await file('empty.osm', ''), /corrupt or truncated|empty/);
    await expectReadError(await file('empty.osm.pbf', ''), /empty file/);
    await expectReadError(await file('empty.osm.gz', gzipSync('')), /corrupt or truncated|empty/);
  });

  it('rejects a missing file', async () => {
    await expectReadError(join(dir, 'nowhere.osm.pbf'), /cannot read the file: ENOENT/);
    await expectReadError(join(dir, 'nowhere.osm'), /cannot read the file: ENOENT/);
  });

  it('rejects truncated and corrupt XML', async () => {
    const xml = await readFile(FILES.beijing);
    await expectReadError(await file('cut.osm', xml.subarray(0, 200_000)), /corrupt or truncated/);
    await expectReadError(await file('junk.osm', 'this is not xml'), /corrupt or truncated/);
    await expectReadError(await file('other.osm', '<gpx><trk/></gpx>'), /no <osm> root/);
    const badCoordinate = '<osm version="0.6"><node id="1" lat="north" lon="1"/></osm>';
    await expectReadError(await file('bad.osm', badCoordinate), /bad lat/);
  });

  it('rejects truncated and corrupt gzipped XML', async () => {
    const gz = gzipSync(await readFile(FILES.beijing));
    await expectReadError(await file('cut.osm.gz', gz.subarray(0, gz.length - 5000)), /corrupt or truncated/);
    await expectReadError(await file('junk.osm.gz', 'not gzip at all'), /corrupt or truncated/);
  });

  it('reads gzipped XML like the plain file', async () => {
    const gz = gzipSync(await readFile(FILES.shenzhen));
    const x = await readOsmFile(await file('shenzhen.osm.gz', gz));
    expect(x.counts).toEqual(extracts.shenzhen.counts);
    expect(x.nodes.id).toEqual(extracts.shenzhen.nodes.id);
    expect(x.ways).toEqual(extracts.shenzhen.ways);
  });

  it('rejects truncated and corrupt PBF', async () => {
    const pbf = await readFile(FILES.monaco);
    await expectReadError(await file('cut.osm.pbf', pbf.subarray(0, 900_000)), /truncated/);
    await expectReadError(await file('cut3.osm.pbf', pbf.subarray(0, 3)), /truncated/);
    const flipped = Buffer.from(pbf);
    for (let i = 400_000; i < 400_064; i++) flipped[i] ^= 0x5a;
    await expectReadError(await file('flipped.osm.pbf', flipped), /corrupt/);
    await expectReadError(await file('text.osm.pbf', await readFile(FILES.shenzhen)), /corrupt/);
    const noHeader = Buffer.from(pbf);
    // Rename the first blob's type "OSMHeader" to "OSMHeadex": no header, data first.
    const at = noHeader.indexOf('OSMHeader');
    noHeader[at + 8] = 'x'.charCodeAt(0);
    await expectReadError(await file('noheader.osm.pbf', noHeader), /OSMHeader/);
  });
});
