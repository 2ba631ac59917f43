import type { DomainEvent, DomainEventType, EventOfType } from '@citywatch/core/events/events';
import { useQueryClient } from '@tanstack/react-query';
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { useCan, useSession } from '../auth/session';
import { type LiveStatus, openLiveFeed } from './connection';
import { LIVE_EVENT_TYPES, liveCacheSync } from './invalidation';

export type { LiveStatus };

type Listener = (event: DomainEvent) => void;

type LiveContextValue = {
  status: LiveStatus;
  listen: (type: DomainEventType, listener: Listener) => () => void;
};

const LiveContext = createContext<LiveContextValue | null>(null);

/**
 * The app's one live feed, for as long as someone is signed in: events patch and invalidate the
 * query cache through the table in ./invalidation, and reach the few listeners that need the event
 * itself. After a reconnect the session is asked again (the server closes the feed with 1012 when
 * the user was changed: roles, and so permissions, may be different now).
 */
export function LiveProvider({ children }: { children: ReactNode }) {
  const cache = useQueryClient();
  const { refresh } = useSession();
  // Enterprise users hold no live.subscribe: no feed is opened for them (the server would refuse it).
  const mayListen = useCan()('live.subscribe');
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const listeners = useRef(new Map<DomainEventType, Set<Listener>>());

  useEffect(() => {
    if (!mayListen) {
      setStatus('closed');
      return;
    }
    const sync = liveCacheSync(cache);
    let connectingSince = Date.now();
    let opened = 0;
    const close = openLiveFeed(LIVE_EVENT_TYPES, {
      onStatus: (next) => {
        if (next === 'connecting') connectingSince = Date.now();
        setStatus(next);
      },
      onOpen: ({ resumed }) => {
        // Resumed: the server replayed every event missed while away; nothing to reload.
        if (!resumed) sync.resync(connectingSince);
        if (opened++ > 0) void refresh();
      },
      onEvent: (event) => {
        sync.apply(event);
        for (const listener of listeners.current.get(event.type) ?? []) listener(event);
      },
      onSessionEnded: () => void refresh(),
    });
    return () => {
      close();
      sync.stop();
    };
  }, [cache, refresh, mayListen]);

  const listen = useCallback((type: DomainEventType, listener: Listener) => {
    const set = listeners.current.get(type) ?? new Set();
    set.add(listener);
    listeners.current.set(type, set);
    return () => {
      set.delete(listener);
    };
  }, []);

  const value = useMemo<LiveContextValue>(() => ({ status, listen }), [status, listen]);
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

function useLive(): LiveContextValue {
  const ctx = useContext(LiveContext);
  if (!ctx) throw new Error('live feed used outside LiveProvider');
  return ctx;
}

/** Whether the live feed is up: open, connecting, or closed (and about to reconnect). */
export function useLiveStatus(): LiveStatus {
  return useLive().status;
}

/** Calls `handler` with each live event of this type, while the component is mounted. */
export function useLiveEvent<T extends DomainEventType>(type: T, handler: (event: EventOfType<T>) => void) {
  const { listen } = useLive();
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => listen(type, (event) => latest.current(event as EventOfType<T>)), [listen, type]);
}
