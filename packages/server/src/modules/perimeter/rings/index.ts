/**
 * Perimeter rings (圈层) and what a commander does with them, one service per concern:
 * - registry.ts: rings and checkpoints (CRUD, placement on road segments), SQL in store.ts;
 * - analysis.ts: closure rate and minimum cut of a ring;
 * - plans.ts: closure plans (activation by optimal assignment, arrivals, end, expiry), SQL in
 *   plan-store.ts;
 * - intercept.ts: the interception advisor for a fleeing vehicle;
 * with road travel times in travel.ts and shared presentation and lookups in common.ts.
 */
import { ClosureAnalysis } from './analysis.js';
import type { RingDeps } from './common.js';
import { InterceptionAdvisor } from './intercept.js';
import { ClosurePlans } from './plans.js';
import { RingRegistry } from './registry.js';

/** The ring services, reachable together as the perimeter module's `rings`. */
export interface RingsServices {
  registry: RingRegistry;
  analysis: ClosureAnalysis;
  plans: ClosurePlans;
  advisor: InterceptionAdvisor;
}

export function createRingsServices(deps: RingDeps): RingsServices {
  const plans = new ClosurePlans(deps);
  return {
    registry: new RingRegistry(deps, plans),
    analysis: new ClosureAnalysis(deps),
    plans,
    advisor: new InterceptionAdvisor(deps),
  };
}
