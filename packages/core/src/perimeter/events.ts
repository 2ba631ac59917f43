import type { EventOfType } from '../events/events.js';

declare module '../events/events.js' {
  interface DomainEventPayloads {
    /** A plate read or document check matched an active hotlist entry (the only reads ever kept). */
    'perimeter.hotlist_hit': {
      hitId: string;
      entryId: string;
      checkpointId: string;
      direction: 'in' | 'out';
      category: 'stolen_vehicle' | 'vehicle_in_crime' | 'wanted_person' | 'missing_person';
      kind: 'plate' | 'resident_id';
      /** The plate as read; a resident ID masked (the full number needs a purpose-audited read). */
      value: string;
      readAt: string;
      confidence: number;
      /** The available units nearest the checkpoint by road time, to send at once. */
      nearestUnits: { unitId: string; callSign: string; etaSeconds: number }[];
    };
    /** The hotlist changed (created, approved, renewed, revoked): every API node reloads its matcher. */
    'perimeter.hotlist_changed': { entryId: string; status: string };
    /** A closure plan was activated, changed (a unit arrived) or ended: consoles refresh the plan. */
    'perimeter.plan_changed': {
      planId: string;
      ringId: string | null;
      status: 'active' | 'ended' | 'expired';
      arrived: number;
      assigned: number;
    };
    /** Checkpoints were created, moved or removed: every node reloads its plate-ingest checkpoints. */
    'perimeter.checkpoints_changed': { ringId: string | null };
  }
}

export type HotlistHitEvent = EventOfType<'perimeter.hotlist_hit'>;
export type ClosurePlanChangedEvent = EventOfType<'perimeter.plan_changed'>;
