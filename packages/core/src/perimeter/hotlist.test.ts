import { describe, expect, it } from 'vitest';
import { type ActiveHotlistEntry, HotlistMatcher } from './hotlist';

const T0 = Date.parse('2026-11-23T08:00:00Z');
const HOUR = 3_600_000;

function entry(partial: Partial<ActiveHotlistEntry> & { id: string; value: string }): ActiveHotlistEntry {
  return {
    kind: 'plate',
    category: 'stolen_vehicle',
    activeFromMs: T0,
    expiresAtMs: T0 + 24 * HOUR,
    ...partial,
  };
}

describe('HotlistMatcher', () => {
  it('matches active entries and misses everything else', () => {
    const m = new HotlistMatcher([
      entry({ id: 'a', value: '粤B12345' }),
      entry({ id: 'b', value: '粤B12345', category: 'vehicle_in_crime' }),
      entry({ id: 'p', kind: 'resident_id', value: '44030719900515123X', category: 'wanted_person' }),
    ]);
    expect(m.size).toBe(3);
    expect(m.match('粤B12345', T0 + HOUR).map((e) => e.id)).toEqual(['a', 'b']);
    expect(m.match('粤B54321', T0 + HOUR)).toHaveLength(0);
    // Plates and resident IDs are separate key spaces.
    expect(m.match('44030719900515123X', T0 + HOUR)).toHaveLength(0);
    expect(m.matchResidentId('44030719900515123X', T0 + HOUR).map((e) => e.id)).toEqual(['p']);
  });

  it('respects activation and expiry at match time, before any reload', () => {
    const m = new HotlistMatcher([
      entry({ id: 'short', value: '粤B12345', expiresAtMs: T0 + HOUR }),
      entry({ id: 'long', value: '粤B12345' }),
    ]);
    expect(m.match('粤B12345', T0 - 1)).toHaveLength(0);
    // Taken just before the approval, arriving after it: caught.
    expect(m.match('粤B12345', T0 - 1000, T0 + 1000)).toHaveLength(2);
    expect(m.match('粤B12345', T0 + HOUR - 1).map((e) => e.id)).toEqual(['short', 'long']);
    expect(m.match('粤B12345', T0 + HOUR).map((e) => e.id)).toEqual(['long']);
    // A read taken before expiry but processed after it no longer hits.
    expect(m.match('粤B12345', T0 + HOUR - 10, T0 + HOUR + 10).map((e) => e.id)).toEqual(['long']);
    expect(m.match('粤B12345', T0 + 25 * HOUR)).toHaveLength(0);
    expect(m.nextExpiryAfter(T0)).toBe(T0 + HOUR);
  });

  it('replaces its entries at once on reload', () => {
    const m = new HotlistMatcher([entry({ id: 'a', value: '粤B12345' })]);
    m.replaceAll([entry({ id: 'b', value: '粤B00001' })]);
    expect(m.match('粤B12345', T0 + 1)).toHaveLength(0);
    expect(m.match('粤B00001', T0 + 1)).toHaveLength(1);
  });

  it('applies single changes without a reload', () => {
    const m = new HotlistMatcher([entry({ id: 'a', value: '粤B12345' })]);
    const before = m.match('粤B12345', T0 + 1);
    m.upsert(entry({ id: 'b', value: '粤B12345' }));
    m.upsert(entry({ id: 'a', value: '粤B12345', expiresAtMs: T0 + 2 * HOUR }));
    expect(m.size).toBe(2);
    expect(m.match('粤B12345', T0 + 1).map((e) => e.id)).toEqual(['b', 'a']);
    expect(before.map((e) => e.id)).toEqual(['a']); // earlier results are not changed under the caller
    m.remove('b');
    m.remove('a');
    m.remove('missing');
    expect(m.size).toBe(0);
    expect(m.match('粤B12345', T0 + 1)).toHaveLength(0);
  });

  it('returns one shared empty result on a miss (no allocation per miss)', () => {
    const m = new HotlistMatcher([entry({ id: 'a', value: '粤B12345' })]);
    expect(m.match('粤B00000', T0)).toBe(m.match('粤B00001', T0));
    expect(m.match('粤B12345', T0 + 25 * HOUR)).toBe(m.match('粤B00001', T0));
  });
});
