/**
 * What accepting a smart-adjustment proposal does to the plan: the place becomes a must-patrol
 * point (Koper dose: 10–16 min, one visit, revisit ≤ 2 h) of the current shift's plan of the
 * actor's subtree whose zone holds it — a new plan version, audited by the plans module like every
 * plan change. Without such a plan (or when the plan refuses the point, e.g. the shift is full)
 * nothing changes and the reason is recorded with the decision.
 */
import { type PlanBody, pointInZone } from '@citywatch/core/patrol/plans';
import { ProblemError } from '../../http/problem.js';
import type { PlanAdder } from './adjust-service.js';
import type { PlansService } from './plans-service.js';

export function planAdder(plans: Pick<PlansService, 'list' | 'get' | 'update'>, now: () => Date): PlanAdder {
  return {
    async addPlace(actor, place) {
      const t = now().getTime();
      const current = (await plans.list(place.city, actor)).filter(
        (p) => Date.parse(p.shiftStart) <= t && t < Date.parse(p.shiftEnd),
      );
      for (const summary of current) {
        const plan = await plans.get(summary.id, undefined, actor);
        const zone = plan.body.zones.find((z) => pointInZone([place.lon, place.lat], z));
        if (!zone) continue;
        const body: PlanBody = {
          name: plan.body.name,
          city: plan.body.city,
          orgId: plan.orgId,
          shift: plan.body.shift,
          zones: plan.body.zones,
          assignments: plan.body.assignments,
          seed: plan.body.seed,
          note: `智能调整 ${place.adjustmentId}`,
          targets: [
            ...plan.body.targets,
            {
              key: `adj-${place.adjustmentId.slice(-12)}`,
              name: `智能调整·${place.name}`.slice(0, 100),
              kind: 'point',
              geometry: { type: 'Point', coordinates: [place.lon, place.lat] },
              zoneKey: zone.key,
              radiusM: 100,
              visitsPerShift: 1,
              dwellMinMin: 10,
              dwellMaxMin: 16,
              revisitMaxMin: 120,
              hotspotId: null,
            },
          ],
        };
        try {
          const updated = await plans.update(plan.id, body, actor);
          return { planId: updated.id, version: updated.version, note: 'target_added' };
        } catch (error) {
          if (!(error instanceof ProblemError)) throw error;
          const rule = error.errors?.[0]?.rule ?? error.code;
          return { planId: plan.id, version: null, note: `plan_refused:${rule}` };
        }
      }
      return {
        planId: null,
        version: null,
        note: current.length > 0 ? 'outside_every_zone' : 'no_current_plan',
      };
    },
  };
}
