import type { Timestamp } from '../../../db/schema.js';

declare module '../../../db/schema.js' {
  interface Database {
    eido_imports: EidoImportsTable;
  }
}

/** EIDOs received and the incident each opened (migration 058). */
export interface EidoImportsTable {
  eido_id: string;
  incident_id: string;
  from_agency: string | null;
  imported_at: Timestamp;
  imported_by: string;
}
