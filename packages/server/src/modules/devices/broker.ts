import { deviceTopic } from '@citywatch/core/devices/schemas';
import {
  type BrokerAuthority,
  type BrokerPrincipal,
  isServerCredential,
  type ServerCredential,
} from '../../ingest/mqtt.js';
import type { DevicesService } from './service.js';

/**
 * Who may do what on the embedded MQTT broker: the server (its credential, generated at start)
 * subscribes; a device (username = its id, password = its token) publishes on its own topic only,
 * under a client id that begins with its id (so it cannot take over another client's session).
 */
export function deviceBrokerAuthority(devices: DevicesService, server: ServerCredential): BrokerAuthority {
  return {
    async authenticate(clientId, username, password): Promise<BrokerPrincipal | null> {
      if (isServerCredential(server, username, password)) return { kind: 'server' };
      if (!username || !password || password.length > 200) return null;
      const device = await devices.authenticateMqtt(username, password.toString('utf8'));
      if (!device || !clientId.startsWith(device.deviceId)) return null;
      return {
        kind: 'device',
        deviceId: device.deviceId,
        topic: deviceTopic({
          id: device.deviceId,
          kind: device.kind,
          checkpointId: device.kind === 'camera' ? device.checkpointId : null,
          unitId: device.kind === 'avl' ? device.unitId : null,
        }),
      };
    },
    stillAllowed: (principal) => principal.kind === 'server' || devices.isActive(principal.deviceId),
    onRevoke: (listener) => devices.onRevoke(listener),
  };
}
