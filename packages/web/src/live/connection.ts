import type { DomainEvent } from '@citywatch/core/events/events';

export type LiveStatus = 'connecting' | 'open' | 'closed';

const MIN_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;
/** The gateway closes with this when the viewer's sessions were ended. */
const CLOSE_SESSION_ENDED = 1008;

export type LiveHandlers = {
  onEvent: (event: DomainEvent) => void;
  onStatus: (status: LiveStatus) => void;
  /**
   * After every (re)connect, once the server has caught the feed up. `resumed`: the server replayed
   * every event missed since the last one received (nothing to reload); otherwise (the first
   * connection, or the server could not replay: resync) what was missed is to be reloaded over HTTP.
   */
  onOpen: (info: { resumed: boolean }) => void;
  /** The server closed the socket because the session ended. */
  onSessionEnded: () => void;
};

/** The resume point: the stream the server named and the last sequence received from it. */
export interface ResumePoint {
  stream: string;
  seq: number;
}

export function liveUrl(resume: ResumePoint | null): string {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  const query = resume ? `?stream=${encodeURIComponent(resume.stream)}&after=${resume.seq}` : '';
  return `${scheme}://${window.location.host}/api/live${query}`;
}

type Frame =
  | { kind: 'hello'; stream?: string }
  | { kind: 'live' | 'resync'; stream: string; seq: number }
  | { kind: 'event'; seq?: number; event: DomainEvent };

export function parseFrame(data: unknown): Frame | null {
  if (typeof data !== 'string') return null;
  let frame: unknown;
  try {
    frame = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof frame !== 'object' || frame === null) return null;
  const { kind, event, stream, seq } = frame as {
    kind?: unknown;
    event?: unknown;
    stream?: unknown;
    seq?: unknown;
  };
  const validSeq = typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0;
  if (kind === 'hello') return typeof stream === 'string' ? { kind, stream } : { kind };
  if ((kind === 'live' || kind === 'resync') && typeof stream === 'string' && validSeq)
    return { kind, stream, seq: seq as number };
  if (
    kind === 'event' &&
    typeof event === 'object' &&
    event !== null &&
    typeof (event as { type?: unknown }).type === 'string'
  ) {
    return validSeq
      ? { kind, seq: seq as number, event: event as DomainEvent }
      : { kind, event: event as DomainEvent };
  }
  return null;
}

/** Event ids remembered to drop a duplicate delivery (an id seen again is not handed on). */
const RECENT_IDS = 2_000;

/**
 * Tracks the stream position and drops what was already handed on: an event at or below the last
 * sequence, or with an id seen recently. Ordering is the server's (by stream sequence).
 */
export class FeedPosition {
  stream: string | null = null;
  seq = 0;
  private readonly ids = new Set<string>();

  /** Where to resume from, or null when there is nothing to resume (first connection). */
  resumePoint(): ResumePoint | null {
    return this.stream === null ? null : { stream: this.stream, seq: this.seq };
  }

  /** True when the event is new (and records it); false for a duplicate. */
  accept(event: DomainEvent, seq: number | undefined): boolean {
    if (seq !== undefined) {
      if (seq <= this.seq) return false;
      this.seq = seq;
    }
    if (this.ids.has(event.id)) return false;
    this.ids.add(event.id);
    if (this.ids.size > RECENT_IDS) {
      const oldest = this.ids.values().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
    return true;
  }

  /** The server says the feed is complete up to `seq` of `stream` (after a replay, or a resync). */
  caughtUp(stream: string, seq: number): void {
    if (stream !== this.stream) {
      this.stream = stream;
      this.seq = seq;
    } else this.seq = Math.max(this.seq, seq);
  }
}

/**
 * The live feed (`/api/live`): one WebSocket for the whole app, subscribed to `types`. The server
 * closes it when the session ends (1008) or the user changed (1012); any close leads to a
 * reconnect with exponential backoff (1 s … 30 s, reset once the server says hello).
 * Every reconnect names the last stream sequence received (`?stream=&after=`): the server (any node)
 * replays what was missed, or says resync when it cannot (then the app reloads over HTTP).
 * Returns the function that closes it for good.
 */
export function openLiveFeed(types: readonly string[], handlers: LiveHandlers): () => void {
  let socket: WebSocket | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let backoff = MIN_BACKOFF_MS;
  let stopped = false;
  const position = new FeedPosition();

  const connect = () => {
    if (stopped) return;
    handlers.onStatus('connecting');
    const resume = position.resumePoint();
    const ws = new WebSocket(liveUrl(resume));
    socket = ws;
    ws.onopen = () => ws.send(JSON.stringify({ kind: 'subscribe', types }));
    const opened = (resumed: boolean) => {
      backoff = MIN_BACKOFF_MS;
      handlers.onStatus('open');
      handlers.onOpen({ resumed });
    };
    ws.onmessage = (message: MessageEvent) => {
      const frame = parseFrame(message.data);
      if (frame?.kind === 'hello') {
        // A server whose bus cannot resume says no stream: open now, the app reloads.
        if (frame.stream === undefined) opened(false);
      } else if (frame?.kind === 'live') {
        const resumed = resume !== null && resume.stream === frame.stream;
        position.caughtUp(frame.stream, frame.seq);
        opened(resumed);
      } else if (frame?.kind === 'resync') {
        position.caughtUp(frame.stream, frame.seq);
        opened(false);
      } else if (frame?.kind === 'event') {
        if (position.accept(frame.event, frame.seq)) handlers.onEvent(frame.event);
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
