import type { Role, SessionInfo, User } from '@citywatch/core/identity/schemas';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
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
};

const SessionContext = createContext<SessionContextValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  const navigate = useNavigate();
  const location = useLocation();

  useEffect(() => {
    let cancelled = false;
    authApi
      .me()
      .then((session) => {
        if (!cancelled) setState({ status: 'signedIn', session });
      })
      .catch((err: unknown) => {
        if (cancelled) return;
        if (!(err instanceof ApiError) || err.status !== 401) console.error('session probe failed', err);
        setState({ status: 'anonymous' });
      });
    return () => {
      cancelled = true;
    };
  }, []);

  // Any 401 from any call: the session is gone, go to the login page and come back afterwards.
  const here = `${location.pathname}${location.search}`;
  useEffect(() => {
    setUnauthorizedHandler(() => {
      setState({ status: 'anonymous' });
      if (location.pathname !== '/login') navigate('/login', { replace: true, state: { from: here } });
    });
    return () => setUnauthorizedHandler(null);
  }, [navigate, here, location.pathname]);

  const login = useCallback(async (username: string, password: string) => {
    const session = await authApi.login({ username, password });
    setState({ status: 'signedIn', session });
    return session;
  }, []);

  const logout = useCallback(async () => {
    try {
      await authApi.logout();
    } finally {
      setState({ status: 'anonymous' });
      navigate('/login', { replace: true });
    }
  }, [navigate]);

  const value = useMemo(() => ({ state, login, logout }), [state, login, logout]);
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

export function hasAnyRole(user: User, roles: readonly Role[]): boolean {
  return user.roles.some((r) => roles.includes(r));
}
