/**
 * A year of a mine's explosives, generated from a seed, with faults planted on purpose and the
 * report they must produce written down beside them — so a reconciliation can be checked to find
 * every planted fault and nothing else.
 *
 * Every day (book dates at UTC+8): trucks bring detonators (20 codes a movement) and emulsion (kg)
 * from the supplier through transit into magazine M1; a van takes half of it on to M2; each crew
 * draws 20 detonators and 50 kg from its magazine, fires most of them at its blast site, sends a
 * misfired detonator for destruction now and then, and returns the rest; magazines are counted at
 * the end of the day. The normal flow is posted into a `MemoryLedger` as it is made, so a flow the
 * ledger would refuse stops the generator instead of becoming a fault no one planted.
 */
import { bookDate, MemoryLedger, type MovementInput } from './ledger.js';
import type { CountInput, ReconcileReport } from './reconcile.js';

export const DETONATOR = 'EDET-8M';
export const EMULSION = 'EMUL-32';
export const FAULT_KINDS = [
  'variance_short',
  'variance_surplus',
  'duplicate_receipt',
  'not_received',
  'double_issue',
  'consumed_twice',
  'wrong_location',
  'negative_stock',
  'invalid_row',
  'overdue_transit',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface GeneratorOptions {
  seed: number;
  days?: number;
  /** Blasting crews a day (about nine movements each). */
  crews?: number;
  /** Faults planted of each kind. */
  faults?: number;
  /** First book date. */
  start?: string;
}

export interface GeneratedYear {
  movements: MovementInput[];
  counts: CountInput[];
  /** What reconciliation must report (and nothing more); `movements` and `balanced` included. */
  expected: ReconcileReport;
  planted: Record<FaultKind, number>;
}

/** mulberry32: small, seeded, good enough to shape test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Queue {
  items: string[] = [];
  head = 0;
  get size() {
    return this.items.length - this.head;
  }
  take(n: number): string[] {
    const out = this.items.slice(this.head, this.head + n);
    this.head += out.length;
    if (this.head > 65_536 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return out;
  }
  peek(n: number): string[] {
    return this.items.slice(this.head, this.head + n);
  }
  push(codes: readonly string[]) {
    for (const c of codes) this.items.push(c);
  }
}

const OFFSET = '+08:00';
/** Faults planted at noon, between issue and firing. */
const NOON_FAULTS: readonly FaultKind[] = [
  'not_received',
  'double_issue',
  'wrong_location',
  'negative_stock',
  'invalid_row',
];
const HOUR = 3600_000;

export function generateYear(options: GeneratorOptions): GeneratedYear {
  const random = rng(options.seed);
  const days = options.days ?? 365;
  const crews = Math.min(options.crews ?? 6, 1500);
  const faultsPerKind = options.faults ?? 3;
  const startMs = Date.parse(`${options.start ?? '2025-01-01'}T00:00:00${OFFSET}`);
  const int = (n: number) => Math.floor(random() * n);

  const ledger = new MemoryLedger();
  ledger.products.set(DETONATOR, 'itemised');
  ledger.products.set(EMULSION, 'bulk');
  const movements: MovementInput[] = [];
  const counts: CountInput[] = [];
  const expected: ReconcileReport = {
    movements: 0,
    refused: [],
    variances: [],
    serial_anomalies: [],
    overdue_transit: [],
    balanced: true,
  };
  const planted = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  const stock = { M1: new Queue(), M2: new Queue() } as Record<'M1' | 'M2', Queue>;
  let serialNo = 0;
  let seq = 0;
  const newSerials = (n: number) =>
    Array.from({ length: n }, () => `6${(serialNo++).toString(36).toUpperCase().padStart(12, '0')}`);

  // Fault days: each kind on `faultsPerKind` distinct days in [1, days - 3].
  const faultDays = new Map<number, FaultKind[]>();
  for (const kind of FAULT_KINDS) {
    const chosen = new Set<number>();
    while (chosen.size < Math.min(faultsPerKind, Math.max(0, days - 4))) chosen.add(1 + int(days - 4));
    for (const d of chosen) faultDays.set(d, [...(faultDays.get(d) ?? []), kind]);
  }
  const neverArriving: { id: string; ms: number }[] = [];
  const lateArrivals = new Map<number, { id: string; serials: string[]; transit: string }[]>();

  for (let day = 0; day < days; day++) {
    const dayMs = startMs + day * 24 * HOUR;
    const date = bookDate(dayMs);
    const clock = (hour: number) => {
      let t = dayMs + hour * HOUR;
      return () => {
        t += 1000;
        return t;
      };
    };
    const iso = (ms: number) => `${new Date(ms + 8 * HOUR).toISOString().slice(0, 19)}${OFFSET}`;
    /** A normal movement: posted to the generator's book, which must accept it. */
    const move = (
      ms: number,
      from: string,
      to: string,
      product: string,
      quantity: number,
      serials: string[] = [],
    ) => {
      const m: MovementInput = {
        id: `MV${(++seq).toString().padStart(8, '0')}`,
        time: iso(ms),
        from,
        to,
        product,
        quantity,
        serials,
        permit: from.startsWith('supplier') ? 'PP-2025-001' : to.startsWith('transit') ? 'TP-2025-001' : null,
      };
      const r = ledger.post(m);
      if ('refused' in r) throw new Error(`generator flow refused: ${m.id} ${r.refused.reason}`);
      movements.push(m);
      return m;
    };
    /** A planted fault: not posted; its refusal is expected. */
    const fault = (ms: number, m: Omit<MovementInput, 'id' | 'time'>, reason: string, anomaly?: string[]) => {
      const id = `FX${(++seq).toString().padStart(8, '0')}`;
      movements.push({ id, time: iso(ms), permit: null, ...m });
      expected.refused.push({ id, reason });
      for (const s of anomaly ?? []) {
        expected.serial_anomalies.push({ serial: s, reason: reason as never });
      }
    };

    // 05:00 trucks leave the supplier, 07:00 they arrive at M1 (20 codes a movement).
    const detNeed = crews * 20 + 60;
    const depart = clock(5);
    const arrive = clock(7);
    for (let n = 0; n < detNeed; n += 20) {
      const truck = `transit:TRK${1 + ((n / 20) % 3)}`;
      const codes = newSerials(20);
      move(depart(), 'supplier:ACME', truck, DETONATOR, 20, codes);
      move(arrive(), truck, 'magazine:M1', DETONATOR, 20, codes);
      stock.M1.push(codes);
    }
    const emulNeed = crews * 50 + 100;
    for (let kg = 0; kg < emulNeed; kg += 1000) {
      const q = Math.min(1000, emulNeed - kg);
      move(depart(), 'supplier:ACME', 'transit:TRK9', EMULSION, q);
      move(arrive(), 'transit:TRK9', 'magazine:M1', EMULSION, q);
    }
    // 07:30 the van takes the M2 crews' share on; it arrives at 08:30.
    const m2Crews = Math.floor(crews / 2);
    const vanOut = clock(7.5);
    const vanIn = clock(8.5);
    for (let c = 0; c < m2Crews; c++) {
      const codes = stock.M1.take(20);
      move(vanOut(), 'magazine:M1', 'transit:VAN1', DETONATOR, 20, codes);
      move(vanIn(), 'transit:VAN1', 'magazine:M2', DETONATOR, 20, codes);
      stock.M2.push(codes);
    }
    if (m2Crews > 0) {
      move(vanOut(), 'magazine:M1', 'transit:VAN1', EMULSION, m2Crews * 50);
      move(vanIn(), 'transit:VAN1', 'magazine:M2', EMULSION, m2Crews * 50);
    }
    for (const late of lateArrivals.get(day) ?? []) {
      move(dayMs + 8.8 * HOUR, late.transit, 'magazine:M2', DETONATOR, 20, late.serials);
      stock.M2.push(late.serials);
    }

    // 09:00 issues; 13:00 firing; 15:00 misfires destroyed; 16:00 returns.
    const issue = clock(9);
    const fire = clock(13);
    const destroy = clock(15);
    const back = clock(16);
    const issued: { crew: string; mag: 'M1' | 'M2'; codes: string[] }[] = [];
    for (let c = 0; c < crews; c++) {
      const mag = c < m2Crews ? 'M2' : 'M1';
      const crew = `crew:C${c + 1}`;
      const codes = stock[mag].take(20);
      move(issue(), `magazine:${mag}`, crew, DETONATOR, codes.length, codes);
      move(issue(), `magazine:${mag}`, crew, EMULSION, 50);
      issued.push({ crew, mag, codes });
    }
    const faultsToday = faultDays.get(day) ?? [];
    const noon = clock(12);
    for (const kind of faultsToday) {
      const crewA = issued[0] as (typeof issued)[number];
      const crewB = issued[issued.length - 1] as (typeof issued)[number];
      if (kind === 'not_received') {
        const ghost = `X${(serialNo + 1_000_000_000).toString(36).toUpperCase().padStart(12, '0')}`;
        fault(
          noon(),
          { from: 'magazine:M1', to: crewB.crew, product: DETONATOR, quantity: 1, serials: [ghost] },
          'not_received',
          [ghost],
        );
      } else if (kind === 'double_issue') {
        const code = crewA.codes[0] as string;
        fault(
          noon(),
          { from: `magazine:${crewB.mag}`, to: crewB.crew, product: DETONATOR, quantity: 1, serials: [code] },
          'double_issue',
          [code],
        );
      } else if (kind === 'wrong_location') {
        // 19 codes that are in M2 and one that is in M1: the whole movement is refused.
        const codes = [...stock.M2.peek(19), ...stock.M1.peek(1)];
        fault(
          noon(),
          { from: 'magazine:M2', to: crewA.crew, product: DETONATOR, quantity: codes.length, serials: codes },
          'wrong_location',
          [codes[codes.length - 1] as string],
        );
      } else if (kind === 'negative_stock') {
        const kg = ledger.balance('magazine:M2', EMULSION) / 1000 + 1000;
        fault(
          noon(),
          { from: 'magazine:M2', to: crewA.crew, product: EMULSION, quantity: kg, serials: [] },
          'negative_stock',
        );
      } else if (kind === 'invalid_row') {
        const variant = planted.invalid_row % 4;
        const code = stock.M1.peek(1);
        if (variant === 0) {
          fault(
            noon(),
            {
              from: 'magazine:M1',
              to: crewB.crew,
              product: DETONATOR,
              quantity: 1,
              serials: ['6abc-lower-x1'],
            },
            'serial_format',
          );
        } else if (variant === 1) {
          fault(
            noon(),
            { from: 'magazine:M1', to: crewB.crew, product: EMULSION, quantity: 0, serials: [] },
            'positive',
          );
        } else if (variant === 2) {
          fault(
            noon(),
            { from: 'warehouse:W9', to: crewB.crew, product: EMULSION, quantity: 5, serials: [] },
            'known_account',
          );
        } else {
          fault(
            noon(),
            { from: 'magazine:M1', to: crewB.crew, product: DETONATOR, quantity: 2, serials: code },
            'matches_serials',
          );
        }
      }
      if (NOON_FAULTS.includes(kind)) planted[kind]++;
    }

    const consumedToday: { crew: string; code: string }[] = [];
    for (const { crew, mag, codes } of issued) {
      const site = `consumed:SITE-${crew.slice(6)}`;
      const keep = int(4);
      const misfire = random() < 0.05 && codes.length - keep > 1 ? 1 : 0;
      const fired = codes.slice(0, codes.length - keep - misfire);
      if (fired.length > 0) move(fire(), crew, site, DETONATOR, fired.length, fired);
      if (fired[0]) consumedToday.push({ crew, code: fired[0] });
      const kgBack = [0, 2.5, 5][int(3)] as number;
      move(fire(), crew, site, EMULSION, 50 - kgBack);
      if (misfire) {
        const m = codes.slice(codes.length - keep - 1, codes.length - keep);
        move(destroy(), crew, 'destroyed:MISFIRE', DETONATOR, 1, m);
      }
      const returned = codes.slice(codes.length - keep);
      if (returned.length > 0) {
        move(back(), crew, `magazine:${mag}`, DETONATOR, returned.length, returned);
        stock[mag].push(returned);
      }
      if (kgBack > 0) move(back(), crew, `magazine:${mag}`, EMULSION, kgBack);
    }

    // 18:00 late faults: a code fired twice, a code received twice; 07:30 overdue vans.
    const evening = clock(18);
    for (const kind of faultsToday) {
      if (kind === 'consumed_twice' && consumedToday[0]) {
        const { crew, code } = consumedToday[0];
        fault(
          evening(),
          {
            from: crew,
            to: `consumed:SITE-${crew.slice(6)}`,
            product: DETONATOR,
            quantity: 1,
            serials: [code],
          },
          'consumed_twice',
          [code],
        );
        planted.consumed_twice++;
      } else if (kind === 'duplicate_receipt' && stock.M1.size > 0) {
        const code = stock.M1.peek(1);
        fault(
          evening(),
          { from: 'supplier:ACME', to: 'magazine:M1', product: DETONATOR, quantity: 1, serials: code },
          'duplicate_receipt',
          code,
        );
        planted.duplicate_receipt++;
      } else if (kind === 'overdue_transit' && stock.M1.size >= 20) {
        const transit = `transit:VANX${planted.overdue_transit + 1}`;
        const codes = stock.M1.take(20);
        const m = move(evening(), 'magazine:M1', transit, DETONATOR, 20, codes);
        const ms = Date.parse(m.time);
        if (planted.overdue_transit % 2 === 0) {
          // Arrives two mornings later (08:48), about 39 h after it left.
          const arrival = day + 2;
          if (arrival < days) {
            const list = lateArrivals.get(arrival) ?? [];
            list.push({ id: m.id, serials: codes, transit });
            lateArrivals.set(arrival, list);
            const arrivalMs = startMs + arrival * 24 * HOUR + 8.8 * HOUR;
            expected.overdue_transit.push({ id: m.id, hours: Math.round((arrivalMs - ms) / 360_000) / 10 });
          } else neverArriving.push({ id: m.id, ms });
        } else neverArriving.push({ id: m.id, ms });
        planted.overdue_transit++;
      }
    }

    // End of day: every magazine counted; planted miscounts.
    for (const mag of ['M1', 'M2']) {
      for (const product of [DETONATOR, EMULSION]) {
        const amount = ledger.balance(`magazine:${mag}`, product);
        const book = product === EMULSION ? amount / 1000 : amount;
        let counted = book;
        if (mag === 'M1' && product === DETONATOR && faultsToday.includes('variance_short')) {
          counted = Math.max(0, book - 1 - int(3));
          if (counted !== book) planted.variance_short++;
        }
        if (mag === 'M2' && product === EMULSION && faultsToday.includes('variance_surplus')) {
          counted = book + 12.5;
          planted.variance_surplus++;
        }
        if (counted !== book)
          expected.variances.push({ date, account: `magazine:${mag}`, product, book, counted });
        counts.push({ date, account: `magazine:${mag}`, product, counted });
      }
    }
  }
  const lastMs = Math.max(...movements.slice(-50).map((m) => Date.parse(m.time)));
  for (const n of neverArriving) {
    expected.overdue_transit.push({ id: n.id, hours: Math.round((lastMs - n.ms) / 360_000) / 10 });
  }
  expected.movements = movements.length;
  return { movements, counts, expected, planted };
}
