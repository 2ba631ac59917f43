import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateYear } from './generator.js';
import { MemoryLedger, type MovementInput, reversalOf, SERIAL_RE } from './ledger.js';

const DET = 'EDET-8M';
const EMUL = 'EMUL-32';
const code = (n: number) => `6${n.toString(36).toUpperCase().padStart(12, '0')}`;
const codes = (from: number, n: number) => Array.from({ length: n }, (_, i) => code(from + i));
let seq = 0;
const mv = (
  from: string,
  to: string,
  product: string,
  quantity: number,
  serials: string[] = [],
): MovementInput => ({
  id: `T${++seq}`,
  time: '2025-03-01T09:00:00+08:00',
  from,
  to,
  product,
  quantity,
  serials,
});

function book() {
  const l = new MemoryLedger();
  l.products.set(DET, 'itemised');
  l.products.set(EMUL, 'bulk');
  return l;
}
const refusal = (r: ReturnType<MemoryLedger['post']>) => ('refused' in r ? r.refused : null);

describe('explosives ledger', () => {
  it('posts a receipt, an issue, a firing and a return with balances and codes in place', () => {
    const l = book();
    expect(refusal(l.post(mv('supplier:ACME', 'magazine:M1', DET, 20, codes(0, 20))))).toBeNull();
    expect(refusal(l.post(mv('supplier:ACME', 'magazine:M1', EMUL, 1000.5)))).toBeNull();
    expect(refusal(l.post(mv('magazine:M1', 'crew:C1', DET, 5, codes(0, 5))))).toBeNull();
    expect(refusal(l.post(mv('crew:C1', 'consumed:S1', DET, 4, codes(0, 4))))).toBeNull();
    expect(refusal(l.post(mv('crew:C1', 'magazine:M1', DET, 1, codes(4, 1))))).toBeNull();
    expect(l.balance('magazine:M1', DET)).toBe(16);
    expect(l.balance('supplier:ACME', DET)).toBe(-20);
    expect(l.balance('magazine:M1', EMUL)).toBe(1_000_500);
    expect(l.serial(code(4))?.at).toBe('magazine:M1');
    expect(l.serial(code(0))?.at).toBe('consumed:S1');
    expect(l.imbalance()).toBe(0);
    expect(l.debits).toBe(l.credits);
  });

  it('refuses bad input naming field and rule, and writes nothing of it', () => {
    const l = book();
    l.post(mv('supplier:ACME', 'magazine:M1', DET, 3, codes(0, 3)));
    const cases: [MovementInput, string, string][] = [
      [mv('warehouse:W', 'crew:C1', EMUL, 1), 'from', 'known_account'],
      [mv('magazine:M1', 'crew:C1', 'TNT-X', 1), 'product', 'known_product'],
      [mv('magazine:M1', 'crew:C1', EMUL, 0), 'quantity', 'positive'],
      [mv('magazine:M1', 'crew:C1', EMUL, -2), 'quantity', 'positive'],
      [mv('magazine:M1', 'crew:C1', DET, 2, codes(0, 1)), 'quantity', 'matches_serials'],
      [mv('magazine:M1', 'crew:C1', DET, 1, ['6abc000000000']), 'serials[0]', 'serial_format'],
      [mv('magazine:M1', 'crew:C1', DET, 1, ['6ABC0000000000']), 'serials[0]', 'serial_format'],
      [mv('magazine:M1', 'crew:C1', EMUL, 1.0005), 'quantity', 'grams_precision'],
      [mv('consumed:S1', 'crew:C1', EMUL, 1), 'from', 'sink_is_not_a_source'],
      [{ ...mv('magazine:M1', 'crew:C1', EMUL, 1), time: '2025-03-01 09:00' }, 'time', 'iso8601_with_offset'],
      [mv('magazine:M1', 'crew:C1', EMUL, 1), 'quantity', 'stock_not_negative'],
    ];
    for (const [input, field, rule] of cases) {
      const r = refusal(l.post(input));
      expect(r?.violations, JSON.stringify(input)).toContainEqual({ field, rule });
    }
    expect(l.posted).toBe(1);
    expect(l.balance('magazine:M1', DET)).toBe(3);
  });

  it('names each serial anomaly and refuses a movement of 20 codes with one bad code as a whole', () => {
    const l = book();
    l.post(mv('supplier:ACME', 'magazine:M1', DET, 21, codes(0, 21)));
    l.post(mv('supplier:ACME', 'magazine:M2', DET, 20, codes(100, 20)));
    l.post(mv('magazine:M1', 'crew:C1', DET, 2, codes(0, 2)));
    l.post(mv('crew:C1', 'consumed:S1', DET, 1, codes(0, 1)));
    const anomaly = (input: MovementInput) => refusal(l.post(input))?.anomalies;
    expect(anomaly(mv('supplier:ACME', 'magazine:M1', DET, 1, codes(5, 1)))).toEqual([
      { serial: code(5), reason: 'duplicate_receipt' },
    ]);
    expect(anomaly(mv('magazine:M1', 'crew:C2', DET, 1, [code(999)]))).toEqual([
      { serial: code(999), reason: 'not_received' },
    ]);
    expect(anomaly(mv('magazine:M1', 'crew:C2', DET, 1, codes(1, 1)))).toEqual([
      { serial: code(1), reason: 'double_issue' },
    ]);
    expect(anomaly(mv('crew:C1', 'consumed:S1', DET, 1, codes(0, 1)))).toEqual([
      { serial: code(0), reason: 'consumed_twice' },
    ]);
    const mixed = [...codes(2, 19), code(100)];
    expect(anomaly(mv('magazine:M1', 'crew:C3', DET, 20, mixed))).toEqual([
      { serial: code(100), reason: 'wrong_location' },
    ]);
    expect(l.balance('magazine:M1', DET)).toBe(19);
    expect(l.balance('crew:C3', DET)).toBe(0);
    expect(l.serial(code(2))?.at).toBe('magazine:M1');
  });

  it('keeps a transport pending in transit until it is received (posted) or refused (voided)', () => {
    const l = book();
    l.post(mv('supplier:ACME', 'magazine:M1', DET, 4, codes(0, 4)));
    l.post({ ...mv('magazine:M1', 'transit:V1', DET, 2, codes(0, 2)), time: '2025-03-01T08:00:00+08:00' });
    l.post({ ...mv('magazine:M1', 'transit:V2', DET, 2, codes(2, 2)), time: '2025-03-01T08:00:00+08:00' });
    expect(l.pending.get('transit:V1')?.length).toBe(1);
    expect(l.balance('transit:V1', DET)).toBe(2);
    const posted = l.post({
      ...mv('transit:V1', 'magazine:M2', DET, 2, codes(0, 2)),
      time: '2025-03-02T10:30:00+08:00',
    });
    expect('settled' in posted && posted.settled).toEqual([
      { id: expect.any(String), status: 'posted', hours: 26.5, settledBy: expect.any(String) },
    ]);
    const voided = l.post({
      ...mv('transit:V2', 'magazine:M1', DET, 2, codes(2, 2)),
      time: '2025-03-01T09:00:00+08:00',
    });
    expect('settled' in voided && voided.settled[0]?.status).toBe('voided');
    expect(l.pending.size).toBe(0);
  });

  it('corrects by a reversing transfer, which may take back from a sink', () => {
    const l = book();
    l.post(mv('supplier:ACME', 'magazine:M1', EMUL, 10));
    const wrong = mv('magazine:M1', 'consumed:S1', EMUL, 4);
    l.post(wrong);
    expect(refusal(l.post(reversalOf(wrong, 'R1', wrong.time)))).toBeNull();
    expect(l.balance('magazine:M1', EMUL)).toBe(10_000);
    expect(l.balance('consumed:S1', EMUL)).toBe(0);
  });

  it('generates codes of 13 characters 0-9A-Z', () => {
    const year = generateYear({ seed: 1, days: 5, crews: 2, faults: 0 });
    for (const m of year.movements) for (const s of m.serials) expect(s).toMatch(SERIAL_RE);
  });

  it('debits equal credits and no stock account is below zero after any generated year and random noise', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.integer({ min: 20, max: 120 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(
          fc.record({
            from: fc.constantFrom(
              'supplier:ACME',
              'magazine:M1',
              'magazine:M2',
              'crew:C1',
              'transit:VAN1',
              'consumed:SITE-1',
            ),
            to: fc.constantFrom(
              'magazine:M1',
              'magazine:M2',
              'crew:C1',
              'crew:C2',
              'lost:L',
              'destroyed:D',
              'transit:VAN1',
            ),
            bulk: fc.boolean(),
            quantity: fc.integer({ min: -2, max: 3000 }),
            at: fc.nat(10_000),
          }),
          { maxLength: 200 },
        ),
        (seed, days, crews, noise) => {
          const year = generateYear({ seed, days, crews, faults: 2 });
          const l = new MemoryLedger();
          l.products.set('EDET-8M', 'itemised');
          l.products.set('EMUL-32', 'bulk');
          const all = [...year.movements];
          for (const [i, n] of noise.entries()) {
            const base = all[(n.at * 7919) % all.length] as MovementInput;
            all.splice((n.at * 104729) % all.length, 0, {
              ...base,
              id: `N${i}`,
              from: n.from,
              to: n.to,
              product: n.bulk ? 'EMUL-32' : 'EDET-8M',
              quantity: n.bulk ? n.quantity : base.serials.length,
              serials: n.bulk ? [] : base.serials,
            });
          }
          for (const m of all) l.post(m);
          expect(l.debits).toBe(l.credits);
          expect(l.imbalance()).toBe(0);
          for (const [k, v] of l.balances)
            if (!k.startsWith('supplier:')) expect(v, k).toBeGreaterThanOrEqual(0);
          // Every code is in exactly one place, and each place's count equals its balance.
          const held = new Map<string, number>();
          for (const s of l.serials.values()) held.set(s.at, (held.get(s.at) ?? 0) + 1);
          for (const [account, n] of held) {
            if (!account.startsWith('supplier:')) expect(l.balance(account, 'EDET-8M')).toBe(n);
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
