import type { Role } from '@citywatch/core/identity/schemas';
import { App as AntApp, ConfigProvider, Result, Spin } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { createBrowserRouter, Navigate, Outlet, RouterProvider, useLocation } from 'react-router-dom';
import { hasAnyRole, SessionProvider, useSession } from './auth/session';
import { AuditPage } from './pages/audit/AuditPage';
import { CoveragePage } from './pages/coverage/CoveragePage';
import { DispatchConsole } from './pages/dispatch/DispatchConsole';
import { LoginPage } from './pages/login/LoginPage';
import { OrgsPage } from './pages/orgs/OrgsPage';
import { PerimeterPage } from './pages/perimeter/PerimeterPage';
import { NotFoundPage, PlaceholderPage } from './pages/placeholder/PlaceholderPage';
import { MapPage } from './pages/places/MapPage';
import { AppFrame } from './pages/shell/AppFrame';
import { UsersPage } from './pages/users/UsersPage';
import { theme } from './theme';

function FullPageSpin() {
  return (
    <div style={{ display: 'grid', placeItems: 'center', height: '100vh' }}>
      <Spin size="large" />
    </div>
  );
}

function RequireSession({ children }: { children: ReactNode }) {
  const { state } = useSession();
  const location = useLocation();
  if (state.status === 'loading') return <FullPageSpin />;
  if (state.status === 'anonymous') {
    return <Navigate to="/login" replace state={{ from: `${location.pathname}${location.search}` }} />;
  }
  return <>{children}</>;
}

function RequireRole({ roles, children }: { roles: readonly Role[]; children: ReactNode }) {
  const { state } = useSession();
  const { t } = useTranslation();
  if (state.status !== 'signedIn') return null;
  if (!hasAnyRole(state.session.user, roles)) {
    return <Result status="403" title={t('common.forbidden')} subTitle={t('common.forbiddenDetail')} />;
  }
  return <>{children}</>;
}

function LoginRoute() {
  const { state } = useSession();
  if (state.status === 'loading') return <FullPageSpin />;
  return <LoginPage />;
}

const router = createBrowserRouter([
  {
    element: (
      <SessionProvider>
        <Outlet />
      </SessionProvider>
    ),
    children: [
      { path: '/login', element: <LoginRoute /> },
      {
        path: '/',
        element: (
          <RequireSession>
            <AppFrame />
          </RequireSession>
        ),
        children: [
          { index: true, element: <Navigate to="/dispatch" replace /> },
          { path: 'dispatch', element: <DispatchConsole /> },
          { path: 'coverage', element: <CoveragePage /> },
          { path: 'perimeter', element: <PerimeterPage /> },
          { path: 'patrol', element: <PlaceholderPage module="patrol" /> },
          { path: 'oversight', element: <PlaceholderPage module="oversight" /> },
          { path: 'places', element: <MapPage /> },
          { path: 'metrics', element: <PlaceholderPage module="metrics" /> },
          {
            path: 'admin/users',
            element: (
              <RequireRole roles={['admin']}>
                <UsersPage />
              </RequireRole>
            ),
          },
          {
            path: 'admin/orgs',
            element: (
              <RequireRole roles={['admin']}>
                <OrgsPage />
              </RequireRole>
            ),
          },
          {
            path: 'audit',
            element: (
              <RequireRole roles={['admin', 'auditor']}>
                <AuditPage />
              </RequireRole>
            ),
          },
          { path: '*', element: <NotFoundPage /> },
        ],
      },
    ],
  },
]);

export function App() {
  const { i18n } = useTranslation();
  return (
    <ConfigProvider
      locale={i18n.language === 'en' ? enUS : zhCN}
      theme={theme}
      button={{ autoInsertSpace: false }}
    >
      <AntApp>
        <RouterProvider router={router} />
      </AntApp>
    </ConfigProvider>
  );
}
