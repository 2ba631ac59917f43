/**
 * Public notices with four-eyes approval: an officer drafts (cap.notices.draft), a second person
 * with cap.notices.approve approves or rejects, never the drafter (refused here and by a CHECK in
 * the table); only an approved notice is issued as a CAP alert, in the approval's transaction,
 * and so reaches the public feed and the webhooks. Drafter and approver are stored with the
 * notice; both writes are audited by the app's hook. Everything is scoped to the actor's subtree.
 */
import {
  capPolygonText,
  type PublicNoticeDraft,
  parseCapPolygon,
  polygonCentre,
  publicNoticeAlert,
} from '@citywatch/core/cap/public-notice';
import type { Kysely, Selectable } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Database } from '../../db/schema.js';
import { ProblemError } from '../../http/problem.js';
import type { Actor } from '../../identity/service.js';
import type { Deps } from '../module.js';
import { assertOrgInScope, orgsUnder } from '../scope.js';
import type { CapService } from './service.js';

export interface NoticeView {
  id: string;
  orgId: string;
  kind: 'crowd' | 'road_closure';
  msgType: 'Alert' | 'Update' | 'Cancel';
  answersId: string | null;
  headlineZh: string;
  headlineEn: string;
  descriptionZh: string;
  descriptionEn: string;
  areaDesc: string;
  /** The circle's centre, or the polygon's (mean of its corners). */
  lat: number;
  lon: number;
  /** The circle's radius; null when the area is the polygon. */
  radiusKm: number | null;
  /** The area as CAP writes it ("lat,lon lat,lon …", first = last), instead of the circle. */
  polygon: string | null;
  severity: string;
  urgency: string;
  certainty: string;
  expiresAt: string;
  status: 'pending' | 'published' | 'rejected';
  draftedBy: string;
  draftedByName: string;
  draftedAt: string;
  decidedBy: string | null;
  decidedByName: string | null;
  decidedAt: string | null;
  alertUrl: string | null;
}

type NoticeRow = Selectable<Database['cap_notices']> & { drafted_name: string; decided_name: string | null };

const M = {
  ownDraft: {
    zh: '不能审批自己起草的公告（双人审核）',
    en: 'You cannot approve a notice you drafted (four eyes)',
  },
  decided: { zh: '该公告已审批', en: 'This notice was already decided' },
  notFound: { zh: '公告不存在', en: 'No such notice' },
};

export class NoticeService {
  private readonly db: Kysely<Database>;

  constructor(
    private readonly deps: Pick<Deps, 'db' | 'now'>,
    private readonly cap: CapService,
  ) {
    this.db = deps.db.kysely;
  }

  private query(actor: Actor) {
    return this.db
      .selectFrom('cap_notices as n')
      .innerJoin('users as d', 'd.id', 'n.drafted_by')
      .leftJoin('users as a', 'a.id', 'n.decided_by')
      .selectAll('n')
      .select(['d.display_name as drafted_name', 'a.display_name as decided_name'])
      .where('n.org_id', 'in', orgsUnder(this.db, actor));
  }

  async list(actor: Actor): Promise<NoticeView[]> {
    const rows = await this.query(actor).orderBy('n.drafted_at', 'desc').limit(200).execute();
    return rows.map((r) => this.view(r));
  }

  async get(actor: Actor, id: string): Promise<NoticeView> {
    const r = await this.query(actor).where('n.id', '=', id).executeTakeFirst();
    if (!r) throw new ProblemError('not_found', M.notFound);
    return this.view(r);
  }

  async draft(actor: Actor, d: PublicNoticeDraft): Promise<NoticeView> {
    const orgId = d.org ?? actor.orgId;
    if (d.org) await assertOrgInScope(this.db, actor, d.org, 'org');
    if (d.msgType !== 'Alert') {
      if (!d.answers) {
        throw new ProblemError('validation', undefined, [
          { field: 'answers', rule: 'required_for_update_cancel', message: '' },
        ]);
      }
      const answered = await this.query(actor).where('n.id', '=', d.answers).executeTakeFirst();
      if (answered?.status !== 'published') {
        throw new ProblemError('validation', undefined, [
          { field: 'answers', rule: 'published_notice', message: '' },
        ]);
      }
    } else if (d.answers) {
      throw new ProblemError('validation', undefined, [
        { field: 'answers', rule: 'only_for_update_cancel', message: '' },
      ]);
    }
    const now = this.deps.now();
    if (new Date(d.expiresAt).getTime() <= now.getTime()) {
      throw new ProblemError('validation', undefined, [
        { field: 'expiresAt', rule: 'in_future', message: '' },
      ]);
    }
    // The area: the circle as drafted, or the polygon (checked by the schema) written as CAP
    // writes it, with its centre for lists and maps.
    let area: { lat: number; lon: number; radius_km: number | null; polygon: string | null };
    if (d.polygon !== undefined) {
      const parsed = parseCapPolygon(d.polygon);
      if ('rule' in parsed)
        throw new ProblemError('validation', undefined, [
          { field: 'polygon', rule: parsed.rule, message: '' },
        ]);
      area = {
        ...polygonCentre(parsed.ring),
        radius_km: null,
        polygon: capPolygonText(parsed.ring),
      };
    } else area = { lat: d.lat!, lon: d.lon!, radius_km: d.radiusKm!, polygon: null };
    const id = uuidv7();
    await this.db
      .insertInto('cap_notices')
      .values({
        id,
        org_id: orgId,
        kind: d.kind,
        msg_type: d.msgType,
        answers_id: d.msgType === 'Alert' ? null : (d.answers ?? null),
        headline_zh: d.headlineZh,
        headline_en: d.headlineEn,
        description_zh: d.descriptionZh,
        description_en: d.descriptionEn,
        area_desc: d.areaDesc,
        ...area,
        severity: d.severity,
        urgency: d.urgency,
        certainty: d.certainty,
        expires_at: new Date(d.expiresAt),
        drafted_by: actor.userId,
        drafted_at: now,
      })
      .execute();
    return this.get(actor, id);
  }

  /** Approve (issue the CAP alert) or reject; never by the drafter. */
  async decide(actor: Actor, id: string, approve: boolean): Promise<NoticeView> {
    const notice = await this.get(actor, id);
    if (notice.draftedBy === actor.userId) {
      throw new ProblemError('forbidden', M.ownDraft, [{ field: 'id', rule: 'four_eyes', message: '' }]);
    }
    if (notice.status !== 'pending') throw new ProblemError('conflict', M.decided);
    const now = this.deps.now();
    const issued = await this.db.transaction().execute(async (trx) => {
      let alertId: string | null = null;
      let issued = null;
      if (approve) {
        let references: { sender: string; identifier: string; sent: Date } | undefined;
        if (notice.answersId) {
          const answered = await trx
            .selectFrom('cap_notices')
            .innerJoin('cap_alerts', 'cap_alerts.id', 'cap_notices.alert_id')
            .select(['cap_alerts.identifier', 'cap_alerts.sent'])
            .where('cap_notices.id', '=', notice.answersId)
            .executeTakeFirstOrThrow();
          references = {
            sender: this.cap.sender,
            identifier: answered.identifier,
            sent: new Date(answered.sent),
          };
        }
        const ids = this.cap.newIdentifier();
        issued = await this.cap.record(
          trx,
          ids.id,
          publicNoticeAlert({
            identifier: ids.identifier,
            sender: this.cap.sender,
            sent: now,
            web: ids.url,
            kind: notice.kind,
            msgType: notice.msgType,
            headlineZh: notice.headlineZh,
            headlineEn: notice.headlineEn,
            descriptionZh: notice.descriptionZh,
            descriptionEn: notice.descriptionEn,
            areaDesc: notice.areaDesc,
            lat: notice.lat,
            lon: notice.lon,
            radiusKm: notice.radiusKm,
            polygon: notice.polygon,
            severity: notice.severity as 'Moderate',
            urgency: notice.urgency as 'Expected',
            certainty: notice.certainty as 'Observed',
            expires: new Date(notice.expiresAt),
            references,
            senderName: this.cap.senderName,
          }),
          { orgId: notice.orgId, source: `cap_notice:${notice.id}` },
        );
        alertId = ids.id;
      }
      const done = await trx
        .updateTable('cap_notices')
        .set({
          status: approve ? 'published' : 'rejected',
          decided_by: actor.userId,
          decided_at: now,
          alert_id: alertId,
        })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      if (Number(done.numUpdatedRows) !== 1) throw new ProblemError('conflict', M.decided);
      return issued;
    });
    if (issued) this.cap.deliver(issued);
    return this.get(actor, id);
  }

  private view(r: NoticeRow): NoticeView {
    return {
      id: r.id,
      orgId: r.org_id,
      kind: r.kind,
      msgType: r.msg_type,
      answersId: r.answers_id,
      headlineZh: r.headline_zh,
      headlineEn: r.headline_en,
      descriptionZh: r.description_zh,
      descriptionEn: r.description_en,
      areaDesc: r.area_desc,
      lat: r.lat,
      lon: r.lon,
      radiusKm: r.radius_km,
      polygon: r.polygon ?? null,
      severity: r.severity,
      urgency: r.urgency,
      certainty: r.certainty,
      expiresAt: new Date(r.expires_at).toISOString(),
      status: r.status,
      draftedBy: r.drafted_by,
      draftedByName: r.drafted_name,
      draftedAt: new Date(r.drafted_at).toISOString(),
      decidedBy: r.decided_by,
      decidedByName: r.decided_name ?? null,
      decidedAt: r.decided_at ? new Date(r.decided_at).toISOString() : null,
      alertUrl: r.alert_id ? this.cap.alertUrl(r.alert_id) : null,
    };
  }
}
