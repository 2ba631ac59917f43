import type { DomainEvent } from '@citywatch/core/events/events';

export type LiveStatus = 'connecting' | 'open' | 'closed';

const MIN_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;
/** The gateway closes with this when the viewer's sessions were ended. */
const CLOSE_SESSION_ENDED = 1008;

export type LiveHandlers = {
  onEvent: (event: DomainEvent) => void;
  onStatus: (status: LiveStatus) => void;
  /** After every (re)connect, once the server said hello: what was missed meanwhile is reloaded. */
  onOpen: () => void;
  /** The server closed the socket because the session ended. */
  onSessionEnded: () => void;
};

function liveUrl(): string {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${window.location.host}/api/live`;
}

function parseFrame(data: unknown): { kind: 'hello' } | { kind: 'event'; event: DomainEvent } | null {
  if (typeof data !== 'string') return null;
  let frame: unknown;
  try {
    frame = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof frame !== 'object' || frame === null) return null;
  const { kind, event } = frame as { kind?: unknown; event?: unknown };
  if (kind === 'hello') return { kind: 'hello' };
  if (
    kind === 'event' &&
    typeof event === 'object' &&
    event !== null &&
    typeof (event as { type?: unknown }).type === 'string'
  ) {
    return { kind: 'event', event: event as DomainEvent };
  }
  return null;
}

/**
 * The live feed (`/api/live`): one WebSocket for the whole app, subscribed to `types`. The server
 * closes it when the session ends (1008) or the user changed (1012); any close leads to a
 * reconnect with exponential backoff (1 s … 30 s, reset once the server says hello).
 * Returns the function that closes it for good.
 */
export function openLiveFeed(types: readonly string[], handlers: LiveHandlers): () => void {
  let socket: WebSocket | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let backoff = MIN_BACKOFF_MS;
  let stopped = false;

  const connect = () => {
    if (stopped) return;
    handlers.onStatus('connecting');
    const ws = new WebSocket(liveUrl());
    socket = ws;
    ws.onopen = () => ws.send(JSON.stringify({ kind: 'subscribe', types }));
    ws.onmessage = (message: MessageEvent) => {
      const frame = parseFrame(message.data);
      if (frame?.kind === 'hello') {
        backoff = MIN_BACKOFF_MS;
        handlers.onStatus('open');
        handlers.onOpen();
      } else if (frame?.kind === 'event') {
        handlers.onEvent(frame.event);
      }
    };
    ws.onclose = (close: CloseEvent) => {
      if (socket === ws) socket = null;
      if (stopped) return;
      handlers.onStatus('closed');
      if (close.code === CLOSE_SESSION_ENDED) handlers.onSessionEnded();
      const wait = backoff;
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      timer = setTimeout(connect, wait + Math.random() * 250);
    };
    // An error is always followed by close, which schedules the reconnect.
    ws.onerror = () => {};
  };

  connect();
  return () => {
    stopped = true;
    clearTimeout(timer);
    if (socket) {
      socket.onclose = null;
      socket.close(1000, 'console closed');
    }
  };
}
