import { describe, expect, it } from 'vitest';
import { formatCountsCsv, formatMovementsCsv, parseCountsCsv, parseMovementsCsv } from './csv.js';
import { FAULT_KINDS, generateYear } from './generator.js';
import { MemoryBook, type ReconcileReport, reconcile } from './reconcile.js';

const NOW = new Date('2026-11-29T12:00:00Z');
const sorted = (r: ReconcileReport) => ({
  ...r,
  refused: [...r.refused].sort((a, b) => a.id.localeCompare(b.id)),
  variances: [...r.variances].sort((a, b) =>
    `${a.date}${a.account}${a.product}`.localeCompare(`${b.date}${b.account}${b.product}`),
  ),
  serial_anomalies: [...r.serial_anomalies].sort((a, b) => a.serial.localeCompare(b.serial)),
  overdue_transit: [...r.overdue_transit].sort((a, b) => a.id.localeCompare(b.id)),
});

describe('explosives reconciliation', () => {
  it('finds every planted fault of a generated year and nothing else (through the CSV files)', async () => {
    const year = generateYear({ seed: 42, days: 365, crews: 4, faults: 4 });
    for (const kind of FAULT_KINDS) expect(year.planted[kind], kind).toBeGreaterThan(0);
    const movements = parseMovementsCsv(formatMovementsCsv(year.movements));
    const counts = parseCountsCsv(formatCountsCsv(year.counts));
    const report = await reconcile(movements, counts, new MemoryBook(), { now: NOW });
    expect(sorted(report)).toEqual(sorted(year.expected));
    expect(report.balanced).toBe(true);
  });

  it('a count for a future date or of a source account is refused, a short count is a variance', async () => {
    const year = generateYear({ seed: 7, days: 3, crews: 1, faults: 0 });
    const last = year.counts[year.counts.length - 4]; // M1 detonators of the last day
    const counts = [
      ...year.counts,
      { date: '2026-12-01', account: 'magazine:M1', product: 'EDET-8M', counted: 1 },
      { date: '2025-01-02', account: 'supplier:ACME', product: 'EDET-8M', counted: 1 },
      { ...(last as NonNullable<typeof last>), counted: (last?.counted ?? 0) - 1 },
    ];
    const report = await reconcile(year.movements, counts, new MemoryBook(), { now: NOW });
    expect(report.refused).toEqual([
      { id: `count:${year.counts.length + 1}`, reason: 'not_in_future' },
      { id: `count:${year.counts.length + 2}`, reason: 'stock_account' },
    ]);
    expect(report.variances).toHaveLength(1);
    expect(report.variances[0]?.counted).toBe((last?.counted ?? 0) - 1);
  });
});
