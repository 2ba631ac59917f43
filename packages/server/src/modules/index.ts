import { identityModule } from '../identity/module.js';
import { liveModule } from '../live/module.js';
import { workersModule } from '../workers/module.js';
import { capModule } from './cap/module.js';
import { communityIndicators } from './community/indicators.js';
import { communityModule } from './community/module.js';
import { connectorsModule } from './connectors/module.js';
import { coverageIndicators } from './coverage/indicators.js';
import { coverageModule } from './coverage/module.js';
import { devicesIndicators } from './devices/indicators.js';
import { devicesModule } from './devices/module.js';
import { dispatchIndicators } from './dispatch/indicators.js';
import { dispatchModule } from './dispatch/module.js';
import { etaModule } from './eta/module.js';
import { explosivesModule } from './explosives/module.js';
import { explosivesIndicators } from './indicators/explosives-indicators.js';
import { indicatorsModule } from './indicators/module.js';
import { patrolIndicators } from './indicators/patrol-indicators.js';
import { schoolIndicators } from './indicators/school-indicators.js';
import { withIndicators } from './module.js';
import { oversightIndicators } from './oversight/indicators.js';
import { oversightModule } from './oversight/module.js';
import { patrolModule } from './patrol/module.js';
import { perimeterIndicators } from './perimeter/indicators.js';
import { perimeterModule } from './perimeter/module.js';
import { placesIndicators } from './places/indicators.js';
import { placesModule } from './places/module.js';
import { roadsModule } from './roads/module.js';
import { sensorsModule } from './sensors/module.js';
import { tilesModule } from './tiles/module.js';
import { videoModule } from './video/module.js';

/**
 * Every feature of the server, in start order (a module comes after those it `needs`). This is
 * the only list: adding a feature adds one line here. Modules written before the contract had
 * `indicators` get their `indicators.ts` attached here with withIndicators().
 */
export const MODULES = [
  workersModule,
  identityModule,
  liveModule,
  withIndicators(placesModule, placesIndicators),
  roadsModule,
  tilesModule,
  etaModule,
  withIndicators(dispatchModule, dispatchIndicators),
  withIndicators(coverageModule, coverageIndicators),
  capModule,
  withIndicators(perimeterModule, perimeterIndicators),
  withIndicators(patrolModule, patrolIndicators),
  withIndicators(devicesModule, devicesIndicators),
  withIndicators(communityModule, communityIndicators),
  withIndicators(withIndicators(oversightModule, oversightIndicators), schoolIndicators),
  withIndicators(explosivesModule, explosivesIndicators),
  sensorsModule,
  videoModule,
  connectorsModule,
  indicatorsModule,
] as const;

/** Every route's permission: `public` or one a module declares (a literal union, checked by tsc). */
export type Permission = 'public' | ModulePermission<(typeof MODULES)[number]>;
type ModulePermission<M> = M extends { permissions: infer P } ? keyof P & string : never;

declare module 'fastify' {
  interface FastifyContextConfig {
    permission?: Permission;
    /**
     * false on device telemetry routes (AVL, plate reads): thousands of batches an hour would bury
     * the people's writes in the audit chain. What matters in them (hits) is audited where it
     * happens, and volumes are counted.
     */
    auditWrites?: boolean;
  }
}
