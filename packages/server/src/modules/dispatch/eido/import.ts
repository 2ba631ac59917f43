/**
 * An incoming EIDO (a call transferred from a neighbouring centre) opens an incident: validated
 * against NENA's STA-021.1b schema (the one the export is held to), read by core's readEido, and
 * created through the dispatch service like a call taken here (same category checks, city bounds,
 * jurisdiction, duplicates, triage). The same EIDO `$id` opens one incident only. Audited with
 * where it came from.
 */
import { readEido } from '@citywatch/core/dispatch/eido-import';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { ProblemError } from '../../../http/problem.js';
import { recordAudit } from '../../../identity/audit.js';
import type { Actor } from '../../../identity/service.js';
import type { DispatchService } from '../service.js';
import { eidoErrors } from './nena-schema.js';
import type {} from './tables.js';

export interface EidoPlacement {
  /** Where the receiving dispatcher puts an incident whose EIDO has no geodetic location. */
  lon?: number;
  lat?: number;
  crs?: 'wgs84' | 'gcj02' | 'bd09';
  city?: string;
}

/** ajv's `/a/0/b` → `a.0.b` (the problem's field), `eido` for the object itself. */
const fieldOf = (instancePath: string) => instancePath.replace(/^\//, '').replace(/\//g, '.') || 'eido';

export async function importEido(
  deps: { db: Kysely<Database>; now: () => Date; dispatch: Pick<DispatchService, 'createIncident'> },
  actor: Actor,
  eido: unknown,
  placement: EidoPlacement,
) {
  const errors = eidoErrors(eido);
  if (errors.length > 0) {
    throw new ProblemError(
      'validation',
      { zh: 'EIDO 不符合 NENA-STA-021.1b', en: 'The EIDO does not validate against NENA-STA-021.1b' },
      errors.slice(0, 20).map((line) => {
        const [path, ...message] = line.split(': ');
        return { field: fieldOf(path === '/' ? '' : path), rule: 'nena_schema', message: message.join(': ') };
      }),
    );
  }
  const read = readEido(eido as Record<string, unknown>);
  const earlier = await deps.db
    .selectFrom('eido_imports')
    .select('incident_id')
    .where('eido_id', '=', read.eidoId)
    .executeTakeFirst();
  if (earlier) {
    throw new ProblemError('conflict', { zh: '该 EIDO 已转入', en: 'This EIDO was imported already' }, [
      { field: '$id', rule: 'already_imported', message: `incident ${earlier.incident_id}` },
    ]);
  }
  const point = read.position
    ? { lon: read.position.lon, lat: read.position.lat, crs: 'wgs84' as const }
    : placement.lon !== undefined && placement.lat !== undefined
      ? { lon: placement.lon, lat: placement.lat, crs: placement.crs ?? ('wgs84' as const) }
      : null;
  if (!point) {
    throw new ProblemError(
      'validation',
      { zh: 'EIDO 没有可用的经纬度，请在地图上指定位置', en: 'The EIDO has no geodetic location; place it' },
      [
        {
          field: read.locationField,
          rule: 'no_geodetic_location',
          message: `no location component carries a GML point (civic address: ${read.addressLabel ?? 'none'}); give lon and lat`,
        },
      ],
    );
  }
  const created = await deps.dispatch.createIncident(actor, {
    category: read.category,
    ...(read.subcategory ? { subcategory: read.subcategory } : {}),
    priority: read.priority,
    ...point,
    ...(read.addressLabel ? { addressLabel: read.addressLabel } : {}),
    ...(read.callerPhone ? { callerPhone: read.callerPhone } : {}),
    narrative: read.narrative,
    ...(placement.city ? { city: placement.city } : {}),
  });
  const now = deps.now();
  await deps.db
    .insertInto('eido_imports')
    .values({
      eido_id: read.eidoId,
      incident_id: created.incident.id,
      from_agency: read.fromAgency,
      imported_at: now,
      imported_by: actor.userId,
    })
    .execute();
  await recordAudit(
    deps.db,
    {
      userId: actor.userId,
      username: actor.username,
      action: 'write',
      resource: `incident:${created.incident.id}`,
      detail: {
        event: 'eido_imported',
        eidoId: read.eidoId,
        fromAgency: read.fromAgency,
        typeCode: read.typeCode,
        externalNumber: read.externalNumber,
        placedBy: read.position ? 'eido' : 'dispatcher',
      },
    },
    now,
  );
  return {
    id: created.incident.id,
    ...created,
    eido: {
      id: read.eidoId,
      fromAgency: read.fromAgency,
      typeCode: read.typeCode,
      placedBy: read.position ? ('eido' as const) : ('dispatcher' as const),
    },
  };
}
