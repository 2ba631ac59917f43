import { describe, expect, it } from 'vitest';
import { closeMonth, daysOfMonth, previousMonth } from './month-close.js';

const M1 = { account: 'magazine:M1', product: 'EDET-8M' };
const M2 = { account: 'magazine:M2', product: 'EDET-8M' };

/** Counts for every day of February 2026 of M1, book as given per day, one short from the 20th. */
function februaryCounts(bookOf: (day: number) => number, shortFrom = 99) {
  return daysOfMonth('2026-02').map((date, i) => {
    const book = bookOf(i + 1);
    return { ...M1, date, book, counted: i + 1 >= shortFrom ? book - 1 : book };
  });
}

describe('monthly close (月结) from the daily closes', () => {
  it('knows the calendar', () => {
    expect(daysOfMonth('2026-02')).toHaveLength(28);
    expect(daysOfMonth('2028-02')).toHaveLength(29);
    expect(daysOfMonth('2026-12').at(-1)).toBe('2026-12-31');
    expect(previousMonth('2026-01')).toBe('2025-12');
    expect(previousMonth('2026-11')).toBe('2026-10');
  });

  it('closes a month whose every day is closed: in, out, book, last count, variance days, carried', () => {
    // 100 at the start; 40 received on the 3rd; 25 issued on the 10th; from the 20th one short.
    const book = (d: number) => 100 + (d >= 3 ? 40 : 0) - (d >= 10 ? 25 : 0);
    const out = closeMonth({
      month: '2026-02',
      keys: [{ ...M1, opening: 100 }],
      moves: [
        { ...M1, date: '2026-02-03', received: 40, issued: 0 },
        { ...M1, date: '2026-02-10', received: 0, issued: 25 },
      ],
      counts: februaryCounts(book, 20),
      carriedIn: [{ ...M1, variance: -2 }],
    });
    expect(out).toEqual({
      ok: true,
      lines: [
        {
          ...M1,
          opening: 100,
          received: 40,
          issued: 25,
          closing: 115,
          counted: 114,
          variance: -1,
          varianceDays: 9,
          carriedIn: -2,
        },
      ],
    });
  });

  it('refuses while a day is unclosed, naming the day and the key; an empty magazine needs no count', () => {
    const counts = februaryCounts(() => 10).filter((c) => c.date !== '2026-02-14');
    const out = closeMonth({
      month: '2026-02',
      keys: [
        { ...M1, opening: 10 },
        { ...M2, opening: 0 },
      ],
      moves: [],
      counts,
      carriedIn: [],
    });
    expect(out).toEqual({ ok: false, unclosed: [{ ...M1, date: '2026-02-14' }] });
    // M2 held nothing and never moved: closing without its counts is fine.
    const all = closeMonth({
      month: '2026-02',
      keys: [
        { ...M1, opening: 10 },
        { ...M2, opening: 0 },
      ],
      moves: [],
      counts: februaryCounts(() => 10),
      carriedIn: [],
    });
    expect(all.ok && all.lines.map((l) => [l.account, l.closing, l.counted])).toEqual([
      ['magazine:M1', 10, 10],
      ['magazine:M2', 0, null],
    ]);
  });

  it('a magazine filled mid-month must be counted from the day it moved', () => {
    const out = closeMonth({
      month: '2026-02',
      keys: [],
      moves: [{ ...M2, date: '2026-02-27', received: 5, issued: 0 }],
      counts: [{ ...M2, date: '2026-02-27', book: 5, counted: 5 }],
      carriedIn: [],
    });
    expect(out).toEqual({ ok: false, unclosed: [{ ...M2, date: '2026-02-28' }] });
  });
});
