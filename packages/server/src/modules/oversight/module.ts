import { fileURLToPath } from 'node:url';
import type {} from '@citywatch/core/oversight/events';
import { everyOnOneNode } from '../../db/singleton.js';
import { defineModule } from '../module.js';
import { oversightRoutes } from './routes.js';
import { OversightService } from './service.js';
import type {} from './tables.js';

declare module '../module.js' {
  interface ModuleServices {
    oversight: OversightService;
  }
}

/**
 * 要素管控 (oversight): regulated units by industry with licences, people (read with a purpose) and
 * cameras; enterprise users bound to exactly one unit (`oversight_unit_users`) see and do only
 * their own unit's work. Inspections (video or on site) whose findings open notices and orders
 * (PDF documents), fixed by the enterprise with evidence, verified by the inspector; overdue cases
 * escalate to the station.
 */
export const oversightModule = defineModule({
  name: 'oversight',
  needs: ['places'],
  permissions: {
    'oversight.read': [
      'admin',
      'commander',
      'industry_inspector',
      'community_officer',
      'auditor',
      'enterprise',
    ],
    'oversight.write': ['admin', 'industry_inspector'],
    'oversight.bind': ['admin'],
    /** Reporting a fix with evidence: the enterprise's own work. */
    'oversight.report': ['enterprise'],
  },
  events: {
    'oversight.case_overdue': 'oversight.read',
    'oversight.case_changed': 'oversight.read',
  },
  migrations: fileURLToPath(new URL('./migrations', import.meta.url)),
  create: (deps) => new OversightService(deps),
  routes: (app, deps, oversight) => oversightRoutes(app, deps, oversight),
  // Overdue cases escalate to the station's head and risk levels follow the points: every 10 minutes
  // and at start, on one node (db/singleton.ts).
  start: (deps, oversight) =>
    everyOnOneNode(
      deps.db,
      'oversight.escalation-and-risk',
      ESCALATION_CHECK_MS,
      () => oversight.tick(),
      (error) => deps.log.error({ err: error }, 'escalation or risk scoring failed'),
    ),
});

/** How often open cases are checked against their deadlines. */
const ESCALATION_CHECK_MS = 10 * 60_000;
