import { describe, expect, it } from 'vitest';
import { DEFAULT_SPEED_KMH, defaultSpeedKmh, parseMaxspeed, waySpeedKmh } from './speeds';

describe('parseMaxspeed', () => {
  it.each([
    ['60', 60],
    ['60 km/h', 60],
    ['60km/h', 60],
    ['50 kmh', 50],
    [' 40 ', 40],
    ['30 mph', 30 * 1.609344],
    ['25mph', 25 * 1.609344],
    ['CN:urban', 50],
    ['RU:urban', 60],
    ['RU:living_street', 20],
    ['DE:zone30', 30],
    ['walk', 5],
    ['50;30', 30],
    ['90;30;90;30;90;30', 30],
    ['60|40', 40],
    ['none;50', 50],
  ])('%s → %d km/h', (tag, kmh) => {
    expect(parseMaxspeed(tag)).toBeCloseTo(kmh, 9);
  });

  it.each([
    ['none'],
    ['signals'],
    ['fast'],
    [''],
    ['-10'],
    ['0'],
    ['60 furlongs'],
    ['50;junk'],
    ['XX:nowhere'],
  ])('%s → null (use the class default)', (tag) => {
    expect(parseMaxspeed(tag)).toBeNull();
  });

  it('treats a missing tag as null', () => {
    expect(parseMaxspeed(undefined)).toBeNull();
    expect(parseMaxspeed(null)).toBeNull();
  });
});

describe('default speeds', () => {
  it('ranks classes from motorway down to service', () => {
    const order = ['motorway', 'trunk', 'primary', 'secondary', 'tertiary', 'residential', 'service'];
    for (let i = 1; i < order.length; i++) {
      expect(DEFAULT_SPEED_KMH[order[i]]).toBeLessThanOrEqual(DEFAULT_SPEED_KMH[order[i - 1]]);
    }
  });

  it('runs every link slower than its parent road', () => {
    for (const parent of ['motorway', 'trunk', 'primary', 'secondary', 'tertiary']) {
      expect(DEFAULT_SPEED_KMH[`${parent}_link`]).toBeLessThan(DEFAULT_SPEED_KMH[parent]);
    }
  });

  it('prefers a tagged maxspeed over the class default', () => {
    expect(waySpeedKmh('residential', '20')).toBe(20);
    expect(waySpeedKmh('residential', 'junk')).toBe(defaultSpeedKmh('residential'));
    expect(waySpeedKmh('primary', undefined)).toBe(60);
  });
});
