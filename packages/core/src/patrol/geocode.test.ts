import { describe, expect, it } from 'vitest';
import {
  interpolateBlockAddress,
  matchBlockAddress,
  normalizeStreet,
  parseAddress,
  StreetIndex,
} from './geocode';
import { LAT0, LON0, STEP, testCity } from './test-city';

describe('geocoding export addresses', () => {
  it('spells street names one way: abbreviations, directions, ordinals, apostrophes', () => {
    expect(normalizeStreet('E NORTH AV')).toBe(normalizeStreet('East North Avenue'));
    expect(normalizeStreet('W 29TH ST')).toBe(normalizeStreet('West 29th Street'));
    expect(normalizeStreet('O DONNELL ST')).toBe(normalizeStreet("O'Donnell Street"));
    expect(normalizeStreet('S MARTIN LUTHER KING JR BL')).toBe('south martin luther king junior boulevard');
  });

  it('tells block addresses, intersections and other places apart', () => {
    expect(parseAddress('3500 AILSA AV')).toEqual({ kind: 'block', number: 3500, street: 'AILSA AV' });
    expect(parseAddress('1300 BLK ANGLESEA ST')).toEqual({
      kind: 'block',
      number: 1300,
      street: 'ANGLESEA ST',
    });
    expect(parseAddress('WABASH AV/ELDORADO AV')).toEqual({
      kind: 'intersection',
      a: 'WABASH AV',
      b: 'ELDORADO AV',
    });
    expect(parseAddress('SHATTUCK AV & ASHBY AV')).toMatchObject({ kind: 'intersection' });
    expect(parseAddress('龙岗大道123号')).toEqual({ kind: 'block', number: 123, street: '龙岗大道' });
    expect(parseAddress('MONDAWMIN MALL')).toEqual({ kind: 'other', text: 'MONDAWMIN MALL' });
  });

  const addresses = [
    { street: 'North Gay Street', housenumber: '310', lon: 1, lat: 1 },
    { street: 'North Gay Street', housenumber: '355', lon: 2, lat: 2 },
    { street: 'North Gay Street', housenumber: '700', lon: 7, lat: 7 },
    { street: 'South Gay Street', housenumber: '300', lon: 9, lat: 9 },
  ];

  it('matches a block to the address nearest its middle on the same street', () => {
    // The 300 block: 300–399, aiming at 350.
    expect(matchBlockAddress(300, 'N GAY ST', addresses)?.housenumber).toBe('355');
    expect(matchBlockAddress(300, 'S GAY ST', addresses)?.housenumber).toBe('300');
    expect(matchBlockAddress(500, 'N GAY ST', addresses)).toBeNull();
  });

  it('places a block with no address of its own between known numbers on its street', () => {
    // 550 lies between 355 and 700: 56.5 % of the way.
    const p = interpolateBlockAddress(500, 'N GAY ST', addresses);
    expect(p?.lon).toBeCloseTo(2 + (195 / 345) * 5, 6);
    expect(interpolateBlockAddress(900, 'N GAY ST', addresses)).toBeNull();
    expect(interpolateBlockAddress(500, 'N GAY ST', addresses, 100)).toBeNull();
  });

  it('finds where two streets of the road graph meet', () => {
    const streets = new StreetIndex(testCity());
    expect(streets.has('ROW 1 ST')).toBe(true);
    expect(streets.has('ROW 9 ST')).toBe(false);
    const p = streets.intersection('ROW 1 ST', 'COL 2 AV');
    expect(p?.lon).toBeCloseTo(LON0 + 2 * STEP, 9);
    expect(p?.lat).toBeCloseTo(LAT0 + STEP, 9);
    // Parallel streets never meet.
    expect(streets.intersection('ROW 1 ST', 'ROW 2 ST')).toBeNull();
  });
});
