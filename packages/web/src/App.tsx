import { QueryClientProvider } from '@tanstack/react-query';
import { App as AntApp, ConfigProvider } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { lazy, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { createBrowserRouter, Outlet, RouterProvider } from 'react-router-dom';
import { createQueryClient } from './api/queryClient';
import { SessionProvider, useSession } from './auth/session';
import { PAGES } from './pages';
import { FullPageSpin, HomeRedirect, RequirePermission, RequireSession } from './shell/guards';
import { theme } from './theme';

// Loaded on demand: the login page needs none of the frame, and each page is its own chunk.
const LoginPage = lazy(() => import('./pages/login/LoginPage').then((m) => ({ default: m.LoginPage })));
const AppFrame = lazy(() => import('./shell/AppFrame').then((m) => ({ default: m.AppFrame })));
// The citizens' report page: public, phone-sized, outside the frame (pages/community).
const ReportPage = lazy(() =>
  import('./pages/community/ReportPage').then((m) => ({ default: m.ReportPage })),
);
// A volunteer's phone page: public, the link's token speaks (pages/community).
const VolunteerPhonePage = lazy(() =>
  import('./pages/community/VolunteerPhonePage').then((m) => ({ default: m.VolunteerPhonePage })),
);
// The command-centre wall (大屏): full screen, dark, outside the frame (pages/metrics).
const WallRoute = lazy(() => import('./pages/metrics/WallRoute').then((m) => ({ default: m.WallRoute })));
const NotFoundPage = lazy(() => import('./shell/Results').then((m) => ({ default: m.NotFoundPage })));

const queryClient = createQueryClient();

function LoginRoute() {
  const { state } = useSession();
  if (state.status === 'loading') return <FullPageSpin />;
  return <LoginPage />;
}

const router = createBrowserRouter([
  // The public pages stay outside the session: its probe of /api/auth/me answers 401 there, and
  // the anonymous session then clears the query cache, dropping the page's own query in flight
  // (the report page's categories never showed, the volunteer page's request was aborted).
  {
    element: (
      <Suspense fallback={<FullPageSpin />}>
        <Outlet />
      </Suspense>
    ),
    children: [
      { path: '/report', element: <ReportPage /> },
      { path: '/volunteer', element: <VolunteerPhonePage /> },
    ],
  },
  {
    element: (
      <SessionProvider>
        <Suspense fallback={<FullPageSpin />}>
          <Outlet />
        </Suspense>
      </SessionProvider>
    ),
    children: [
      { path: '/login', element: <LoginRoute /> },
      {
        path: '/wall',
        element: (
          <RequireSession>
            <RequirePermission permission="indicators.read">
              <WallRoute />
            </RequirePermission>
          </RequireSession>
        ),
      },
      {
        path: '/',
        element: (
          <RequireSession>
            <AppFrame />
          </RequireSession>
        ),
        children: [
          { index: true, element: <HomeRedirect /> },
          ...PAGES.map((page) => ({
            path: page.path,
            element: (
              <RequirePermission permission={page.permission}>
                <page.element />
              </RequirePermission>
            ),
          })),
          { path: '*', element: <NotFoundPage /> },
        ],
      },
    ],
  },
]);

export function App() {
  const { i18n } = useTranslation();
  return (
    <QueryClientProvider client={queryClient}>
      <ConfigProvider
        locale={i18n.language === 'en' ? enUS : zhCN}
        theme={theme}
        button={{ autoInsertSpace: false }}
      >
        <AntApp>
          <RouterProvider router={router} />
        </AntApp>
      </ConfigProvider>
    </QueryClientProvider>
  );
}
