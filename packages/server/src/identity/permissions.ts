import { ROLES, type Role } from '@citywatch/core/identity/schemas';

const EVERY_ROLE = ROLES;

/**
 * Every route declares one of these in `config.permission`; a route without one refuses to
 * register (deny by default). `public` is for the few routes a stranger may call.
 */
export const PERMISSIONS = {
  public: [],
  'session.self': EVERY_ROLE,
  'live.subscribe': EVERY_ROLE,
  'users.read': ['admin', 'auditor'],
  'users.write': ['admin'],
  'orgs.read': EVERY_ROLE,
  'orgs.write': ['admin'],
  'audit.read': ['auditor', 'admin'],
  'places.read': EVERY_ROLE,
  'places.write': ['admin'],
  'coverage.read': EVERY_ROLE,
  'coverage.write': ['admin', 'commander'],
  'dispatch.read': ['admin', 'commander', 'dispatcher', 'patrol_officer', 'auditor'],
  'dispatch.write': ['admin', 'commander', 'dispatcher'],
  'dispatch.caller': ['commander', 'dispatcher'],
  'units.write': ['admin', 'commander'],
  'units.report': ['admin', 'commander', 'dispatcher', 'patrol_officer'],
  'hotlist.read': ['commander', 'dispatcher', 'admin', 'auditor'],
  'hotlist.write': ['commander', 'admin'],
  'plates.ingest': ['admin', 'commander'],
  'perimeter.read': ['admin', 'commander', 'dispatcher', 'patrol_officer', 'auditor'],
  'perimeter.write': ['admin', 'commander'],
  'perimeter.command': ['commander', 'admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && Object.hasOwn(PERMISSIONS, value);
}

export function rolesGrant(roles: readonly string[], permission: Permission): boolean {
  if (permission === 'public') return true;
  const allowed: readonly string[] = PERMISSIONS[permission];
  return roles.some((r) => allowed.includes(r));
}

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
