import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Deps } from '../module.js';
import { enterpriseUnitOf, UnitsStore } from './units.js';

/** 要素管控: the registry of regulated units (later: inspections, cases, risk points, internal security). */
export class OversightService {
  readonly units: UnitsStore;
  private readonly db: Kysely<Database>;

  constructor(readonly deps: Deps<'places'>) {
    this.db = deps.db.kysely;
    this.units = new UnitsStore(this.db, deps.places, deps.now);
  }

  /**
   * The one regulated unit an enterprise user is bound to (null when unbound or not an enterprise
   * user). Other modules (explosives) use this to keep an enterprise user to their own unit.
   */
  enterpriseUnitOf(userId: string): Promise<string | null> {
    return enterpriseUnitOf(this.db, userId);
  }
}
