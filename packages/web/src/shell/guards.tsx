import { Spin } from 'antd';
import { lazy, type ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import { useCan, useSession } from '../auth/session';
import { PAGES } from '../pages';

const ForbiddenPage = lazy(() => import('./Results').then((m) => ({ default: m.ForbiddenPage })));
const ChangePasswordPage = lazy(() =>
  import('./ChangePasswordPage').then((m) => ({ default: m.ChangePasswordPage })),
);

export function FullPageSpin() {
  return (
    <div style={{ display: 'grid', placeItems: 'center', height: '100vh' }}>
      <Spin size="large" />
    </div>
  );
}

/** Signed in, or sent to the login page (and back here afterwards). */
export function RequireSession({ children }: { children: ReactNode }) {
  const { state } = useSession();
  const location = useLocation();
  if (state.status === 'loading') return <FullPageSpin />;
  if (state.status === 'anonymous') {
    return <Navigate to="/login" replace state={{ from: `${location.pathname}${location.search}` }} />;
  }
  // A generated or reset password: nothing else until the owner has chosen their own.
  if (state.session.mustChangePassword) return <ChangePasswordPage />;
  return <>{children}</>;
}

/** The page, if the server granted its permission to this user; else 403. */
export function RequirePermission({
  permission,
  children,
}: {
  permission: string | null;
  children: ReactNode;
}) {
  const can = useCan();
  return can(permission) ? children : <ForbiddenPage />;
}

/** `/`: the first page of the menu this user may open. */
export function HomeRedirect() {
  const can = useCan();
  const first = [...PAGES].sort((a, b) => a.nav.order - b.nav.order).find((p) => can(p.permission));
  return <Navigate to={first ? `/${first.path}` : '/login'} replace />;
}
