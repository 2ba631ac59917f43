import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { ProblemError } from '../../../http/problem.js';
import type { Deps } from '../../module.js';
import type { OrgScope } from '../../scope.js';
import { DISPATCH_MESSAGES as M } from '../messages.js';
import { HotlineForwarder } from './hotline.js';
import * as store from './store.js';

export type DiversionsDeps = Pick<Deps, 'db' | 'config' | 'now'>;

/**
 * Non-police calls handed to the 12345 hotline: the forwarder that delivers them, the list the
 * consoles show, and the outcome the hotline reports back. Diverting an incident (which queues
 * the hand-off) is an incident transition, in incidents/service.ts.
 */
export class DiversionsService {
  private readonly db: Kysely<Database>;
  /** Forwards diverted calls to the 12345 hotline (started by the module, stepped by tests). */
  readonly hotline: HotlineForwarder;

  constructor(private readonly deps: DiversionsDeps) {
    this.db = deps.db.kysely;
    this.hotline = new HotlineForwarder(
      this.db,
      {
        url: deps.config.hotlineUrl,
        token: deps.config.hotlineToken,
        callbackBase: `${deps.config.publicUrl}/api/dispatch/diversions`,
      },
      deps.now,
    );
  }

  /** The latest hand-offs of incidents of the scope's subtree (a diversion belongs to its incident's org). */
  async diversions(scope: OrgScope) {
    const rows = await store.listDiversions(this.db, scope);
    return rows.map((r) => ({
      id: r.id,
      incidentId: r.incident_id,
      incidentNumber: r.number,
      status: r.status,
      attempts: r.attempts,
      lastError: r.last_error,
      outcome: r.outcome,
      createdAt: new Date(r.created_at).toISOString(),
      updatedAt: new Date(r.updated_at).toISOString(),
    }));
  }

  /** The hotline reports what became of a diverted call. */
  async recordDiversionOutcome(
    id: string,
    status: 'accepted' | 'resolved' | 'rejected',
    outcome: string | undefined,
  ) {
    if (!(await store.setOutcome(this.db, id, status, outcome ?? null, this.deps.now())))
      throw new ProblemError('not_found', M.noSuchDiversion);
  }
}
