import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BrokerAuthority,
  type EmbeddedBroker,
  isServerCredential,
  startEmbeddedBroker,
  subscribeMqtt,
  subscribeMqttBatched,
} from './mqtt.js';

/**
 * A broker that stops answering: a TCP relay to the embedded broker which, once frozen, neither
 * reads nor forwards anything and never closes a connection (a hung broker, or a network that
 * drops packets without a reset).
 */
async function freezableRelay(target: number) {
  const sockets: Socket[] = [];
  let frozen = false;
  const server: Server = createServer((inbound) => {
    const outbound = connect(target, '127.0.0.1');
    for (const [from, to] of [
      [inbound, outbound],
      [outbound, inbound],
    ] as const) {
      from.on('data', (chunk) => {
        if (!frozen) to.write(chunk);
      });
      from.on('error', () => {});
    }
    sockets.push(inbound, outbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    url: `mqtt://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    freeze: () => {
      frozen = true;
      for (const s of sockets) s.pause();
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('an MQTT ingest stops even when the broker no longer answers', () => {
  const credential = { username: 'citywatch-server', password: 'a-test-password-of-some-length' };
  const authority: BrokerAuthority = {
    authenticate: async (_id, username, password) =>
      isServerCredential(credential, username, password) ? { kind: 'server' } : null,
    stillAllowed: () => true,
  };
  let broker: EmbeddedBroker;
  beforeAll(async () => {
    broker = await startEmbeddedBroker(0, { authority });
  });
  afterAll(() => broker.close());

  it.each([
    ['one message at a time (AVL, plates)', false],
    ['batched (sensors)', true],
  ])(
    '%s: close() ends the session by force when the broker does not answer',
    async (_how, batched) => {
      const relay = await freezableRelay(Number(new URL(broker.url).port));
      try {
        const connection = {
          url: relay.url,
          ...credential,
          clientIdPrefix: 'cw-close-test',
          protocolVersion: 4 as const,
        };
        const subscription = batched
          ? await subscribeMqttBatched({
              connection,
              clientId: `cw-close-test-${batched}`,
              topic: 'citywatch/test/+',
              sink: { take: () => undefined, commit: async () => {} },
            })
          : await subscribeMqtt({
              connection,
              clientId: `cw-close-test-${batched}`,
              topic: 'citywatch/test/+',
              onMessage: async () => {},
            });
        const client = subscription.client!;
        expect(client.connected).toBe(true);
        relay.freeze();
        // Before: close() waited for the broker to close the connection after DISCONNECT, for ever.
        await subscription.close();
        expect(client.connected).toBe(false);
        expect(client.stream.destroyed).toBe(true);
      } finally {
        await relay.close();
      }
    },
    30_000,
  );
});
