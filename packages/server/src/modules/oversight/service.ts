import { beijingDate } from '@citywatch/core/oversight/schemas';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Actor } from '../../identity/service.js';
import type { Deps } from '../module.js';
import { CasesStore } from './cases.js';
import { ComplianceStore } from './compliance.js';
import { caseDocument } from './pdf.js';
import { RiskStore } from './risk.js';
import { enterpriseUnitOf, UnitsStore } from './units.js';

/** 要素管控: the registry of regulated units, inspections and rectification cases. */
export class OversightService {
  readonly units: UnitsStore;
  readonly cases: CasesStore;
  readonly risk: RiskStore;
  readonly compliance: ComplianceStore;
  private readonly db: Kysely<Database>;

  constructor(readonly deps: Deps<'places'>) {
    this.db = deps.db.kysely;
    this.units = new UnitsStore(this.db, deps.places, deps.now);
    this.risk = new RiskStore(this.db, deps.now);
    this.cases = new CasesStore(this.db, this.units, deps.now, deps.transact, (ids) =>
      this.risk.recompute(ids),
    );
    this.compliance = new ComplianceStore(this.db, this.units, this.cases, deps.now, deps.transact);
  }

  /**
   * The one regulated unit an enterprise user is bound to (null when unbound or not an enterprise
   * user). Other modules (explosives) use this to keep an enterprise user to their own unit.
   */
  enterpriseUnitOf(userId: string): Promise<string | null> {
    return enterpriseUnitOf(this.db, userId);
  }

  /** The periodic run: overdue cases escalate, then every unit's risk level follows its points. */
  async tick(): Promise<{ escalated: number; moved: number }> {
    const escalated = await this.cases.escalateOverdue();
    const moved = await this.risk.recompute();
    return { escalated, moved };
  }

  /** The case's notice or order as PDF, with the bureau's and the station's names. */
  async caseDocument(actor: Actor, id: string): Promise<{ number: string; pdf: Buffer }> {
    const c = await this.cases.get(actor, id);
    const root = await this.db
      .selectFrom('orgs')
      .select('name')
      .where('parent_id', 'is', null)
      .orderBy('created_at')
      .executeTakeFirst();
    const pdf = await caseDocument(
      c,
      { bureau: root?.name ?? '公安局', station: c.orgName },
      beijingDate(new Date(c.createdAt)),
    );
    return { number: c.number, pdf };
  }
}
