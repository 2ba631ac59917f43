import { timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import * as store from './store.js';

/**
 * Hand-off of non-police calls to the 12345 government service hotline: every diversion is a
 * tracked record; a forwarder posts it to the hotline's webhook with retries and backoff, and the
 * hotline reports the outcome back through an endpoint that checks a shared token.
 */
export const MAX_ATTEMPTS = 5;
/** Wait before attempt n+1 after n failures: 10 s, 20 s, 40 s, 80 s. */
export function retryDelayMs(attempts: number): number {
  return 10_000 * 2 ** Math.max(0, attempts - 1);
}

export interface HotlineOptions {
  url: string | undefined;
  token: string | undefined;
  /** Base URL the hotline calls back, e.g. https://citywatch.example/api/dispatch/diversions. */
  callbackBase: string;
}

export class HotlineForwarder {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: HotlineOptions,
    private readonly now: () => Date,
    private readonly send: (
      url: string,
      body: unknown,
    ) => Promise<{ ok: boolean; status: number }> = postJson,
  ) {}

  /** Sends every diversion that is queued, or failed and due for a retry. Returns how many were sent. */
  async forwardDue(): Promise<number> {
    if (!this.options.url) return 0; // no hotline configured: diversions wait, visible as queued
    let sent = 0;
    const now = this.now();
    const due = await store.unsentDiversions(this.db, MAX_ATTEMPTS);
    for (const d of due) {
      if (
        d.status === 'failed' &&
        now.getTime() - new Date(d.updated_at).getTime() < retryDelayMs(d.attempts)
      )
        continue;
      // The caller's number is not sent: the hotline calls back through its own channel if needed.
      const body = {
        diversionId: d.id,
        incidentNumber: d.number,
        category: d.category,
        subcategory: d.subcategory,
        narrative: d.narrative,
        lon: d.lon,
        lat: d.lat,
        address: d.address_label,
        receivedAt: new Date(d.received_at).toISOString(),
        callbackUrl: `${this.options.callbackBase}/${d.id}/outcome`,
      };
      let error: string | null = null;
      try {
        const r = await this.send(this.options.url, body);
        if (!r.ok) error = `HTTP ${r.status}`;
      } catch (e) {
        error = (e as Error).message;
      }
      await store.recordAttempt(this.db, d.id, {
        status: error ? 'failed' : 'sent',
        attempts: d.attempts + 1,
        error,
        at: this.now(),
      });
      if (!error) sent++;
    }
    return sent;
  }
}

async function postJson(url: string, body: unknown) {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { ok: r.ok, status: r.status };
}

/** Constant-time check of the hotline's shared token. */
export function tokenMatches(expected: string | undefined, given: unknown): boolean {
  if (!expected || typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
