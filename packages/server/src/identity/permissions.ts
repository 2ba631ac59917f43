import type { Role } from '@citywatch/core/identity/schemas';

/**
 * Every route declares a permission in `config.permission`; a route without one refuses to
 * register (deny by default). Each module declares its own permissions with the roles that hold
 * them (`PermissionMap`); the literal `Permission` type, the union of every module's keys, is
 * derived next to the MODULES list (modules/index.ts). `public` is for the few routes a stranger
 * may call.
 */
export type PermissionMap = Record<string, readonly Role[]>;

/** The granted-roles table assembled from the modules at start. */
export interface PermissionTable {
  has(permission: unknown): permission is string;
  grants(roles: readonly string[], permission: string): boolean;
  /** The permissions a person with these roles holds (sent to the web app with the session). */
  grantedTo(roles: readonly string[]): string[];
  /** Whether these roles may receive this event type live (its module names the permission). */
  mayReceive(roles: readonly string[], eventType: string): boolean;
}

export function permissionTable(
  modules: readonly { name: string; permissions: PermissionMap; events?: Partial<Record<string, string>> }[],
): PermissionTable {
  const table = new Map<string, readonly Role[]>([['public', []]]);
  const eventPermission = new Map<string, string>();
  for (const module of modules) {
    for (const [type, permission] of Object.entries(module.events ?? {})) {
      if (permission) eventPermission.set(type, permission);
    }
    for (const [key, roles] of Object.entries(module.permissions)) {
      if (table.has(key)) throw new Error(`permission ${key} is declared twice (module ${module.name})`);
      table.set(key, roles);
    }
  }
  const has = (permission: unknown): permission is string =>
    typeof permission === 'string' && table.has(permission);
  const grants = (roles: readonly string[], permission: string) => {
    if (permission === 'public') return true;
    const allowed: readonly string[] = table.get(permission) ?? [];
    return roles.some((r) => allowed.includes(r));
  };
  return {
    has,
    grants,
    grantedTo: (roles) => [...table.keys()].filter((p) => p !== 'public' && grants(roles, p)),
    mayReceive: (roles, eventType) => {
      const permission = eventPermission.get(eventType);
      return permission !== undefined && grants(roles, permission);
    },
  };
}
