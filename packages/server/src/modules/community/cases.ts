import {
  type AgreementInput,
  CASE_CATEGORY_LABELS,
  type CaseStatus,
  type CreateCase,
  canTransitionCase,
  caseNumber,
  caseRates,
  dueAt,
  type MediationCase,
  type MediationCaseDetail,
  slaState,
} from '@citywatch/core/community/mediation';
import type { Report } from '@citywatch/core/community/reports';
import { localDay } from '@citywatch/core/dispatch/incident';
import type { Kysely, Transaction } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { StagePublish } from '../../bus/outbox.js';
import type { Database } from '../../db/schema.js';
import { ProblemError } from '../../http/problem.js';
import type { Actor } from '../../identity/service.js';
import type { OrgScope } from '../scope.js';
import { agreementPdf } from './agreement-pdf.js';
import * as store from './cases-store.js';
import { CASE_MESSAGES as M } from './messages.js';
import { partyScrubber } from './redact.js';
import type { AlongWithCase, ReportsDeps } from './service.js';
import { orgAt } from './store.js';

const iso = (d: Date | string) => new Date(d).toISOString();

/**
 * Mediation cases (矛盾纠纷调解): opened from a 110 diversion, a 12345 hand-off, a walk-in, a
 * community officer's screening or a citizen report; parties with minimal data; mediator and
 * room; sessions; the 30-day clock; the written agreement (and its PDF); follow-up visits; a risk
 * of violence escalated to a 110 incident in one step; resolution and on-time rates.
 */
export class CasesService {
  private readonly db: Kysely<Database>;

  constructor(
    private readonly deps: ReportsDeps,
    /** A case was closed: the citizen reports it came from are closed too, in the same transaction. */
    private readonly onClosed: (caseId: string, trx: Transaction<Database>) => Promise<unknown>,
  ) {
    this.db = deps.db.kysely;
  }

  /** A new case; `alongWith` runs in its transaction (if it throws, no case is made). */
  async create(actor: Actor, req: CreateCase, alongWith?: AlongWithCase): Promise<MediationCase> {
    // A case lies in the jurisdiction of its place; a walk-in without one is the opener's org's.
    const org =
      req.lon !== undefined && req.lat !== undefined
        ? await orgAt(this.db, this.deps.places, req.lon, req.lat)
        : actor.orgId;
    if (req.mediatorId) await this.mediator(actor, req.mediatorId);
    const now = this.deps.now();
    const id = uuidv7();
    const day = localDay(now);
    await this.deps.transact(async (trx, publish) => {
      const number = await store.insertCase(
        trx,
        day,
        {
          id,
          org_id: org,
          source: req.source,
          source_ref: req.sourceRef ?? null,
          category: req.category,
          summary: req.summary,
          address: req.address ?? null,
          lon: req.lon ?? null,
          lat: req.lat ?? null,
          status: req.mediatorId ? 'mediating' : 'intake',
          risk_violence: req.riskViolence,
          risk_incident_id: null,
          mediator_id: req.mediatorId ?? null,
          room: req.room ?? null,
          sla_days: req.slaDays,
          opened_at: now,
          due_at: dueAt(now, req.slaDays),
          ended_at: null,
          closed_at: null,
          created_by: actor.userId,
          updated_at: now,
        },
        (seq) => caseNumber(day, seq),
      );
      await trx
        .insertInto('mediation_parties')
        .values(
          req.parties.map((p) => ({
            id: uuidv7(),
            case_id: id,
            role: p.role,
            name: p.name,
            phone: p.phone ?? null,
          })),
        )
        .execute();
      await announce(publish, id, org);
      await alongWith?.(trx, publish, { id, number });
    });
    return this.case(id, null);
  }

  /** A case made from a citizen report by the dispatcher deciding it (the reporter is not a party). */
  async fromReport(
    actor: Actor,
    report: Report,
    note: string | undefined,
    alongWith?: AlongWithCase,
  ): Promise<{ id: string; number: string }> {
    const made = await this.create(
      actor,
      {
        source: 'citizen_report',
        sourceRef: report.number,
        category: 'other',
        summary: note ? `${report.description}\n${note}` : report.description,
        lon: report.lon,
        lat: report.lat,
        address: report.address ?? undefined,
        parties: [
          { role: 'applicant', name: '（待核实）' },
          { role: 'respondent', name: '（待核实）' },
        ],
        riskViolence: false,
        slaDays: 30,
      },
      alongWith,
    );
    return { id: made.id, number: made.number };
  }

  async list(scope: OrgScope, open?: boolean): Promise<MediationCase[]> {
    const now = this.deps.now();
    return (await store.listCases(this.db, scope, open)).map((r) => present(r, now));
  }

  async case(id: string, scope: OrgScope | null): Promise<MediationCase> {
    const row = await store.findCase(this.db, id, scope);
    if (!row) throw new ProblemError('not_found', M.noSuchCase);
    return present(row, this.deps.now());
  }

  async detail(id: string, scope: OrgScope): Promise<MediationCaseDetail> {
    const c = await this.case(id, scope);
    const [sessions, agreement, followUps] = await Promise.all([
      store.sessions(this.db, id),
      store.agreement(this.db, id),
      store.followUps(this.db, id),
    ]);
    return {
      ...c,
      sessions: sessions.map((s) => ({ id: s.id, heldAt: iso(s.held_at), room: s.room, notes: s.notes })),
      agreement: agreement
        ? {
            facts: agreement.facts,
            responsibilities: agreement.responsibilities,
            performance: agreement.performance,
            performBy: agreement.perform_by,
            signedAt: iso(agreement.signed_at),
          }
        : null,
      followUps: followUps.map((f) => ({
        id: f.id,
        visitedAt: iso(f.visited_at),
        performed: f.performed,
        notes: f.notes,
      })),
    };
  }

  /** The parties' names and phones: the route audits the read with its purpose first. */
  async parties(id: string, scope: OrgScope) {
    await this.case(id, scope);
    return (await store.parties(this.db, id)).map((p) => ({
      id: p.id,
      role: p.role,
      name: p.name ?? '',
      phone: p.phone,
    }));
  }

  async update(
    actor: Actor,
    id: string,
    patch: {
      mediatorId?: string | null;
      room?: string | null;
      category?: MediationCase['category'];
      riskViolence?: boolean;
    },
  ): Promise<MediationCase> {
    const c = await this.case(id, actor);
    if (patch.mediatorId) await this.mediator(actor, patch.mediatorId);
    const now = this.deps.now();
    await this.deps.transact(async (trx, publish) => {
      await store.updateCase(trx, id, {
        ...(patch.mediatorId !== undefined ? { mediator_id: patch.mediatorId } : {}),
        ...(patch.room !== undefined ? { room: patch.room } : {}),
        ...(patch.category ? { category: patch.category } : {}),
        ...(patch.riskViolence !== undefined ? { risk_violence: patch.riskViolence } : {}),
        // Assigning a mediator starts mediation.
        ...(patch.mediatorId && c.status === 'intake' ? { status: 'mediating' as const } : {}),
        updated_at: now,
      });
      await announce(publish, id, c.org.id);
    });
    return this.case(id, null);
  }

  async transition(actor: Actor, id: string, to: CaseStatus): Promise<MediationCase> {
    const c = await this.case(id, actor);
    if (!canTransitionCase(c.status, to)) throw new ProblemError('conflict', M.transition(c.status, to));
    if (to === 'closed' && c.status === 'agreed' && c.performed !== true) {
      throw new ProblemError('conflict', M.closeNeedsFollowUp, [
        { field: 'to', rule: 'follow_up_required', message: '' },
      ]);
    }
    const now = this.deps.now();
    const ended = to === 'failed' || to === 'withdrawn';
    await this.deps.transact(async (trx, publish) => {
      const ok = await store.moveCase(trx, id, c.status, {
        status: to,
        ...(ended ? { ended_at: now } : {}),
        ...(to === 'closed' ? { closed_at: now } : {}),
        updated_at: now,
      });
      if (!ok) throw new ProblemError('conflict', M.transition(c.status, to));
      if (to === 'closed') await this.onClosed(id, trx);
      await announce(publish, id, c.org.id);
    });
    return this.case(id, null);
  }

  async addSession(actor: Actor, id: string, s: { heldAt: string; room?: string; notes: string }) {
    const c = await this.case(id, actor);
    if (c.status !== 'intake' && c.status !== 'mediating') throw new ProblemError('conflict', M.notMediating);
    const sessionId = uuidv7();
    // The session and the move to mediating are one change: a session never sits on an intake case.
    await this.deps.transact(async (trx, publish) => {
      await trx
        .insertInto('mediation_sessions')
        .values({
          id: sessionId,
          case_id: id,
          held_at: s.heldAt,
          room: s.room ?? c.room,
          notes: s.notes,
          created_by: actor.userId,
        })
        .execute();
      if (c.status === 'intake')
        await store.moveCase(trx, id, 'intake', { status: 'mediating', updated_at: this.deps.now() });
      await announce(publish, id, c.org.id);
    });
    return { id: sessionId };
  }

  /** The written agreement: mediation ends agreed (the SLA clock stops). */
  async agree(actor: Actor, id: string, a: AgreementInput): Promise<MediationCase> {
    const c = await this.case(id, actor);
    if (c.status !== 'mediating') throw new ProblemError('conflict', M.notMediating);
    const now = this.deps.now();
    await this.deps.transact(async (trx, publish) => {
      if (!(await store.moveCase(trx, id, 'mediating', { status: 'agreed', ended_at: now, updated_at: now })))
        throw new ProblemError('conflict', M.notMediating);
      await trx
        .insertInto('mediation_agreements')
        .values({
          case_id: id,
          facts: a.facts,
          responsibilities: a.responsibilities,
          performance: a.performance,
          perform_by: a.performBy,
          signed_at: now,
          created_by: actor.userId,
        })
        .execute();
      await announce(publish, id, c.org.id);
    });
    return this.case(id, null);
  }

  async followUp(actor: Actor, id: string, f: { visitedAt: string; performed: boolean; notes: string }) {
    const c = await this.case(id, actor);
    if (c.status !== 'agreed') throw new ProblemError('conflict', M.followUpNeedsAgreement);
    const followUpId = uuidv7();
    await this.deps.transact(async (trx, publish) => {
      await trx
        .insertInto('mediation_follow_ups')
        .values({
          id: followUpId,
          case_id: id,
          visited_at: f.visitedAt,
          performed: f.performed,
          notes: f.notes,
          created_by: actor.userId,
        })
        .execute();
      await announce(publish, id, c.org.id);
    });
    return { id: followUpId };
  }

  /** Threat of violence: one step makes a P1 110 incident at the case's place, linked both ways. */
  async escalate(actor: Actor, id: string, note: string | undefined): Promise<MediationCase> {
    const c = await this.case(id, actor);
    if (c.riskIncidentId) throw new ProblemError('conflict', M.alreadyEscalated);
    let lon = c.lon;
    let lat = c.lat;
    if (lon === null || lat === null) {
      const station = await this.db
        .selectFrom('orgs')
        .select(['lon', 'lat'])
        .where('id', '=', c.org.id)
        .executeTakeFirst();
      lon = station?.lon ?? null;
      lat = station?.lat ?? null;
    }
    if (lon === null || lat === null) {
      throw new ProblemError('validation', M.escalateNeedsPlace, [
        { field: 'lon', rule: 'required', message: '' },
      ]);
    }
    // The incident's narrative lives under dispatch's retention, which the mediation purge does not
    // reach: what is copied there names no party and carries no phone (the case keeps them).
    const scrub = partyScrubber(await store.parties(this.db, id));
    const summary = scrub(c.summary).text;
    const extra = note ? scrub(note).text : '';
    // The link is written in the incident's transaction, and only onto a case not yet escalated:
    // two escalations at once make one P1 incident, the second gets 409 with none made.
    await this.deps.dispatch.createIncident(
      actor,
      {
        category: 'dispute',
        priority: 'P1',
        lon,
        lat,
        crs: 'wgs84',
        addressLabel: c.address ?? undefined,
        narrative: `【矛盾纠纷 ${c.number} 有暴力风险】${CASE_CATEGORY_LABELS[c.category].zh}：${summary}${extra ? `\n${extra}` : ''}`,
      },
      async (trx, publish, incident) => {
        const linked = await trx
          .updateTable('mediation_cases')
          .set({ risk_violence: true, risk_incident_id: incident.id, updated_at: this.deps.now() })
          .where('id', '=', id)
          .where('risk_incident_id', 'is', null)
          .executeTakeFirst();
        if (Number(linked.numUpdatedRows) === 0) throw new ProblemError('conflict', M.alreadyEscalated);
        await announce(publish, id, c.org.id);
      },
    );
    return this.case(id, null);
  }

  async agreementPdf(id: string, scope: OrgScope): Promise<{ number: string; pdf: Buffer }> {
    const detail = await this.detail(id, scope);
    if (!detail.agreement) throw new ProblemError('not_found', M.noAgreement);
    // The parties as stored: a purged one (name and phone blanked) prints as cleared, with the date.
    const [parties, root] = await Promise.all([
      store
        .parties(this.db, id)
        .then((rows) => rows.map((p) => ({ ...p, purgedAt: p.purged_at ? new Date(p.purged_at) : null }))),
      this.db.selectFrom('orgs').select('name').where('parent_id', 'is', null).executeTakeFirst(),
    ]);
    const pdf = await agreementPdf(
      { ...detail, agreement: detail.agreement },
      parties,
      root?.name ?? '',
      detail.org.name,
    );
    return { number: detail.number, pdf };
  }

  /** Resolution and on-time rates per station and per mediator over cases opened in [from, to). */
  async rates(scope: OrgScope, from: Date, to: Date) {
    const rows = await store.casesOpened(this.db, scope, from, to);
    const now = this.deps.now();
    const input = (key: (r: store.CaseRow) => [string, string]) =>
      rows.map((r) => {
        const [k, name] = key(r);
        return {
          key: k,
          name,
          status: r.status,
          agreed: Boolean(r.agreed),
          dueAt: new Date(r.due_at),
          endedAt: r.ended_at ? new Date(r.ended_at) : null,
        };
      });
    return {
      stations: caseRates(
        input((r) => [r.org_id, r.org_name]),
        now,
      ),
      mediators: caseRates(
        input((r) => (r.mediator_id ? [r.mediator_id, r.mediator_name ?? ''] : ['', M.unassigned])),
        now,
      ),
    };
  }

  private async mediator(actor: Actor, userId: string) {
    const m = await store.mediatorInScope(this.db, actor, userId);
    if (!m)
      throw new ProblemError('validation', M.noSuchMediator, [
        { field: 'mediatorId', rule: 'mediator_in_scope', message: '' },
      ]);
    return m;
  }
}

/** Stages `community.case_changed` in the change's transaction (outbox). */
function announce(publish: StagePublish, caseId: string, orgId: string) {
  return publish('community.case_changed', orgId, { caseId });
}

function present(r: store.CaseRow, now: Date): MediationCase {
  const due = new Date(r.due_at);
  const ended = r.ended_at ? new Date(r.ended_at) : null;
  const sla = slaState(now, due, ended);
  return {
    id: r.id,
    number: r.number,
    org: { id: r.org_id, name: r.org_name },
    source: r.source,
    sourceRef: r.source_ref,
    category: r.category,
    summary: r.summary,
    address: r.address,
    lon: r.lon,
    lat: r.lat,
    status: r.status,
    riskViolence: r.risk_violence,
    riskIncidentId: r.risk_incident_id,
    mediator: r.mediator_id ? { id: r.mediator_id, name: r.mediator_name ?? '' } : null,
    room: r.room,
    partyCount: Number(r.party_count ?? 0),
    slaDays: r.sla_days,
    openedAt: iso(r.opened_at),
    dueAt: due.toISOString(),
    endedAt: ended ? ended.toISOString() : null,
    daysLeft: sla.daysLeft,
    overdue: sla.overdue,
    onTime: sla.onTime,
    performed: r.performed ?? null,
  };
}
