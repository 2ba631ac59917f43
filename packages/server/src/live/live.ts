/**
 * The live gateway: `GET /api/live` upgrades to a WebSocket that forwards domain events from the bus
 * to one console, only those its viewer may see (orgScope). Checked before the upgrade, as HTTP
 * problem+json: the Origin header against the allow-list (403; browsers always send one, so a
 * cross-site page cannot ride the session cookie) and the session (401).
 *
 * Resuming: `GET /api/live?stream=<id>&after=<seq>` names the stream and the last sequence the
 * console received (from any node). The events after it that it may see are sent first, in sequence
 * order, then the live ones, none twice; then `live`. When the bus no longer holds them (stream max
 * age on NATS; the embedded ring of CITYWATCH_LIVE_RING events; more than `maxReplay`) or the stream
 * is another (a restart of the embedded bus, a re-created stream), `resync` says so instead: the
 * console reloads its state over HTTP and continues from the sequence given.
 *
 * Protocol (JSON text frames):
 *   server → client  {"kind":"hello","stream":id}            once, after the upgrade (no stream:
 *                                                             the bus cannot resume)
 *                    {"kind":"live","stream":id,"seq":n,"replayed":k}
 *                                                             caught up: every event up to seq n
 *                                                             was sent (k of them replayed)
 *                    {"kind":"resync","stream":id,"seq":n}    the gap cannot be replayed: reload
 *                    {"kind":"event","seq":n,"event":DomainEvent}
 *                                                             each event in the viewer's scope
 *                    {"kind":"subscribed","types":[..]|null,"refused":[..]}
 *                                                             acknowledges a subscribe: the types
 *                                                             this viewer will receive, and those
 *                                                             asked for that its roles may not
 *                    {"kind":"error","detail":"..."}          a client message was not understood
 *   client → server  {"kind":"subscribe","types":[..]}        only these event types (null = all)
 * Keepalive: a ping every 30 s; a socket that missed the previous pong is terminated.
 * Backpressure: a socket with more than ~1 MB unsent is closed with 1013 (try again later).
 * Close 1008 when the viewer's sessions are ended, 1012 (reconnect) when the viewer's user changed,
 * since the scope was computed at upgrade time.
 */
import type { EventBus, Unsubscribe } from '@citywatch/core/events/bus';
import type { DomainEvent } from '@citywatch/core/events/events';
import websocket from '@fastify/websocket';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { isResumable, sequenceOf } from '../bus/resume.js';
import { sendProblem } from '../http/problem.js';

export interface LiveViewer {
  userId: string;
  /** Whether the viewer may see events of this org (null = city-wide events). */
  orgScope: (orgId: string | null) => boolean;
  /** Whether the viewer holds the permission this event type needs; absent: every type. */
  mayReceive?: (type: string) => boolean;
  /**
   * What a viewer entitled to the type but outside the event's org sees of it: a reduced copy
   * (e.g. another station's unit without its incident), or null for nothing. Absent: nothing.
   */
  outsideScope?: (event: DomainEvent) => DomainEvent | null;
  /** Names the viewer's session in 'identity.session_ended' events (logout closes its sockets). */
  sessionRef?: string;
  /** When the session ends by itself (absolute expiry): the socket closes then. */
  expiresAt?: Date;
  /** Re-checked periodically: false once the session was ended, idled out or expired. */
  stillValid?: () => Promise<boolean>;
}

export interface LiveOptions {
  bus: EventBus;
  /** Resolves the viewer from the request (session cookie); null when not signed in. */
  authenticate: (req: FastifyRequest) => Promise<LiveViewer | null>;
  /** Exact origins (`https://host[:port]`) whose pages may open the socket. */
  allowedOrigins: string[];
  /** Keepalive ping interval; default 30 000 ms. */
  pingIntervalMs?: number;
  /** Unsent bytes after which a socket is dropped with 1013; default 1 MiB. */
  maxBufferedBytes?: number;
  /** How often an open socket's session is re-checked (idle timeout, ended); default 60 000 ms. */
  sessionCheckMs?: number;
  /** The app's clock (sessions expire by it); default the wall clock. */
  now?: () => Date;
  /** Most events replayed to one reconnecting console; past it: resync. Default 10 000. */
  maxReplay?: number;
}

/** Route config read by the app's "every route declares a permission" check. */
export const liveRouteConfig = { permission: 'live.subscribe' } as const;

export const LIVE_PATH = '/api/live';
export const CLOSE_TRY_AGAIN_LATER = 1013;
export const CLOSE_POLICY_VIOLATION = 1008;
export const CLOSE_SERVICE_RESTART = 1012;

const MAX_CLIENT_MESSAGE_BYTES = 16 * 1024;
const MAX_SUBSCRIBE_TYPES = 200;
const EVENT_TYPE_RE = /^[a-z0-9_]+(\.[a-z0-9_]+)*$/;

type ServerFrame =
  | { kind: 'hello'; stream?: string }
  | { kind: 'live'; stream: string; seq: number; replayed: number }
  | { kind: 'resync'; stream: string; seq: number }
  | { kind: 'event'; seq?: number; event: DomainEvent }
  | { kind: 'subscribed'; types: string[] | null; refused: string[] }
  | { kind: 'error'; detail: string };

export function normalizeOrigin(origin: string): string {
  return origin.trim().replace(/\/+$/, '').toLowerCase();
}

/** Parses a client frame; returns the new type filter (null = all) or an error message. */
function parseClientMessage(
  data: RawData,
  isBinary: boolean,
): { types: string[] | null } | { error: string } {
  if (isBinary) return { error: 'binary frames are not supported' };
  const buf = Array.isArray(data)
    ? Buffer.concat(data)
    : Buffer.isBuffer(data)
      ? data
      : Buffer.from(new Uint8Array(data));
  const text = buf.toString('utf8');
  if (text.length > MAX_CLIENT_MESSAGE_BYTES) return { error: 'message too large' };
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return { error: 'message is not JSON' };
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg))
    return { error: 'message must be an object' };
  const { kind, types } = msg as { kind?: unknown; types?: unknown };
  if (kind !== 'subscribe') return { error: `unknown message kind: ${JSON.stringify(kind) ?? 'undefined'}` };
  if (types === null || types === undefined) return { types: null };
  if (
    !Array.isArray(types) ||
    types.length > MAX_SUBSCRIBE_TYPES ||
    !types.every((t): t is string => typeof t === 'string' && t.length <= 100 && EVENT_TYPE_RE.test(t))
  ) {
    return { error: `types must be an array of at most ${MAX_SUBSCRIBE_TYPES} event type names, or null` };
  }
  return { types: [...new Set(types)] };
}

interface ResumeFrom {
  stream: string;
  after: number;
}

/** The resume point named in the query, null when none; a string naming the bad field otherwise. */
function parseResume(query: unknown): ResumeFrom | null | { field: string } {
  const q = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>;
  if (q.after === undefined && q.stream === undefined) return null;
  if (typeof q.stream !== 'string' || q.stream.length === 0 || q.stream.length > 200)
    return { field: 'stream' };
  if (typeof q.after !== 'string' || !/^\d{1,15}$/.test(q.after)) return { field: 'after' };
  return { stream: q.stream, after: Number(q.after) };
}

export const liveGateway: FastifyPluginAsync<LiveOptions> = async (fastify, opts) => {
  const { bus, authenticate } = opts;
  const allowed = new Set(opts.allowedOrigins.map(normalizeOrigin));
  const pingIntervalMs = opts.pingIntervalMs ?? 30_000;
  const maxBuffered = opts.maxBufferedBytes ?? 1024 * 1024;
  const sessionCheckMs = opts.sessionCheckMs ?? 60_000;
  const now = opts.now ?? (() => new Date());
  const maxReplay = opts.maxReplay ?? 10_000;
  const resumable = isResumable(bus) ? bus : null;
  const viewers = new WeakMap<FastifyRequest, LiveViewer>();
  const resumes = new WeakMap<FastifyRequest, ResumeFrom>();
  /** One serialisation per event, shared by every socket (the bus hands out the same object). */
  const frames = new WeakMap<DomainEvent, string>();
  /** The outside-scope view of an event, once per event (null: none), shared likewise. */
  const outsideFrames = new WeakMap<DomainEvent, string | null>();

  if (!fastify.hasDecorator('websocketServer')) {
    await fastify.register(websocket, { options: { maxPayload: MAX_CLIENT_MESSAGE_BYTES } });
  }

  const frameOf = (event: DomainEvent): string => {
    let frame = frames.get(event);
    if (frame === undefined) {
      frame = JSON.stringify({ kind: 'event', seq: sequenceOf(event), event } satisfies ServerFrame);
      frames.set(event, frame);
    }
    return frame;
  };
  const outsideFrameOf = (viewer: LiveViewer, event: DomainEvent): string | null => {
    if (!viewer.outsideScope) return null;
    let frame = outsideFrames.get(event);
    if (frame === undefined) {
      const view = viewer.outsideScope(event);
      frame = view
        ? JSON.stringify({ kind: 'event', seq: sequenceOf(event), event: view } satisfies ServerFrame)
        : null;
      outsideFrames.set(event, frame);
    }
    return frame;
  };

  fastify.get(
    LIVE_PATH,
    {
      websocket: true,
      config: liveRouteConfig,
      onRequest: async (req, reply) => {
        const origin = req.headers.origin;
        // A browser always sends Origin on a WebSocket handshake; without one the client is not a
        // browser page and still has to present a valid session below.
        if (origin !== undefined && !allowed.has(normalizeOrigin(origin))) {
          const shown = origin.slice(0, 200);
          return sendProblem(req, reply, 'origin_not_allowed', {
            detail: {
              zh: `来源 ${shown} 不能打开实时推送`,
              en: `Origin ${shown} may not open the live feed`,
            },
          });
        }
        const viewer = await authenticate(req);
        if (!viewer) return sendProblem(req, reply, 'unauthenticated');
        const resume = parseResume(req.query);
        if (resume && 'field' in resume) {
          return sendProblem(req, reply, 'validation', {
            detail: {
              zh: `恢复位置参数 ${resume.field} 无效：stream 为流标识，after 为非负整数序号`,
              en: `Resume parameter ${resume.field} is invalid: stream names the stream, after is a non-negative sequence number`,
            },
            errors: [{ field: resume.field, rule: 'invalid', message: '' }],
          });
        }
        if (resume) resumes.set(req, resume);
        viewers.set(req, viewer);
      },
      // A refused upgrade (an answer sent by any hook, ours or the app's) must not leave the raw
      // socket open: @fastify/websocket only closes it when its own onRequest hook ran first, which
      // is not the case when an app-level hook registered before it refused the request.
      onResponse: async (req) => {
        if (req.headers.upgrade?.toLowerCase() !== 'websocket') return;
        const socket = req.raw.socket;
        if (socket.destroyed) return;
        socket.end();
        setTimeout(() => socket.destroy(), 1_000).unref();
      },
      preHandler: async (req, reply) => {
        if (!req.ws) {
          reply.header('upgrade', 'websocket');
          return sendProblem(req, reply, 'validation', {
            status: 426,
            detail: { zh: `${LIVE_PATH} 仅支持 WebSocket 连接`, en: `${LIVE_PATH} is a WebSocket endpoint` },
          });
        }
      },
    },
    (socket: WebSocket, req: FastifyRequest) => {
      const viewer = viewers.get(req);
      if (!viewer) {
        socket.close(CLOSE_POLICY_VIOLATION, 'not authenticated');
        return;
      }
      let types: Set<string> | null = null;
      let alive = true;
      let done = false;
      let unsubscribe: Unsubscribe | null = null;

      const cleanup = () => {
        if (done) return;
        done = true;
        clearInterval(pinger);
        clearInterval(sessionCheck);
        clearTimeout(expiry);
        unsubscribe?.();
        unsubscribe = null;
      };
      const closeWith = (code: number, reason: string) => {
        cleanup();
        socket.close(code, reason);
        // A client that stopped reading never completes the closing handshake.
        setTimeout(() => socket.terminate(), 5_000).unref();
      };
      const send = (frame: string) => {
        if (done || socket.readyState !== socket.OPEN) return;
        if (socket.bufferedAmount > maxBuffered) {
          req.log.warn(
            { userId: viewer.userId, buffered: socket.bufferedAmount },
            'live client too slow; dropping',
          );
          closeWith(CLOSE_TRY_AGAIN_LATER, 'client too slow');
          return;
        }
        socket.send(frame);
      };
      const sendFrame = (frame: ServerFrame) => send(JSON.stringify(frame));

      const pinger = setInterval(() => {
        if (!alive) {
          cleanup();
          socket.terminate();
          return;
        }
        alive = false;
        socket.ping();
      }, pingIntervalMs);
      pinger.unref();

      // A socket lives no longer than its session: ended by logout or an admin, idled out, expired.
      const sessionCheck = setInterval(() => {
        viewer
          .stillValid?.()
          .then((valid) => {
            if (!valid) closeWith(CLOSE_POLICY_VIOLATION, 'session ended');
          })
          .catch((err: unknown) => req.log.error({ err }, 'live session check failed'));
      }, sessionCheckMs);
      sessionCheck.unref();
      const untilExpiry = viewer.expiresAt
        ? viewer.expiresAt.getTime() - now().getTime()
        : Number.POSITIVE_INFINITY;
      const expiry = setTimeout(
        () => closeWith(CLOSE_POLICY_VIOLATION, 'session expired'),
        // setTimeout holds at most ~24.8 days; a session is hours.
        Math.max(0, Math.min(untilExpiry, 2 ** 31 - 1)),
      );
      expiry.unref();

      socket.on('pong', () => {
        alive = true;
      });
      socket.on('close', cleanup);
      socket.on('error', cleanup);
      socket.on('message', (data, isBinary) => {
        if (done) return;
        const parsed = parseClientMessage(data, isBinary);
        if ('error' in parsed) {
          sendFrame({ kind: 'error', detail: parsed.error });
          return;
        }
        // The ack names what will be delivered, not what was asked: a type the viewer's roles may
        // not receive is listed as refused, so a console never waits for events that cannot come.
        const may = (type: string) => viewer.mayReceive?.(type) ?? true;
        const asked = parsed.types ?? [];
        types = parsed.types ? new Set(asked.filter(may)) : null;
        sendFrame({
          kind: 'subscribed',
          types: types ? [...types] : null,
          refused: asked.filter((type) => !may(type)),
        });
      });

      sendFrame(resumable ? { kind: 'hello', stream: resumable.streamId } : { kind: 'hello' });
      /** The last sequence considered for this socket: nothing at or below it is sent again. */
      let sentSeq = 0;
      /** Live events that arrive while the missed ones are being replayed, sent after them. */
      let pending: DomainEvent[] | null = null;
      const onEvent = (event: DomainEvent, live: boolean) => {
        const seq = sequenceOf(event);
        if (seq !== undefined) {
          if (seq <= sentSeq) return; // replayed already, or a duplicate delivery
          sentSeq = seq;
        }
        forward(event, live);
      };
      unsubscribe = bus.subscribe((event) => {
        if (done) return;
        if (pending) pending.push(event);
        else onEvent(event, true);
      });
      if (resumable) {
        const head = resumable.headSeq();
        const resume = resumes.get(req);
        if (!resume) {
          sentSeq = head;
          sendFrame({ kind: 'live', stream: resumable.streamId, seq: head, replayed: 0 });
        } else if (resume.stream !== resumable.streamId || resume.after > head + maxReplay) {
          sentSeq = head;
          sendFrame({ kind: 'resync', stream: resumable.streamId, seq: head });
        } else {
          pending = [];
          resumable
            .replay(resume.after, head, maxReplay)
            .catch((err: unknown) => {
              req.log.error({ err }, 'live replay failed');
              return null;
            })
            .then((missed) => {
              if (done) return;
              const waiting = pending ?? [];
              pending = null;
              if (missed === null) {
                sentSeq = head;
                sendFrame({ kind: 'resync', stream: resumable.streamId, seq: head });
              } else {
                // A console coming from a node further ahead has seen more than this one's head.
                sentSeq = resume.after;
                for (const { event } of missed) onEvent(event, false);
              }
              for (const event of waiting) onEvent(event, true);
              if (missed !== null) {
                sendFrame({
                  kind: 'live',
                  stream: resumable.streamId,
                  seq: Math.max(sentSeq, resume.after),
                  replayed: missed.length,
                });
              }
            });
        }
      }

      // A replayed event happened before this socket was authenticated (which saw the session still
      // valid and computed the scope afresh): it is sent if in scope, and never closes the socket.
      function forward(event: DomainEvent, live: boolean) {
        if (done || !viewer) return;
        if (!live) {
          const frame = frameFor(event);
          if (frame !== null && (!types || types.has(event.type))) send(frame);
          return;
        }
        if (event.type === 'identity.sessions_ended' && event.payload.userId === viewer.userId) {
          closeWith(CLOSE_POLICY_VIOLATION, 'session ended');
          return;
        }
        if (
          event.type === 'identity.session_ended' &&
          viewer.sessionRef !== undefined &&
          event.payload.sessionRef === viewer.sessionRef
        ) {
          closeWith(CLOSE_POLICY_VIOLATION, 'signed out');
          return;
        }
        // Before the type filter: a console that narrowed its types must still learn its scope changed.
        const ownUserChanged =
          event.type === 'identity.user_changed' && event.payload.userId === viewer.userId;
        if (types && !types.has(event.type)) {
          if (ownUserChanged) closeWith(CLOSE_SERVICE_RESTART, 'user changed; reconnect');
          return;
        }
        const frame = frameFor(event);
        if (frame !== null) send(frame);
        if (ownUserChanged) {
          // Roles or org may have changed: make the console reconnect so its scope is recomputed.
          closeWith(CLOSE_SERVICE_RESTART, 'user changed; reconnect');
        }
      }

      // Delivered only to a viewer entitled to both: the event type's permission and its org;
      // one holding the permission outside the org gets the type's outside view, if it has one.
      function frameFor(event: DomainEvent): string | null {
        if (!viewer) return null;
        try {
          if (!(viewer.mayReceive?.(event.type) ?? true)) return null;
          return viewer.orgScope(event.orgId) ? frameOf(event) : outsideFrameOf(viewer, event);
        } catch (err) {
          req.log.error({ err, eventId: event.id }, 'live orgScope failed');
          return null;
        }
      }
    },
  );
};

export default liveGateway;
