import type { DomainEvent, DomainEventType } from '@citywatch/core/events/events';
import { useEffect, useRef, useState } from 'react';

export type LiveStatus = 'connecting' | 'open' | 'closed';

const MIN_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;

function liveUrl(): string {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${window.location.host}/api/live`;
}

function isEventFrame(value: unknown): value is { kind: 'event'; event: DomainEvent } {
  if (typeof value !== 'object' || value === null) return false;
  const frame = value as { kind?: unknown; event?: unknown };
  return (
    frame.kind === 'event' &&
    typeof frame.event === 'object' &&
    frame.event !== null &&
    typeof (frame.event as { type?: unknown }).type === 'string'
  );
}

/**
 * Subscribes to domain events on the live feed (`/api/live`) for as long as the component is
 * mounted. The server closes the socket when the session ends (1008) or the user changed (1012);
 * any close leads to a reconnect with exponential backoff (1 s … 30 s, reset once the server says
 * hello). `onOpen` runs after every (re)connect, so the caller can reload what it may have missed.
 */
export function useLiveEvents(
  types: readonly DomainEventType[],
  onEvent: (event: DomainEvent) => void,
  onOpen?: () => void,
): LiveStatus {
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const handlers = useRef({ onEvent, onOpen });
  handlers.current = { onEvent, onOpen };
  const typesKey = types.join(',');

  useEffect(() => {
    const wanted = typesKey ? typesKey.split(',') : [];
    let socket: WebSocket | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let backoff = MIN_BACKOFF_MS;
    let stopped = false;

    const connect = () => {
      if (stopped) return;
      setStatus('connecting');
      const ws = new WebSocket(liveUrl());
      socket = ws;
      ws.onopen = () => {
        ws.send(JSON.stringify({ kind: 'subscribe', types: wanted }));
      };
      ws.onmessage = (message: MessageEvent) => {
        if (typeof message.data !== 'string') return;
        let frame: unknown;
        try {
          frame = JSON.parse(message.data);
        } catch {
          return;
        }
        if (typeof frame === 'object' && frame !== null && (frame as { kind?: unknown }).kind === 'hello') {
          backoff = MIN_BACKOFF_MS;
          setStatus('open');
          handlers.current.onOpen?.();
          return;
        }
        if (isEventFrame(frame) && (wanted.length === 0 || wanted.includes(frame.event.type))) {
          handlers.current.onEvent(frame.event);
        }
      };
      ws.onclose = () => {
        if (socket === ws) socket = null;
        if (stopped) return;
        setStatus('closed');
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
  }, [typesKey]);

  return status;
}
