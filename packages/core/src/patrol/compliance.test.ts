import { describe, expect, it } from 'vitest';
import {
  type ComplianceTarget,
  ComplianceTracker,
  summarise,
  TargetIndex,
  type UnitFixes,
} from './compliance';

const LON = 1.52;
const LAT = 42.51;
const KX = 111_320 * Math.cos((LAT * Math.PI) / 180);
const KY = 111_320;

/** Fixes from [seconds, east m, north m, accuracy?] relative to (LON, LAT). */
function fixes(rows: [number, number, number, number?][]): UnitFixes {
  const n = rows.length;
  const f = {
    n,
    t: new Float64Array(n),
    lon: new Float64Array(n),
    lat: new Float64Array(n),
    acc: new Float32Array(n),
  };
  rows.forEach(([t, e, no, acc], i) => {
    f.t[i] = t;
    f.lon[i] = LON + e / KX;
    f.lat[i] = LAT + no / KY;
    f.acc[i] = acc ?? Number.NaN;
  });
  return f;
}

/** At 1 Hz from t0 for `seconds`, at (e, n) with a little deterministic wobble. */
function stay(t0: number, seconds: number, e: number, n: number, every = 1): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let s = 0; s < seconds; s += every) out.push([t0 + s, e + 5 * Math.sin(s), n + 5 * Math.cos(s * 0.7)]);
  return out;
}

const point: ComplianceTarget = {
  key: 'p',
  kind: 'point',
  coordinates: [LON, LAT],
  radiusM: 50,
  dwellMinMin: 10,
};

function run(targets: ComplianceTarget[], rows: [number, number, number, number?][]) {
  const tracker = new ComplianceTracker(new TargetIndex(targets));
  tracker.addUnit(0, fixes(rows));
  return tracker;
}

describe('visit reconstruction', () => {
  it('a 12-minute stop at 1 Hz is one dosed visit from its first to its last fix inside', () => {
    // outside 150 m away, 10 s to drive in and out (15 m/s)
    const rows = [...stay(0, 60, 150, 0), ...stay(70, 720, 0, 0), ...stay(800, 60, 150, 0)];
    const tr = run([point], rows);
    const v = tr.visits();
    expect(v).toHaveLength(1);
    expect(v[0].entry).toBe(70);
    expect(v[0].exit).toBe(789);
    expect(tr.counts.droppedJump).toBe(0);
  });

  it('one fix inside alone is noise (entry needs 2 consecutive fixes)', () => {
    const rows: [number, number, number][] = [...stay(0, 30, 150, 0), [40, 0, 0], ...stay(50, 30, 150, 0)];
    expect(run([point], rows).visits()).toHaveLength(0);
    const two: [number, number, number][] = [
      ...stay(0, 30, 150, 0),
      [40, 0, 0],
      [41, 0, 0],
      ...stay(51, 30, 150, 0),
    ];
    expect(run([point], two).visits()).toHaveLength(1);
  });

  it('one stray fix outside does not split a stop (exit needs 2 fixes outside)', () => {
    // a stray fix 70 m off (outside the 50 m + 10 m accuracy), 2 s after and before the stop's fixes
    const rows: [number, number, number][] = [...stay(0, 300, 0, 0), [301, 70, 0], ...stay(303, 300, 0, 0)];
    const v = run([point], rows).visits();
    expect(v).toHaveLength(1);
    expect(v[0].exit - v[0].entry).toBe(602);
    const two: [number, number, number][] = [
      ...stay(0, 300, 0, 0),
      [301, 70, 0],
      [303, 70, 0],
      ...stay(305, 300, 0, 0),
    ];
    expect(run([point], two).visits()).toHaveLength(2);
  });

  it('a gap over 120 s splits a visit and the unseen time is not credited', () => {
    const rows = [...stay(0, 300, 0, 0), ...stay(500, 300, 0, 0)];
    const v = run([point], rows).visits();
    expect(v.map((x) => [x.entry, x.exit])).toEqual([
      [0, 299],
      [500, 799],
    ]);
    // a 100 s gap is within the rule: one visit
    expect(run([point], [...stay(0, 300, 0, 0), ...stay(400, 300, 0, 0)]).visits()).toHaveLength(1);
  });

  it('sparse fixes (one a minute) still give the stop from first to last fix', () => {
    const v = run([point], stay(0, 900, 0, 0, 60)).visits();
    expect(v).toHaveLength(1);
    expect(v[0].exit - v[0].entry).toBe(840);
  });

  it('a jump (speed > 50 m/s) is dropped; after 3 jumps in a row the unit is taken to be elsewhere', () => {
    const rows: [number, number, number][] = [
      ...stay(0, 300, 0, 0),
      [300, 5000, 0],
      [301, 5000, 0],
      ...stay(302, 300, 0, 0),
    ];
    const tr = run([point], rows);
    expect(tr.visits()).toHaveLength(1);
    expect(tr.counts.droppedJump).toBe(2);
    // really moved 5 km (e.g. the earlier fixes were wrong): the 4th far fix is accepted and the stop there is seen
    const far: ComplianceTarget = { ...point, key: 'far', coordinates: [LON + 5000 / KX, LAT] };
    const moved = run([point, far], [...stay(0, 300, 0, 0), ...stay(300, 300, 5000, 0)]);
    expect(moved.counts.droppedJump).toBe(3);
    expect(moved.visits().map((v) => moved.index.targets[v.target].key)).toEqual(['p', 'far']);
  });

  it('accuracy widens the radius up to 30 m; fixes worse than 100 m are dropped', () => {
    const at = (d: number, acc: number) =>
      run(
        [point],
        [
          [0, d, 0, acc],
          [1, d, 0, acc],
          [2, d, 0, acc],
        ],
      ).visits().length;
    expect(at(70, 5)).toBe(0);
    expect(at(70, 25)).toBe(1);
    expect(at(75, 60)).toBe(1); // capped at 30: 75 ≤ 80
    expect(at(90, 60)).toBe(0); // capped: 90 > 80
    const tr = run(
      [point],
      [
        [0, 0, 0, 150],
        [1, 0, 0, 150],
        [2, 0, 0, 150],
      ],
    );
    expect(tr.visits()).toHaveLength(0);
    expect(tr.counts.droppedAccuracy).toBe(3);
  });

  it('out-of-order and duplicate fixes are dropped', () => {
    const tr = run(
      [point],
      [
        [10, 0, 0],
        [10, 0, 0],
        [5, 0, 0],
        [11, 0, 0],
        [12, 0, 0],
      ],
    );
    expect(tr.counts.droppedOrder).toBe(2);
    expect(tr.visits()[0]).toMatchObject({ entry: 10, exit: 12 });
  });

  it('line coverage fills the pieces between sparse fixes on the line, not beyond', () => {
    const line: ComplianceTarget = {
      key: 'l',
      kind: 'line',
      coordinates: [
        [LON, LAT],
        [LON + 1000 / KX, LAT],
      ],
      radiusM: 20,
      dwellMinMin: 0,
    };
    // 10 m/s along the first 500 m, one fix every 30 s (300 m apart)
    const drive: [number, number, number][] = [];
    for (let t = 0; t <= 50; t += 30) drive.push([t, t * 10, 3]);
    drive.push([50, 500, 3]);
    drive.sort((a, b) => a[0] - b[0]);
    const cov = run([line], drive).lineCoverage()[0];
    expect(cov).toBeGreaterThan(0.45);
    expect(cov).toBeLessThan(0.56);
    // the same fixes with a gap over 120 s between them: only pieces near the fixes
    const gappy = run(
      [line],
      drive.map(([t, e, n], i) => [t + i * 200, e, n]),
    ).lineCoverage()[0];
    expect(gappy).toBeLessThan(0.2);
  });

  it('time in a zone is the time inside its polygon', () => {
    const zone: ComplianceTarget = {
      key: 'z',
      kind: 'zone',
      coordinates: [
        [LON - 0.01, LAT - 0.01],
        [LON + 0.01, LAT - 0.01],
        [LON + 0.01, LAT + 0.01],
        [LON - 0.01, LAT + 0.01],
        [LON - 0.01, LAT - 0.01],
      ],
      radiusM: 0,
      dwellMinMin: 0,
    };
    const rows = [...stay(0, 600, 0, 0), ...stay(600, 300, 3000, 0)];
    const tr = run([zone, point], rows);
    const { units } = summarise(tr, new Map(), 0, 900, 1);
    expect(units[0].zoneMin.z).toBeCloseTo(599 / 60, 5);
    expect(units[0].visits).toBe(1);
  });

  it('dose against the plan: short visits are not dosed, missed visits and the longest gap', () => {
    // shift 0–4 h; a 12-min visit at 0:30, a 3-min drive-through at 2:00
    const rows = [
      ...stay(1800, 720, 0, 0),
      ...stay(2520, 60, 800, 0),
      ...stay(7200, 180, 0, 0),
      ...stay(7380, 60, 800, 0),
    ];
    const tr = run([point], rows);
    const { targets, units } = summarise(
      tr,
      new Map([['p', { visits: 2, minutes: 26, revisitMaxMin: 120 }]]),
      0,
      14_400,
      1,
    );
    expect(targets[0]).toMatchObject({ visits: 2, dosedVisits: 1, missed: 1, revisitKept: false });
    expect(targets[0].receivedMin).toBeCloseTo((719 + 179) / 60, 5);
    expect(targets[0].longestGapMin).toBeCloseTo((14_400 - 2519) / 60, 5);
    expect(units[0]).toMatchObject({ visits: 2, dosedVisits: 1 });
  });
});
