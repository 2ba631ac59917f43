import type { EventBase } from '../events/events.js';

declare module '../events/events.js' {
  interface DomainEventPayloads {
    'identity.user_changed': { userId: string; username: string };
    'identity.org_changed': { orgId: string; name: string };
    'identity.sessions_ended': { userId: string };
    /** One session ended (logout): its live sockets close. The ref is a hash, not the token's. */
    'identity.session_ended': { sessionRef: string };
  }
}

export type SessionsEndedEvent = EventBase<'identity.sessions_ended', { userId: string }>;
