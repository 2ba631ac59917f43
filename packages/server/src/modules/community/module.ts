import { fileURLToPath } from 'node:url';
import type {} from '@citywatch/core/community/events';
import { everyOnOneNode } from '../../db/singleton.js';
import { defineModule, type Stop } from '../module.js';
import { CasesService } from './cases.js';
import { caseRoutes } from './cases-routes.js';
import { purgeClosedMediationParties } from './retention.js';
import { reportRoutes } from './routes.js';
import { ReportsService } from './service.js';
import type {} from './tables.js';
import { purgeVolunteerPositions } from './volunteer-retention.js';
import { volunteerRoutes } from './volunteers-routes.js';
import { VolunteersService } from './volunteers-service.js';

export interface CommunityService {
  reports: ReportsService;
  cases: CasesService;
  volunteers: VolunteersService;
}

declare module '../module.js' {
  interface ModuleServices {
    community: CommunityService;
  }
}

/** Incident statuses after which the citizen reports it came from are closed. */
const ENDED = new Set(['closed', 'cancelled', 'merged']);
/** The mediation parties' retention purge looks for due cases this often. */
const MEDIATION_RETENTION_PURGE_MS = 3600_000;

/**
 * 基础防控 · 社区 (community): citizen reports from the public page and Open311 clients, their
 * intake queue and decisions; dispute mediation cases. (Smart-community devices and crowd density are the `sensors` module.)
 */
export const communityModule = defineModule({
  name: 'community',
  needs: ['places', 'dispatch'],
  permissions: {
    'community.read': ['community_officer', 'mediator', 'dispatcher', 'commander', 'auditor'],
    'community.intake': ['dispatcher', 'commander'],
    'community.mediate': ['mediator', 'community_officer', 'commander'],
    'community.escalate': ['mediator', 'community_officer', 'commander', 'dispatcher'],
    'community.volunteers': ['community_officer', 'commander'],
  },
  migrations: fileURLToPath(new URL('./migrations', import.meta.url)),
  events: {
    'community.report_received': 'community.read',
    'community.report_decided': 'community.read',
    'community.case_changed': 'community.read',
  },
  create: (deps) => {
    const reports = new ReportsService(deps);
    const cases = new CasesService(deps, (caseId, trx) => reports.closeForCase(caseId, trx));
    reports.caseFromReport = (actor, report, note, alongWith) =>
      cases.fromReport(actor, report, note, alongWith);
    return { reports, cases, volunteers: new VolunteersService(deps) };
  },
  routes: async (app, deps, community) => {
    await reportRoutes(app, deps, community.reports);
    caseRoutes(app, deps, community.cases);
    volunteerRoutes(app, deps, community.volunteers);
  },
  start: (deps, community): Stop => {
    const unsubscribe = deps.bus.subscribe(
      (event) => {
        if (!ENDED.has(event.payload.status)) return;
        community.reports
          .closeForIncident(event.payload.incidentId)
          .catch((error: unknown) => deps.log.error({ err: error }, 'closing reports of an incident failed'));
      },
      { types: ['dispatch.incident_changed'] },
    );
    // Parties keep name and phone for CITYWATCH_RETENTION_MEDIATION_DAYS after their case closed,
    // volunteers' positions CITYWATCH_RETENTION_AVL_DAYS; hourly, on one node however many share
    // the database (db/singleton.ts).
    const stopPurge = everyOnOneNode(
      deps.db,
      'community.mediation-retention-purge',
      MEDIATION_RETENTION_PURGE_MS,
      async () => {
        await purgeClosedMediationParties(deps.db.kysely, deps.config.retentionMediationDays, deps.now(), {
          mediaDir: community.reports.mediaDir,
        });
        // Volunteers' patrol and check-in positions go after the AVL retention.
        await purgeVolunteerPositions(deps.db.kysely, deps.config.retentionAvlDays, deps.now());
      },
      (error) => deps.log.error({ err: error }, 'mediation parties retention purge failed'),
    );
    return async () => {
      unsubscribe();
      await stopPurge();
    };
  },
});
