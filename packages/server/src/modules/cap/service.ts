/**
 * CAP alerts: issued by other modules (a ring's activation today), kept as issued, published in
 * a public Atom feed (Public-scope alerts only) and POSTed to the partner agencies' webhooks
 * (CITYWATCH_CAP_WEBHOOKS: every alert, Restricted ones included).
 *
 * A feed of issued public alerts is what CAP is for: sirens, broadcasters, navigation apps and
 * the neighbouring centres poll it without an account. Only alerts issued with scope Public are
 * in it; what a Restricted alert says (e.g. why a ring was closed) reaches the webhooks only.
 */
import { buildCapAtomFeed } from '@citywatch/core/cap/atom';
import { buildCapXml, CAP_MIME_TYPE, type CapAlertInput, capAlertSchema } from '@citywatch/core/cap/cap';
import type { Kysely, Transaction } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Database } from '../../db/schema.js';
import type { Deps } from '../module.js';

/** An alert recorded in a transaction, to deliver once that transaction committed. */
export interface IssuedAlert {
  id: string;
  identifier: string;
  url: string;
  xml: string;
}

/** How many public alerts the feed lists (newest first) and for how long after they expire. */
const FEED_SIZE = 100;
const FEED_KEEP_AFTER_EXPIRY_MS = 24 * 3_600_000;
const WEBHOOK_TIMEOUT_MS = 5_000;

export class CapService {
  private readonly db: Kysely<Database>;
  private readonly deliveries = new Set<Promise<void>>();
  /** For /metrics and tests: webhook deliveries by outcome. */
  readonly delivered = { ok: 0, failed: 0 };

  constructor(private readonly deps: Pick<Deps, 'db' | 'config' | 'now' | 'log'>) {
    this.db = deps.db.kysely;
  }

  /** CAP's `sender`: the bureau's domain (CITYWATCH_AGENCY_DOMAIN). */
  get sender(): string {
    return `cap@${this.deps.config.agencyDomain}`;
  }

  /** CAP's `senderName` of public notices: the bureau, by its domain. */
  get senderName(): string {
    return `公安机关 Public Security Bureau (${this.deps.config.agencyDomain})`;
  }

  /** A fresh alert id and its CAP identifier (globally unique: a UUID URN). */
  newIdentifier(): { id: string; identifier: string; url: string } {
    const id = uuidv7();
    return { id, identifier: `urn:uuid:${id}`, url: this.alertUrl(id) };
  }

  alertUrl(id: string): string {
    return `${this.deps.config.publicUrl}/api/cap/alerts/${id}.xml`;
  }

  /**
   * Builds the XML (refused by the standard's rules: a programming error, thrown) and records it
   * in the caller's transaction, so the alert exists exactly when what it announces does.
   */
  async record(
    trx: Transaction<Database>,
    id: string,
    input: CapAlertInput,
    meta: { orgId: string; source: string },
  ): Promise<IssuedAlert> {
    const alert = capAlertSchema.parse(input);
    // Beijing time (+08:00), as the bureau's own notices are dated.
    const xml = buildCapXml(alert, 480);
    const first = alert.info[0];
    await trx
      .insertInto('cap_alerts')
      .values({
        id,
        org_id: meta.orgId,
        identifier: alert.identifier,
        scope: alert.scope,
        status: alert.status,
        msg_type: alert.msgType,
        headline: first?.headline ?? first?.event ?? alert.identifier,
        source: meta.source,
        sent: alert.sent,
        expires: first?.expires ?? null,
        xml,
      })
      .execute();
    return { id, identifier: alert.identifier, url: this.alertUrl(id), xml };
  }

  /**
   * The Cancel of the alert issued for `source` (e.g. a closure plan that ended): same scope,
   * referencing it, "all clear" in both languages. Null when no alert was issued for it.
   */
  async recordCancel(trx: Transaction<Database>, source: string, at: Date): Promise<IssuedAlert | null> {
    const original = await trx
      .selectFrom('cap_alerts')
      .select(['identifier', 'sent', 'scope', 'org_id', 'headline'])
      .where('source', '=', source)
      .where('msg_type', '=', 'Alert')
      .orderBy('sent', 'desc')
      .executeTakeFirst();
    if (!original) return null;
    const { id, identifier, url } = this.newIdentifier();
    const common = {
      category: ['Security' as const, 'Transport' as const],
      responseType: ['AllClear' as const],
      urgency: 'Past' as const,
      severity: 'Minor' as const,
      certainty: 'Observed' as const,
      ...(original.scope === 'Public' ? { web: url } : {}),
    };
    return this.record(
      trx,
      id,
      {
        identifier,
        sender: this.sender,
        sent: at,
        status: 'Actual',
        msgType: 'Cancel',
        scope: original.scope,
        ...(original.scope === 'Restricted'
          ? { restriction: '公安机关及协作单位 / police and partner agencies only' }
          : {}),
        references: [{ sender: this.sender, identifier: original.identifier, sent: new Date(original.sent) }],
        info: [
          {
            language: 'zh-CN',
            ...common,
            event: '道路临时管控解除',
            headline: `已解除：${original.headline}`.slice(0, 160),
          },
          {
            language: 'en-US',
            ...common,
            event: 'Temporary road control lifted',
            headline: `Lifted: ${original.headline}`.slice(0, 160),
          },
        ],
      },
      { orgId: original.org_id, source },
    );
  }

  /** POSTs the alert to every configured webhook, in the background (awaited on stop). */
  deliver(alert: IssuedAlert): void {
    for (const url of this.deps.config.capWebhooks) {
      const delivery = this.post(url, alert).finally(() => this.deliveries.delete(delivery));
      this.deliveries.add(delivery);
    }
  }

  private async post(url: string, alert: IssuedAlert): Promise<void> {
    try {
      const r = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': `${CAP_MIME_TYPE}; charset=utf-8` },
        body: alert.xml,
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      if (!r.ok) throw new Error(`answered ${r.status}`);
      this.delivered.ok++;
    } catch (error) {
      this.delivered.failed++;
      // The URL may carry a token in its query: only its origin is logged.
      this.deps.log.warn(
        { err: error, webhook: new URL(url).origin, alert: alert.identifier },
        'CAP webhook delivery failed',
      );
    }
  }

  /** Waits for deliveries under way (on stop; each ends within its timeout). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.deliveries]);
  }

  /** A Public alert's XML, or null (Restricted and Private alerts are not published). */
  async publicAlertXml(id: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('cap_alerts')
      .select('xml')
      .where('id', '=', id)
      .where('scope', '=', 'Public')
      .executeTakeFirst();
    return row?.xml ?? null;
  }

  /** The Atom feed of Public alerts, newest first, until a day after they expire. */
  async publicFeed(): Promise<string> {
    const now = this.deps.now();
    const rows = await this.db
      .selectFrom('cap_alerts')
      .select(['id', 'headline', 'sent', 'expires'])
      .where('scope', '=', 'Public')
      .where((eb) =>
        eb.or([
          eb('expires', 'is', null),
          eb('expires', '>', new Date(now.getTime() - FEED_KEEP_AFTER_EXPIRY_MS)),
        ]),
      )
      .orderBy('sent', 'desc')
      .limit(FEED_SIZE)
      .execute();
    const author = this.deps.config.agencyDomain;
    return buildCapAtomFeed({
      selfUrl: `${this.deps.config.publicUrl}/api/cap/feed.atom`,
      title: `${author} CAP alerts`,
      author,
      now,
      entries: rows.map((r) => ({
        url: this.alertUrl(r.id),
        headline: r.headline,
        sent: new Date(r.sent),
        updated: new Date(r.sent),
        author,
      })),
    });
  }
}
