import { z } from 'zod';

/**
 * Devices as principals (DESIGN.md "Who may see what"): a plate camera speaks for exactly one
 * checkpoint, an AVL terminal for exactly one unit, a community sensor (modules/sensors: alarm
 * button, smoke detector, door, gate, camera link, crowd counter) for itself only. Each holds an API token, shown once when it is
 * issued and stored only as a hash; the token is revocable and its use is visible (last seen).
 */
export const DEVICE_KINDS = ['camera', 'avl', 'sensor'] as const;
export const deviceKindSchema = z.enum(DEVICE_KINDS);
export type DeviceKind = z.infer<typeof deviceKindSchema>;

const name = z.string().trim().min(1).max(100);

export const createDeviceSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('camera'), name, checkpointId: z.string().min(1).max(64) }),
  z.strictObject({ kind: z.literal('avl'), name, unitId: z.string().uuid() }),
]);
export type CreateDevice = z.infer<typeof createDeviceSchema>;

export const revokeDeviceSchema = z.strictObject({ reason: z.string().trim().min(2).max(500) });

export const deviceSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: deviceKindSchema,
  /** The checkpoint a camera speaks for (null for AVL terminals). */
  checkpointId: z.string().nullable(),
  /** The unit an AVL terminal speaks for (null for cameras). */
  unitId: z.string().nullable(),
  orgId: z.string(),
  active: z.boolean(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  revokedAt: z.string().nullable(),
  revokeReason: z.string().nullable(),
  lastSeenAt: z.string().nullable(),
});
export type Device = z.infer<typeof deviceSchema>;

/** The answer to issuing a token: the device and its token, which is never shown again. */
export const issuedDeviceSchema = deviceSchema.extend({
  token: z.string(),
  /** Where the device publishes over MQTT (username = device id, password = token). */
  mqttTopic: z.string(),
});
export type IssuedDevice = z.infer<typeof issuedDeviceSchema>;

export const deviceListSchema = z.object({ items: z.array(deviceSchema) });

/** Topic prefix of community sensors; the last level is the sensor's own device id. */
export const SENSOR_TOPIC_PREFIX = 'citywatch/sensors/';

/**
 * The one MQTT topic a device may publish on: its checkpoint's plate topic, its unit's AVL topic,
 * or (a community sensor) its own `citywatch/sensors/<device id>`.
 */
export function deviceTopic(d: {
  id: string;
  kind: DeviceKind;
  checkpointId: string | null;
  unitId: string | null;
}) {
  if (d.kind === 'sensor') return `${SENSOR_TOPIC_PREFIX}${d.id}`;
  return d.kind === 'camera' ? `citywatch/plates/${d.checkpointId}` : `citywatch/avl/${d.unitId}`;
}
