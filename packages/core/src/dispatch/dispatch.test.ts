import { describe, expect, it } from 'vitest';
import { UNIT_KIND_CAPABILITIES, unitCanServe } from './categories';
import { quantile, shareWithin, summarise } from './figures';
import { canTransitionIncident, canTransitionUnit, incidentNumber, isLikelyDuplicate } from './incident';
import { segmentWords, triage, validityRate } from './triage';

const flat = (lon1: number, lat1: number, lon2: number, lat2: number) =>
  Math.hypot((lon1 - lon2) * 102_700, (lat1 - lat2) * 111_000);

describe('incident lifecycle', () => {
  it('follows received → dispatched → en route → on scene → cleared → closed', () => {
    expect(canTransitionIncident('received', 'dispatched')).toBe(true);
    expect(canTransitionIncident('dispatched', 'en_route')).toBe(true);
    expect(canTransitionIncident('en_route', 'on_scene')).toBe(true);
    expect(canTransitionIncident('on_scene', 'cleared')).toBe(true);
    expect(canTransitionIncident('cleared', 'closed')).toBe(true);
  });
  it('refuses skipping and leaving an end state', () => {
    expect(canTransitionIncident('received', 'on_scene')).toBe(false);
    expect(canTransitionIncident('closed', 'received')).toBe(false);
    expect(canTransitionIncident('diverted', 'dispatched')).toBe(false);
    expect(canTransitionIncident('on_scene', 'cancelled')).toBe(false);
  });
  it('keeps units to their own machine', () => {
    expect(canTransitionUnit('available', 'dispatched')).toBe(true);
    expect(canTransitionUnit('dispatched', 'dispatched')).toBe(false);
    expect(canTransitionUnit('out_of_service', 'dispatched')).toBe(false);
  });
});

describe('numbers and duplicates', () => {
  it('numbers incidents by the Shanghai calendar day', () => {
    // 2026-11-22 17:30 UTC is already 23 November in Shanghai.
    expect(incidentNumber(new Date('2026-11-22T17:30:00Z'), 123)).toBe('J20261123-0123');
    expect(incidentNumber(new Date('2026-11-22T15:59:00Z'), 1)).toBe('J20261122-0001');
  });
  it('flags the same category within 300 m and 10 min', () => {
    const a = { category: 'traffic', lon: 114.2, lat: 22.69, receivedAt: new Date('2026-11-23T08:00:00Z') };
    expect(
      isLikelyDuplicate(a, { ...a, lon: 114.2019, receivedAt: new Date('2026-11-23T08:09:00Z') }, flat),
    ).toBe(true);
    expect(isLikelyDuplicate(a, { ...a, lon: 114.204 }, flat)).toBe(false);
    expect(isLikelyDuplicate(a, { ...a, receivedAt: new Date('2026-11-23T08:11:00Z') }, flat)).toBe(false);
    expect(isLikelyDuplicate(a, { ...a, category: 'criminal' }, flat)).toBe(false);
  });
});

describe('triage', () => {
  it('segments Chinese narrative into words', () => {
    expect(segmentWords('小区停水三天了')).toContain('停水');
  });
  it('sends utilities complaints to 12345 and keeps danger with the police', () => {
    expect(triage('dispute', '楼上邻居装修噪音扰民')).toMatchObject({
      police: false,
      reason: 'non_police_words',
    });
    expect(triage('non_police', '小区停水三天了')).toMatchObject({ police: false, reason: 'category' });
    expect(triage('non_police', '物业和业主打架，有人受伤')).toMatchObject({
      police: true,
      reason: 'police_words',
    });
    expect(triage('criminal', '电动车被偷')).toMatchObject({ police: true });
  });
  it('computes the validity rate', () => {
    expect(validityRate(364, 1000)).toBeCloseTo(0.364);
    expect(validityRate(0, 0)).toBe(0);
  });
});

describe('capabilities and figures', () => {
  it('matches unit capabilities to what a category needs', () => {
    expect(unitCanServe(UNIT_KIND_CAPABILITIES.traffic, ['traffic'])).toBe(true);
    expect(unitCanServe(UNIT_KIND_CAPABILITIES.checkpoint_team, ['patrol'])).toBe(false);
  });
  it('gives nearest-rank medians and 90th percentiles', () => {
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9);
    expect(summarise([300, 60, 120])).toEqual({ count: 3, medianSeconds: 120, p90Seconds: 300 });
    expect(shareWithin([50, 170, 290, 400], 180)).toBe(0.5);
  });
});
