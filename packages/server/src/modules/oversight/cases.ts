import {
  type AttachmentInput,
  type CalendarEntry,
  type Case,
  type CaseKind,
  type CreateInspection,
  createInspectionSchema,
  DEFAULT_FIX_DAYS,
  type FindingInput,
  type Inspection,
  type ReportFix,
} from '@citywatch/core/oversight/cases';
import { CHECKLISTS, INSPECTION_INTERVAL_DAYS } from '@citywatch/core/oversight/checklists';
import { addDays, beijingDate, daysBetween, type Industry } from '@citywatch/core/oversight/schemas';
import { type Kysely, sql, type Transaction } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { StagePublish, Transact } from '../../bus/outbox.js';
import type { Database } from '../../db/schema.js';
import { ProblemError } from '../../http/problem.js';
import type { Actor } from '../../identity/service.js';
import { isEnterpriseOnly, scopedUnits, type UnitScope, type UnitsStore, unitScope } from './units.js';

type Q = Kysely<Database> | Transaction<Database>;

const caseNotFound = () =>
  new ProblemError('not_found', { zh: '整改案件不存在', en: 'No such rectification case' });
const badState = (status: string, want: string) =>
  new ProblemError(
    'conflict',
    {
      zh: `案件当前状态为「${status}」，不能执行此操作（须为「${want}」）`,
      en: `The case is ${status}; this needs it ${want}`,
    },
    [{ field: 'status', rule: `status_${want}`, message: '' }],
  );

/** Restricts a query on `oversight_cases` (aliased c) to the scope, inside the SQL. */
function scopedCases(db: Q, scope: UnitScope) {
  const q = db.selectFrom('oversight_cases as c');
  if (scope.kind === 'org') return q.where('c.unit_id', 'in', scopedUnits(db, scope).select('u.id'));
  return q.where('c.unit_id', '=', scope.unitId ?? '00000000-0000-0000-0000-000000000000');
}

/** A finding's case kind: notice for minor, order for serious, unless the inspector says. */
export function caseKindOf(f: Pick<FindingInput, 'severity' | 'kind'>): CaseKind {
  return f.kind ?? (f.severity === 'serious' ? 'order' : 'notice');
}

export class CasesStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly units: UnitsStore,
    private readonly now: () => Date,
    /** Changes and their events commit together (bus/outbox.ts). */
    private readonly transact: Transact,
    /** Re-scores units after their events changed (risk points). */
    private readonly rescore: (unitIds: string[]) => Promise<unknown> = async () => {},
  ) {}

  private attachmentRows(
    unitId: string,
    files: AttachmentInput[],
    by: string,
    link: { inspection_id?: string; case_id?: string; role: 'inspection_photo' | 'fix_evidence' },
  ) {
    return files.map((f) => {
      const bytes = Buffer.from(f.data, 'base64');
      if (bytes.length > 2 * 1024 * 1024)
        throw new ProblemError('validation', undefined, [{ field: 'photos', rule: 'too_big', message: '' }]);
      return {
        id: uuidv7(),
        unit_id: unitId,
        inspection_id: link.inspection_id ?? null,
        case_id: link.case_id ?? null,
        role: link.role,
        name: f.name,
        content_type: f.type,
        bytes,
        uploaded_by: by,
        uploaded_at: this.now(),
      };
    });
  }

  /** Files an inspection; each finding opens a case (notice or order) with its deadline. */
  async inspect(actor: Actor, raw: CreateInspection): Promise<Inspection> {
    const input = createInspectionSchema.parse(raw);
    const today = beijingDate(this.now());
    const id = uuidv7();
    await this.transact(async (trx, publish) => {
      const unit = await this.units.assertVisible(trx, actor, input.unitId);
      const row = await trx
        .selectFrom('oversight_units')
        .select('industry')
        .where('id', '=', unit.id)
        .executeTakeFirstOrThrow();
      const items = new Set(CHECKLISTS[row.industry as Industry].map((i) => i.id));
      for (const [i, r] of input.results.entries())
        if (!items.has(r.item))
          throw new ProblemError('validation', undefined, [
            { field: `results.${i}.item`, rule: 'checklist_item', message: '' },
          ]);
      for (const [i, f] of input.findings.entries()) {
        if (f.deadline && f.deadline < today)
          throw new ProblemError('validation', undefined, [
            { field: `findings.${i}.deadline`, rule: 'not_in_past', message: '' },
          ]);
      }
      if (input.kind === 'onsite' && (input.lon === undefined || input.lat === undefined))
        throw new ProblemError('validation', undefined, [
          { field: 'lon', rule: 'onsite_position', message: '' },
          { field: 'lat', rule: 'onsite_position', message: '' },
        ]);
      const at = input.at ? new Date(input.at) : this.now();
      if (at.getTime() > this.now().getTime() + 5 * 60_000)
        throw new ProblemError('validation', undefined, [
          { field: 'at', rule: 'not_in_future', message: '' },
        ]);
      await trx
        .insertInto('oversight_inspections')
        .values({
          id,
          unit_id: unit.id,
          org_id: unit.org_id,
          kind: input.kind,
          inspector_id: actor.userId,
          inspected_at: at,
          lon: input.lon ?? null,
          lat: input.lat ?? null,
          results: JSON.stringify(input.results),
          created_at: this.now(),
        })
        .execute();
      if (input.photos.length)
        await trx
          .insertInto('oversight_attachments')
          .values(
            this.attachmentRows(unit.id, input.photos, actor.userId, {
              inspection_id: id,
              role: 'inspection_photo',
            }),
          )
          .execute();
      for (const f of input.findings) {
        await this.openCase(trx, publish, actor.userId, {
          unitId: unit.id,
          orgId: unit.org_id,
          inspectionId: id,
          source: 'inspection',
          finding: f,
        });
      }
    });
    await this.rescore([input.unitId]);
    return this.inspection(actor, id);
  }

  /** Opens a case (from an inspection's finding or a failing compliance item). */
  async openCase(
    q: Q,
    publish: StagePublish,
    by: string | null,
    c: {
      unitId: string;
      orgId: string;
      inspectionId: string | null;
      source: 'inspection' | 'compliance';
      finding: FindingInput;
    },
  ): Promise<string> {
    const kind = caseKindOf(c.finding);
    const today = beijingDate(this.now());
    const seq = await sql<{ n: string }>`select nextval('oversight_case_seq') as n`.execute(q);
    const number = `${kind === 'order' ? '责改' : '提改'}〔${today.slice(0, 4)}〕${String(seq.rows[0].n).padStart(5, '0')}号`;
    const id = uuidv7();
    await q
      .insertInto('oversight_cases')
      .values({
        id,
        number,
        unit_id: c.unitId,
        org_id: c.orgId,
        inspection_id: c.inspectionId,
        source: c.source,
        kind,
        severity: c.finding.severity,
        item: c.finding.item ?? null,
        description: c.finding.description,
        deadline: c.finding.deadline ?? addDays(today, DEFAULT_FIX_DAYS[kind]),
        status: 'open',
        created_by: by,
        created_at: this.now(),
      })
      .execute();
    await publish('oversight.case_changed', c.orgId, { caseId: id, unitId: c.unitId, status: 'open' });
    return id;
  }

  async inspection(actor: Actor, id: string): Promise<Inspection> {
    const [row] = await this.inspections(actor, { id });
    if (!row) throw new ProblemError('not_found', { zh: '检查记录不存在', en: 'No such inspection' });
    return row;
  }

  async inspections(actor: Actor, filter: { id?: string; unitId?: string }): Promise<Inspection[]> {
    const scope = await unitScope(this.db, actor);
    let q = this.db
      .selectFrom('oversight_inspections as i')
      .innerJoin('oversight_units as un', 'un.id', 'i.unit_id')
      .innerJoin('users', 'users.id', 'i.inspector_id')
      .select([
        'i.id',
        'i.unit_id',
        'un.name as unit_name',
        'i.kind',
        'users.display_name',
        'i.inspected_at',
        'i.lon',
        'i.lat',
        'i.results',
      ])
      .where('i.unit_id', 'in', scopedUnits(this.db, scope).select('u.id'));
    if (filter.id) q = q.where('i.id', '=', filter.id);
    if (filter.unitId) q = q.where('i.unit_id', '=', filter.unitId);
    const rows = await q.orderBy('i.inspected_at', 'desc').limit(500).execute();
    if (!rows.length) return [];
    const ids = rows.map((r) => r.id);
    const photos = await this.db
      .selectFrom('oversight_attachments')
      .select(['id', 'inspection_id'])
      .where('inspection_id', 'in', ids)
      .execute();
    const cases = await this.db
      .selectFrom('oversight_cases')
      .select(['id', 'inspection_id'])
      .where('inspection_id', 'in', ids)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      unitId: r.unit_id,
      unitName: r.unit_name,
      kind: r.kind,
      inspectorName: r.display_name,
      at: new Date(r.inspected_at).toISOString(),
      lon: r.lon,
      lat: r.lat,
      results: r.results,
      photoIds: photos.filter((p) => p.inspection_id === r.id).map((p) => p.id),
      caseIds: cases.filter((c) => c.inspection_id === r.id).map((c) => c.id),
    }));
  }

  async list(actor: Actor, filter: { id?: string; status?: string; unitId?: string; overdue?: boolean }) {
    const scope = await unitScope(this.db, actor);
    let q = scopedCases(this.db, scope)
      .innerJoin('oversight_units as un', 'un.id', 'c.unit_id')
      .innerJoin('orgs', 'orgs.id', 'c.org_id')
      .leftJoin('users as creator', 'creator.id', 'c.created_by')
      .selectAll('c')
      .select([
        'un.name as unit_name',
        'un.industry',
        'orgs.name as org_name',
        'creator.display_name as creator_name',
      ]);
    if (filter.id) q = q.where('c.id', '=', filter.id);
    if (filter.status) q = q.where('c.status', '=', filter.status as 'open');
    if (filter.unitId) q = q.where('c.unit_id', '=', filter.unitId);
    const rows = await q.orderBy('c.created_at', 'desc').limit(1000).execute();
    const files = rows.length
      ? await this.db
          .selectFrom('oversight_attachments')
          .select(['id', 'name', 'content_type', 'role', 'case_id', 'inspection_id'])
          .where((eb) =>
            eb.or([
              eb(
                'case_id',
                'in',
                rows.map((r) => r.id),
              ),
              eb(
                'inspection_id',
                'in',
                rows.map((r) => r.inspection_id ?? '00000000-0000-0000-0000-000000000000'),
              ),
            ]),
          )
          .execute()
      : [];
    const today = beijingDate(this.now());
    const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);
    const out: Case[] = rows.map((r) => {
      // A deadline stored before dates were checked (769ddb0: month 13 was accepted) has no day
      // count; the case is still listed instead of failing the whole list.
      const days = r.status === 'closed' ? null : daysBetween(today, r.deadline);
      const daysLeft = days !== null && Number.isFinite(days) ? days : null;
      return {
        id: r.id,
        number: r.number,
        unitId: r.unit_id,
        unitName: r.unit_name,
        industry: r.industry as Industry,
        orgId: r.org_id,
        orgName: r.org_name,
        inspectionId: r.inspection_id,
        source: r.source,
        kind: r.kind,
        severity: r.severity,
        item: r.item,
        description: r.description,
        deadline: r.deadline,
        status: r.status,
        daysLeft,
        overdue: r.status === 'open' && daysLeft !== null && daysLeft < 0,
        escalatedAt: iso(r.escalated_at),
        createdAt: iso(r.created_at)!,
        createdByName: r.creator_name,
        reportedAt: iso(r.reported_at),
        reportText: r.report_text,
        verifiedAt: iso(r.verified_at),
        verifyNote: r.verify_note,
        closedAt: iso(r.closed_at),
        attachments: files
          .filter((f) => f.case_id === r.id || (r.inspection_id && f.inspection_id === r.inspection_id))
          .map((f) => ({ id: f.id, name: f.name, type: f.content_type, role: f.role })),
      };
    });
    return filter.overdue === undefined ? out : out.filter((c) => c.overdue === filter.overdue);
  }

  async get(actor: Actor, id: string): Promise<Case> {
    const [c] = await this.list(actor, { id });
    if (!c) throw caseNotFound();
    return c;
  }

  /** Locks a case in scope for a state change. */
  private async lockCase(trx: Q, actor: Actor, id: string) {
    const scope = await unitScope(trx, actor);
    const row = await scopedCases(trx, scope)
      .select(['c.id', 'c.status', 'c.unit_id', 'c.org_id'])
      .where('c.id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!row) throw caseNotFound();
    return row;
  }

  /** The enterprise reports the fix with evidence (only its own unit's cases, only open ones). */
  async report(actor: Actor, id: string, input: ReportFix): Promise<Case> {
    if (!isEnterpriseOnly(actor)) throw new ProblemError('forbidden');
    await this.transact(async (trx, publish) => {
      const c = await this.lockCase(trx, actor, id);
      if (c.status !== 'open') throw badState(c.status, 'open');
      await trx
        .insertInto('oversight_attachments')
        .values(
          this.attachmentRows(c.unit_id, input.evidence, actor.userId, { case_id: id, role: 'fix_evidence' }),
        )
        .execute();
      await trx
        .updateTable('oversight_cases')
        .set({
          status: 'reported',
          reported_by: actor.userId,
          reported_at: this.now(),
          report_text: input.text,
        })
        .where('id', '=', id)
        .execute();
      await publish('oversight.case_changed', c.org_id, {
        caseId: id,
        unitId: c.unit_id,
        status: 'reported',
      });
    });
    return this.get(actor, id);
  }

  /** The inspector verifies a reported fix: accepted closes the case, refused opens it again. */
  async verify(actor: Actor, id: string, input: { accepted: boolean; note: string }): Promise<Case> {
    await this.transact(async (trx, publish) => {
      const c = await this.lockCase(trx, actor, id);
      if (c.status !== 'reported') throw badState(c.status, 'reported');
      const status = input.accepted ? 'closed' : 'open';
      await trx
        .updateTable('oversight_cases')
        .set({
          status,
          verified_by: actor.userId,
          verified_at: this.now(),
          verify_note: input.note,
          closed_at: input.accepted ? this.now() : null,
        })
        .where('id', '=', id)
        .execute();
      await publish('oversight.case_changed', c.org_id, { caseId: id, unitId: c.unit_id, status });
    });
    return this.get(actor, id);
  }

  /**
   * Open cases past their deadline, not yet escalated: marked escalated and announced to the
   * station (the event reaches the station's head, whose org subtree holds the case).
   */
  async escalateOverdue(): Promise<number> {
    const today = beijingDate(this.now());
    return this.transact(async (trx, publish) => {
      const rows = await trx
        .updateTable('oversight_cases')
        .set({ escalated_at: this.now() })
        .where('status', '=', 'open')
        .where('escalated_at', 'is', null)
        .where('deadline', '<', today)
        .returning(['id', 'unit_id', 'org_id', 'deadline'])
        .execute();
      if (!rows.length) return 0;
      const names = await trx
        .selectFrom('oversight_units')
        .select(['id', 'name'])
        .where(
          'id',
          'in',
          rows.map((r) => r.unit_id),
        )
        .execute();
      for (const r of rows)
        await publish('oversight.case_overdue', r.org_id, {
          caseId: r.id,
          unitId: r.unit_id,
          unitName: names.find((n) => n.id === r.unit_id)?.name ?? '',
          deadline: r.deadline,
        });
      return rows.length;
    });
  }

  /** The inspection calendar: each unit's next check, its interval set by the risk level. */
  async calendar(actor: Actor): Promise<CalendarEntry[]> {
    const scope = await unitScope(this.db, actor);
    const rows = await scopedUnits(this.db, scope)
      .leftJoin('oversight_inspections as i', 'i.unit_id', 'u.id')
      .select(['u.id', 'u.name', 'u.industry', 'u.risk_level', 'u.created_at'])
      .select((eb) => eb.fn.max('i.inspected_at').as('last'))
      .groupBy(['u.id', 'u.name', 'u.industry', 'u.risk_level', 'u.created_at'])
      .execute();
    const today = beijingDate(this.now());
    return rows
      .map((r) => {
        const interval = INSPECTION_INTERVAL_DAYS[r.risk_level];
        const last = r.last ? beijingDate(new Date(r.last as unknown as string)) : null;
        // Never inspected: due within one interval of registration (at once if that has passed).
        const due = addDays(last ?? beijingDate(new Date(r.created_at)), last ? interval : 0);
        return {
          unitId: r.id,
          unitName: r.name,
          industry: r.industry as Industry,
          riskLevel: r.risk_level,
          intervalDays: interval,
          lastInspectedAt: r.last ? new Date(r.last as unknown as string).toISOString() : null,
          due,
          overdue: due < today,
        };
      })
      .sort((a, b) => a.due.localeCompare(b.due) || a.unitName.localeCompare(b.unitName));
  }

  /** A photo or evidence file, within the scope of its unit. */
  async attachment(actor: Actor, id: string) {
    const scope = await unitScope(this.db, actor);
    const row = await this.db
      .selectFrom('oversight_attachments')
      .select(['name', 'content_type', 'bytes'])
      .where('id', '=', id)
      .where('unit_id', 'in', scopedUnits(this.db, scope).select('u.id'))
      .executeTakeFirst();
    if (!row) throw new ProblemError('not_found');
    return row;
  }
}
