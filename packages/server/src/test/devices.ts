import type { CreateDevice, IssuedDevice } from '@citywatch/core/devices/schemas';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { ADMIN_PASSWORD, type TestApp } from './app.js';

/**
 * Issues a device token through the API as the seeded admin (plate reads and AVL come from devices,
 * never from a person's session). Returns the device with its token (shown once).
 */
export async function issueDevice(
  t: TestApp,
  binding: { checkpointId: string; name?: string } | { unitId: string; name?: string },
): Promise<IssuedDevice> {
  const admin = await t.login('admin', ADMIN_PASSWORD);
  const payload: CreateDevice =
    'checkpointId' in binding
      ? {
          kind: 'camera',
          name: binding.name ?? `camera ${binding.checkpointId}`,
          checkpointId: binding.checkpointId,
        }
      : { kind: 'avl', name: binding.name ?? `AVL ${binding.unitId}`, unitId: binding.unitId };
  const r = await t.as(admin, { method: 'POST', url: '/api/devices', payload });
  if (r.statusCode !== 201) throw new Error(`issuing a device failed: ${r.statusCode} ${r.body}`);
  return r.json() as IssuedDevice;
}

/** inject() as a device: `Authorization: Bearer <token>`, no cookie. */
export function asDevice(t: TestApp, token: string, options: InjectOptions): Promise<LightMyRequestResponse> {
  return t.app.inject({
    ...options,
    headers: { ...(options.headers ?? {}), authorization: `Bearer ${token}` },
  });
}
