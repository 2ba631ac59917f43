import { formatCountsCsv, formatMovementsCsv } from '@citywatch/core/explosives/csv';
import { FAULT_KINDS, generateYear } from '@citywatch/core/explosives/generator';
import type { MovementInput } from '@citywatch/core/explosives/ledger';
import { type ReconcileReport, reconcile } from '@citywatch/core/explosives/reconcile';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transactWithoutOutbox } from '../../bus/outbox.js';
import { migrate } from '../../db/migrate.js';
import { createTestDb, type TestDb } from '../../test/db.js';
import { reconcileFiles } from './cli.js';
import type { BookRef } from './ledger-store.js';
import { explosivesModule } from './module.js';
import { ExplosivesService } from './service.js';

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

/** The explosives ledger on the database: reconciliation through the service, and concurrency. */
describe(`explosives ledger (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestDb;
  let service: ExplosivesService;
  let orgId: string;
  beforeAll(async () => {
    t = await createTestDb();
    await migrate(t.db, [explosivesModule.migrations as string]);
    orgId = uuidv7();
    await t.db.kysely
      .insertInto('orgs')
      .values({
        id: orgId,
        parent_id: null,
        kind: 'city_bureau',
        name: 'x',
        code: `X${orgId}`,
        path: `/${orgId}/`,
      })
      .execute();
    service = new ExplosivesService({
      db: t.db,
      now: () => NOW,
      publish: () => {},
      transact: transactWithoutOutbox(t.db, () => {}),
    });
  });
  afterAll(() => t.drop());

  it('finds every planted fault of a generated year and nothing else, through the service', async () => {
    const year = generateYear({ seed: 11, days: 150, crews: 3, faults: 2 });
    for (const kind of FAULT_KINDS) expect(year.planted[kind], kind).toBeGreaterThan(0);
    const book: BookRef = { enterpriseId: 'mine-11', orgId };
    const report = await reconcile(year.movements, year.counts, service.reconcileBook(book), {
      now: NOW,
      batch: 700,
    });
    expect(sorted(report)).toEqual(sorted(year.expected));
    // The database says the same: codes where the book says, alarms raised for each anomaly.
    const alarms = await t.db.kysely
      .selectFrom('explosives_alarms')
      .select(['kind', 'subject'])
      .where('enterprise_id', '=', 'mine-11')
      .execute();
    expect(
      alarms
        .filter((a) => a.kind === 'serial_anomaly')
        .map((a) => a.subject)
        .sort(),
    ).toEqual(year.expected.serial_anomalies.map((a) => a.serial).sort());
    await expect(
      t.db.kysely
        .updateTable('explosives_transfers')
        .set({ amount: 1 })
        .where('enterprise_id', '=', 'mine-11')
        .execute(),
    ).rejects.toThrow(/immutable/);
  });

  it('the reconcile command (throw-away PGlite) prints the planted faults', async () => {
    const year = generateYear({ seed: 5, days: 40, crews: 2, faults: 1 });
    const movements = formatMovementsCsv(year.movements);
    const counts = formatCountsCsv(year.counts);
    const { report } = await reconcileFiles(movements, counts, { now: NOW });
    expect(sorted(report)).toEqual(sorted(year.expected));
    // The bulk walk (batches across days, counts checked from the journal at the end) reports
    // exactly what the day-by-day walk does, in the same order; small batches cut days apart.
    const daily = await reconcileFiles(movements, counts, { now: NOW, daily: true });
    expect(report).toEqual(daily.report);
    expect((await reconcileFiles(movements, counts, { now: NOW, batch: 97 })).report).toEqual(daily.report);
  });

  it('concurrent postings cannot overdraw a magazine or issue one detonator twice', async () => {
    const book: BookRef = { enterpriseId: `race-${uuidv7()}`, orgId };
    await service.putProduct({ code: 'EMUL-32', name: 'emulsion', kind: 'bulk' });
    await service.putProduct({ code: 'EDET-8M', name: 'detonator', kind: 'itemised' });
    const codes = Array.from({ length: 20 }, (_, i) => `7${i.toString().padStart(12, '0')}`);
    const at = '2026-11-28T08:00:00+08:00';
    const seed: MovementInput[] = [
      {
        id: 'in-1',
        time: at,
        from: 'supplier:A',
        to: 'magazine:M1',
        product: 'EMUL-32',
        quantity: 100,
        serials: [],
      },
      {
        id: 'in-2',
        time: at,
        from: 'supplier:A',
        to: 'magazine:M1',
        product: 'EDET-8M',
        quantity: 20,
        serials: codes,
      },
    ];
    await service.post(null, book, seed, false);
    const drains = Array.from({ length: 16 }, (_, i) =>
      service.post(
        null,
        book,
        [
          {
            id: `d-${i}`,
            time: at,
            from: 'magazine:M1',
            to: `crew:C${i}`,
            product: 'EMUL-32',
            quantity: 10,
            serials: [],
          },
        ],
        false,
      ),
    );
    const issues = Array.from({ length: 8 }, (_, i) =>
      service.post(
        null,
        book,
        [
          {
            id: `s-${i}`,
            time: at,
            from: 'magazine:M1',
            to: `crew:C${i}`,
            product: 'EDET-8M',
            quantity: 20,
            serials: codes,
          },
        ],
        false,
      ),
    );
    const results = await Promise.allSettled([...drains, ...issues]);
    const posted = (from: number, to: number) =>
      results.slice(from, to).filter((r) => r.status === 'fulfilled' && r.value.posted.length === 1).length;
    expect(posted(0, 16)).toBe(10);
    expect(posted(16, 24)).toBe(1);
    const [emul, det] = await service.balances(book, [
      { account: 'magazine:M1', product: 'EMUL-32' },
      { account: 'magazine:M1', product: 'EDET-8M' },
    ]);
    expect(emul).toBe(0);
    expect(det).toBe(0);
    expect(await service.balanced(book)).toBe(true);
  });

  it('refuses a movement of 20 codes with one bad code as a whole and writes none of it', async () => {
    const book: BookRef = { enterpriseId: `whole-${uuidv7()}`, orgId };
    const codes = Array.from({ length: 20 }, (_, i) => `8${i.toString().padStart(12, '0')}`);
    const at = '2026-11-28T08:00:00+08:00';
    await service.post(
      null,
      book,
      [
        {
          id: 'in',
          time: at,
          from: 'supplier:A',
          to: 'magazine:M1',
          product: 'EDET-8M',
          quantity: 19,
          serials: codes.slice(0, 19),
        },
      ],
      false,
    );
    const out = await service.post(
      null,
      book,
      [
        {
          id: 'out',
          time: at,
          from: 'magazine:M1',
          to: 'crew:C1',
          product: 'EDET-8M',
          quantity: 20,
          serials: codes,
        },
      ],
      false,
    );
    expect(out.results[0]).toMatchObject({
      refused: { reason: 'not_received', anomalies: [{ serial: codes[19] }] },
    });
    const held = await t.db.kysely
      .selectFrom('explosives_serials')
      .select('account')
      .where('serial', 'in', codes)
      .execute();
    expect(held.every((h) => h.account === 'magazine:M1')).toBe(true);
    expect(held).toHaveLength(19);
  });
});
