import type { Role } from '@citywatch/core/identity/schemas';
import type { MODULES } from '../modules/index.js';
import type { PermissionMap } from '../modules/module.js';

/**
 * Every route declares a permission in `config.permission`; a route without one refuses to register
 * (deny by default). Each module declares its own permissions with the roles that hold them;
 * `Permission` is the union of every module's keys (still a literal type), and `public` is for the
 * few routes a stranger may call.
 */
export type Permission = 'public' | ModulePermission<(typeof MODULES)[number]>;
type ModulePermission<M> = M extends { permissions: infer P } ? keyof P & string : never;

/** The granted-roles table assembled from the modules at start. */
export interface PermissionTable {
  has(permission: unknown): permission is Permission;
  grants(roles: readonly string[], permission: Permission): boolean;
  /** The permissions a person with these roles holds (sent to the web app with the session). */
  grantedTo(roles: readonly string[]): Permission[];
  entries(): [Permission, readonly Role[]][];
}

export function permissionTable(
  modules: readonly { name: string; permissions: PermissionMap }[],
): PermissionTable {
  const table = new Map<string, readonly Role[]>([['public', []]]);
  for (const module of modules) {
    for (const [key, roles] of Object.entries(module.permissions)) {
      if (table.has(key)) throw new Error(`permission ${key} is declared twice (module ${module.name})`);
      table.set(key, roles);
    }
  }
  const has = (permission: unknown): permission is Permission =>
    typeof permission === 'string' && table.has(permission);
  const grants = (roles: readonly string[], permission: Permission) => {
    if (permission === 'public') return true;
    const allowed: readonly string[] = table.get(permission) ?? [];
    return roles.some((r) => allowed.includes(r));
  };
  return {
    has,
    grants,
    grantedTo: (roles) =>
      [...table.keys()].filter((p) => p !== 'public' && grants(roles, p as Permission)) as Permission[],
    entries: () => [...table.entries()] as [Permission, readonly Role[]][],
  };
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
