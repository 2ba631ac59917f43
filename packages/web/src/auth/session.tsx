import type { SessionInfo, User } from '@citywatch/core/identity/schemas';
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
import { useLocation, useNavigate } from 'react-router-dom';
import { ApiError, setUnauthorizedHandler } from '../api/client';
import { authApi } from '../api/identity';

type SessionState =
  | { status: 'loading' }
  | { status: 'anonymous' }
  | { status: 'signedIn'; session: SessionInfo };

type SessionContextValue = {
  state: SessionState;
  login: (username: string, password: string) => Promise<SessionInfo>;
  logout: () => Promise<void>;
  /** Asks the server again who is signed in and what they may do (after the user was changed). */
  refresh: () => Promise<void>;
};

const SessionContext = createContext<SessionContextValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  const navigate = useNavigate();
  const location = useLocation();
  const queryClient = useQueryClient();

  const probe = useCallback(async (isCurrent: () => boolean = () => true) => {
    try {
      const session = await authApi.me();
      if (isCurrent()) setState({ status: 'signedIn', session });
    } catch (err) {
      if (!isCurrent()) return;
      if (!(err instanceof ApiError) || err.status !== 401) console.error('session probe failed', err);
      setState({ status: 'anonymous' });
    }
  }, []);

  useEffect(() => {
    let current = true;
    void probe(() => current);
    return () => {
      current = false;
    };
  }, [probe]);

  // Signed out: nothing the session loaded stays in the cache. Only on the way out of a session:
  // clearing when the first probe finds none would also drop queries in flight that need no
  // session (the public pages lost theirs that way; login clears the cache itself).
  const previousStatus = useRef(state.status);
  useEffect(() => {
    if (state.status === 'anonymous' && previousStatus.current === 'signedIn') queryClient.clear();
    previousStatus.current = state.status;
  }, [state.status, queryClient]);

  // Any 401 from any call: the session is gone, go to the login page and come back afterwards.
  const here = `${location.pathname}${location.search}`;
  useEffect(() => {
    setUnauthorizedHandler(() => {
      setState({ status: 'anonymous' });
      if (location.pathname !== '/login') navigate('/login', { replace: true, state: { from: here } });
    });
    return () => setUnauthorizedHandler(null);
  }, [navigate, here, location.pathname]);

  const login = useCallback(
    async (username: string, password: string) => {
      const session = await authApi.login({ username, password });
      queryClient.clear();
      setState({ status: 'signedIn', session });
      return session;
    },
    [queryClient],
  );

  const logout = useCallback(async () => {
    try {
      await authApi.logout();
    } finally {
      setState({ status: 'anonymous' });
      navigate('/login', { replace: true });
    }
  }, [navigate]);

  const refresh = useCallback(() => probe(), [probe]);

  const value = useMemo(() => ({ state, login, logout, refresh }), [state, login, logout, refresh]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const ctx = useContext(SessionContext);
  if (!ctx) throw new Error('useSession outside SessionProvider');
  return ctx;
}

/** The signed-in user; only for pages rendered inside the app frame. */
export function useCurrentUser(): User {
  const { state } = useSession();
  if (state.status !== 'signedIn') throw new Error('useCurrentUser without a session');
  return state.session.user;
}

/**
 * Whether the signed-in user holds a permission, as the server granted it with the session
 * (`permissions` of /api/auth/me). `null` asks for no permission: any signed-in user.
 */
export type Can = (permission: string | null) => boolean;

export function useCan(): Can {
  const { state } = useSession();
  const granted = state.status === 'signedIn' ? state.session.permissions : null;
  return useMemo(() => {
    const set = new Set(granted ?? []);
    return (permission) => granted !== null && (permission === null || set.has(permission));
  }, [granted]);
}
