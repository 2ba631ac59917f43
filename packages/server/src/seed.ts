import { randomBytes } from 'node:crypto';
import { passwordSchema } from '@citywatch/core/identity/schemas';
import type { IdentityService } from './identity/service.js';

/**
 * First start: an org tree modelled on the bundled city (Shenzhen Longgang) and one `admin`.
 * The admin password comes from CITYWATCH_ADMIN_PASSWORD or is generated and printed once.
 */
export async function seedIfEmpty(
  identity: IdentityService,
  adminPassword: string | undefined,
  print: (line: string) => void,
): Promise<boolean> {
  if ((await identity.userCount()) > 0) return false;
  if (adminPassword !== undefined && !passwordSchema.safeParse(adminPassword).success) {
    throw new Error(
      'CITYWATCH_ADMIN_PASSWORD must be 10 to 128 characters (the rule every password follows)',
    );
  }
  const city = await identity.createRootOrg({ kind: 'city_bureau', name: '深圳市公安局', code: '440300' });
  const branch = await identity.createRootOrg(
    { kind: 'branch_bureau', name: '龙岗分局', code: '440307' },
    city.id,
  );
  // Station positions are demo positions spread over the bundled Longgang extract (the real
  // stations mostly lie outside its small box); a bureau enters its own on the org page.
  for (const [name, code, lon, lat] of [
    ['龙城派出所', '440307-01', 114.1955, 22.6955],
    ['龙岗派出所', '440307-02', 114.2225, 22.6955],
    ['布吉派出所', '440307-03', 114.2005, 22.6805],
    ['坂田派出所', '440307-04', 114.2245, 22.6805],
  ] as const) {
    const station = await identity.createRootOrg({ kind: 'police_station', name, code, lon, lat }, branch.id);
    await identity.createRootOrg(
      { kind: 'team', name: `${name.replace('派出所', '')}巡逻中队`, code: `${code}-T1` },
      station.id,
    );
  }
  const password = adminPassword ?? randomBytes(12).toString('base64url');
  await identity.createInitialUser({
    username: 'admin',
    displayName: '系统管理员',
    password,
    orgId: city.id,
    roles: ['admin'],
    // Printed on a terminal, so known to whoever saw it: the admin chooses their own at first sign-in.
    mustChangePassword: !adminPassword,
  });
  if (!adminPassword) {
    print('================================================================');
    print(` citywatch: created user "admin" with password: ${password}`);
    print(' (shown once, to be changed at first sign-in; or set CITYWATCH_ADMIN_PASSWORD)');
    print('================================================================');
  }
  return true;
}
