import { daysOfMonth } from '@citywatch/core/explosives/month-close';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transactWithoutOutbox } from '../../bus/outbox.js';
import { ProblemError } from '../../http/problem.js';
import { createTestDb, type TestDb } from '../../test/db.js';
import type { BookRef } from './ledger-store.js';
import { ExplosivesService } from './service.js';

const codes = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => `7${(from + i).toString().padStart(12, '0')}`);
const M1 = 'magazine:M1';
const P = 'EDET-8M';

/** What a refusal says: status, field and rule of each error, and their messages. */
async function refusal(p: Promise<unknown>) {
  try {
    await p;
  } catch (error) {
    if (!(error instanceof ProblemError)) throw error;
    return { status: error.status, errors: error.errors ?? [] };
  }
  throw new Error('not refused');
}

/** 月结: October and November of a magazine closed from their daily closes, the variance carried. */
describe(`explosives monthly close (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestDb;
  let ex: ExplosivesService;
  let book: BookRef;

  beforeAll(async () => {
    t = await createTestDb();
    const orgId = uuidv7();
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
    // 2 December 2026, noon in Beijing: October and November have ended, December has not.
    ex = new ExplosivesService({
      db: t.db,
      now: () => new Date('2026-12-02T04:00:00Z'),
      publish: () => {},
      transact: transactWithoutOutbox(t.db, () => {}),
    });
    await ex.putProduct({ code: P, name: '电子雷管', kind: 'itemised' });
    book = { enterpriseId: 'mine-month', orgId };
    await ex.putMagazine(null, {
      enterpriseId: book.enterpriseId,
      name: 'M1',
      orgId,
      address: '',
      capacity: [],
    });
    const move = (id: string, time: string, from: string, to: string, serials: string[]) => ({
      id,
      time,
      from,
      to,
      product: P,
      quantity: serials.length,
      serials,
    });
    const out = await ex.post(
      null,
      book,
      [
        move('R1', '2026-10-05T09:00:00+08:00', 'supplier:ACME', M1, codes(0, 20)),
        move('I1', '2026-10-10T09:00:00+08:00', M1, 'crew:C1', codes(0, 5)),
        // The detonator found missing on 20 October is written off as lost on 3 November.
        move('L1', '2026-11-03T09:00:00+08:00', M1, 'lost:M1', codes(19, 1)),
      ],
      false,
    );
    expect(out.posted).toHaveLength(3);
    // Daily closes of October from the 5th (nothing was held before), except the 14th; one short
    // from the 20th on.
    for (const date of daysOfMonth('2026-10').slice(4)) {
      if (date === '2026-10-14') continue;
      const bookQty = date < '2026-10-10' ? 20 : 15;
      await ex.closeDay(null, book, {
        date,
        counts: [{ account: M1, product: P, counted: date >= '2026-10-20' ? bookQty - 1 : bookQty }],
      });
    }
  }, 120_000);
  afterAll(() => t.drop());

  it('refuses November while October is open, and October while one of its days is unclosed', async () => {
    expect(await refusal(ex.closeMonth(null, book, '2026-11'))).toMatchObject({
      status: 409,
      errors: [{ field: 'month', rule: 'previous_month_closed', message: '2026-10' }],
    });
    expect(await refusal(ex.closeMonth(null, book, '2026-10'))).toEqual({
      status: 409,
      errors: [{ field: 'month', rule: 'day_unclosed', message: `2026-10-14 ${M1} ${P}` }],
    });
    expect(await refusal(ex.closeMonth(null, book, '2026-12'))).toMatchObject({
      status: 400,
      errors: [{ field: 'month', rule: 'month_ended' }],
    });
    expect(await ex.monthCloses(book)).toEqual([]);
  });

  it('closes October once its last day is counted: in, out, book, count and the open variance', async () => {
    await ex.closeDay(null, book, { date: '2026-10-14', counts: [{ account: M1, product: P, counted: 15 }] });
    const october = await ex.closeMonth(null, book, '2026-10');
    expect(october.lines).toEqual([
      {
        account: M1,
        product: P,
        opening: 0,
        received: 20,
        issued: 5,
        closing: 15,
        counted: 14,
        variance: -1,
        varianceDays: 12,
        carriedIn: 0,
      },
    ]);
    expect(await refusal(ex.closeMonth(null, book, '2026-10'))).toMatchObject({
      status: 409,
      errors: [{ field: 'month', rule: 'already_closed' }],
    });
  });

  it("carries October's variance into November, where the loss transfer resolved it", async () => {
    for (const date of daysOfMonth('2026-11')) {
      // Book 15 until the loss was written off on the 3rd, then 14; 14 counted every day.
      await ex.closeDay(null, book, { date, counts: [{ account: M1, product: P, counted: 14 }] });
    }
    const november = await ex.closeMonth(null, book, '2026-11');
    expect(november.lines).toEqual([
      {
        account: M1,
        product: P,
        opening: 15,
        received: 0,
        issued: 1,
        closing: 14,
        counted: 14,
        variance: 0,
        varianceDays: 2,
        carriedIn: -1,
      },
    ]);
    expect((await ex.monthCloses(book)).map((m) => m.month)).toEqual(['2026-11', '2026-10']);
  });
});
