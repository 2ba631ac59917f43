import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';

/**
 * MQTT for high-rate device inputs (AVL, plate reads). In production the bureau's broker
 * (Mosquitto or any MQTT server) at MQTT_URL; in the embedded default an in-process Aedes broker,
 * so devices and simulators have somewhere to publish with no extra service.
 */
export interface EmbeddedBroker {
  url: string;
  close(): Promise<void>;
}

export async function startEmbeddedBroker(port: number, host = '127.0.0.1'): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker();
  const server: Server = createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return {
    url: `mqtt://${host}:${actualPort}`,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}

export interface MqttSubscription {
  client: MqttClient;
  /** Resolves once every message received so far has been handled. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Subscribes to `topic` and hands each message to `onMessage`, one after another in arrival order.
 * Rejects when the broker cannot be reached within the timeout, so a misconfigured deployment fails
 * at start-up rather than silently losing inputs; later disconnections are retried by the client.
 */
export async function subscribeMqtt(options: {
  url: string;
  topic: string;
  onMessage: (topic: string, payload: Buffer) => Promise<void>;
  connectTimeoutMs?: number;
  onError?: (error: unknown) => void;
}): Promise<MqttSubscription> {
  const timeoutMs = options.connectTimeoutMs ?? 5_000;
  const client = mqtt.connect(options.url, {
    connectTimeout: timeoutMs,
    reconnectPeriod: 1_000,
    clean: true,
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      client.end(true);
      reject(new Error(`MQTT broker ${options.url} is unreachable: ${error.message}`, { cause: error }));
    };
    client.once('connect', () => {
      clearTimeout(timer);
      client.removeListener('error', fail);
      resolve();
    });
    client.once('error', fail);
  });
  await client.subscribeAsync(options.topic, { qos: 1 });
  let queue: Promise<void> = Promise.resolve();
  client.on('message', (topic, payload) => {
    queue = queue
      .then(() => options.onMessage(topic, payload))
      .catch((error: unknown) => options.onError?.(error));
  });
  client.on('error', (error) => options.onError?.(error));
  return {
    client,
    idle: () => queue,
    close: async () => {
      await client.endAsync();
      await queue;
    },
  };
}
