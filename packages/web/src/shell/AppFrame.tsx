import {
  GlobalOutlined,
  LogoutOutlined,
  SafetyCertificateFilled,
  SettingOutlined,
  TeamOutlined,
  UserOutlined,
} from '@ant-design/icons';
import {
  Button,
  Dropdown,
  Layout,
  Menu,
  type MenuProps,
  Popconfirm,
  Space,
  Spin,
  Tooltip,
  Typography,
} from 'antd';
import { type ReactNode, Suspense, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Outlet, useLocation, useNavigate } from 'react-router-dom';
import { useCan, useCurrentUser, useSession } from '../auth/session';
import i18n, { currentLanguage, LANGUAGES, setLanguage } from '../i18n';
import { LiveProvider } from '../live/LiveProvider';
import { type AppPage, PAGES } from '../pages';
import type { NavGroup } from '../pages/page';

type MenuItem = Required<MenuProps>['items'][number];

const GROUPS: Record<NavGroup, { icon: ReactNode; label: 'menu.system' }> = {
  system: { icon: <SettingOutlined />, label: 'menu.system' },
};

/** A page's menu label: the `menu` message of its own namespace. */
function pageLabel(page: AppPage): string {
  return i18n.t('menu', { ns: page.namespace });
}

/** The signed-in frame: header, the menu of the pages this user may see, and the page. */
export function AppFrame() {
  const { t, i18n: instance } = useTranslation();
  const user = useCurrentUser();
  const can = useCan();
  const { logout } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [collapsed, setCollapsed] = useState(false);

  const visible = useMemo(
    () => PAGES.filter((p) => can(p.permission)).sort((a, b) => a.nav.order - b.nav.order),
    [can],
  );

  // biome-ignore lint/correctness/useExhaustiveDependencies: labels follow the language
  const items = useMemo<MenuItem[]>(() => {
    const out: MenuItem[] = [];
    const groups = new Map<NavGroup, MenuItem[]>();
    for (const page of visible) {
      const item: MenuItem = { key: `/${page.path}`, icon: page.nav.icon, label: pageLabel(page) };
      const group = page.nav.group;
      if (!group) {
        out.push(item);
        continue;
      }
      let children = groups.get(group);
      if (!children) {
        children = [];
        groups.set(group, children);
        out.push({ key: group, icon: GROUPS[group].icon, label: t(GROUPS[group].label), children });
      }
      children.push(item);
    }
    return out;
  }, [visible, t, instance.language]);

  const path = location.pathname;
  const current = visible.find((p) => path === `/${p.path}` || path.startsWith(`/${p.path}/`));

  // Keep a group unfolded while one of its pages is shown (also after navigating there by URL).
  const [openKeys, setOpenKeys] = useState<string[]>([]);
  const openGroup = current?.nav.group;
  useEffect(() => {
    if (openGroup) setOpenKeys((keys) => (keys.includes(openGroup) ? keys : [...keys, openGroup]));
  }, [openGroup]);

  const langMenu: MenuProps = {
    selectable: true,
    selectedKeys: [currentLanguage()],
    items: LANGUAGES.map((lng) => ({ key: lng, label: t(`lang.${lng}`) })),
    onClick: ({ key }) => {
      const lng = LANGUAGES.find((l) => l === key);
      if (lng) void setLanguage(lng);
    },
  };

  return (
    <LiveProvider>
      <Layout style={{ minHeight: '100vh' }}>
        <Layout.Header
          style={{ display: 'flex', alignItems: 'center', gap: 16, position: 'sticky', top: 0, zIndex: 10 }}
        >
          <Space size={10} style={{ flex: 'none' }}>
            <SafetyCertificateFilled style={{ fontSize: 26, color: '#f5c518' }} />
            <Typography.Text
              strong
              style={{ color: '#fff', fontSize: 17, whiteSpace: 'nowrap' }}
              data-testid="app-name"
            >
              {t('app.name')}
            </Typography.Text>
          </Space>
          <div style={{ flex: 1 }} />
          <Space size={20} style={{ color: 'rgba(255,255,255,0.85)' }}>
            <Tooltip title={t('shell.org')}>
              <Space size={6}>
                <TeamOutlined />
                <span data-testid="header-org">{user.orgName}</span>
              </Space>
            </Tooltip>
            <Space size={6}>
              <UserOutlined />
              <span data-testid="header-user">{user.displayName}</span>
              <Typography.Text style={{ color: 'rgba(255,255,255,0.55)', fontSize: 12 }}>
                {user.roles.map((r) => t(`roles.${r}`)).join('、')}
              </Typography.Text>
            </Space>
            <Dropdown menu={langMenu} trigger={['click']}>
              <Button
                type="text"
                icon={<GlobalOutlined />}
                style={{ color: '#fff' }}
                data-testid="lang-switch"
              >
                {t(`lang.${currentLanguage()}`)}
              </Button>
            </Dropdown>
            <Popconfirm
              title={t('shell.logoutConfirm')}
              okText={t('common.ok')}
              cancelText={t('common.cancel')}
              placement="bottomRight"
              onConfirm={() => logout()}
            >
              <Button type="text" icon={<LogoutOutlined />} style={{ color: '#fff' }} data-testid="logout">
                {t('shell.logout')}
              </Button>
            </Popconfirm>
          </Space>
        </Layout.Header>
        <Layout>
          <Layout.Sider
            width={220}
            collapsible
            collapsed={collapsed}
            onCollapse={setCollapsed}
            style={{ position: 'sticky', top: 56, height: 'calc(100vh - 56px)', overflow: 'auto' }}
          >
            <Menu
              theme="dark"
              mode="inline"
              items={items}
              selectedKeys={current ? [`/${current.path}`] : []}
              openKeys={collapsed ? undefined : openKeys}
              onOpenChange={setOpenKeys}
              onClick={({ key }) => navigate(key)}
              style={{ borderInlineEnd: 0 }}
              data-testid="main-menu"
            />
          </Layout.Sider>
          <Layout.Content style={{ padding: 20, minWidth: 0 }}>
            {/* A page's chunk loads on first visit; the frame stays meanwhile. */}
            <Suspense
              fallback={
                <div style={{ display: 'grid', placeItems: 'center', height: 'calc(100vh - 96px)' }}>
                  <Spin size="large" />
                </div>
              }
            >
              <Outlet />
            </Suspense>
          </Layout.Content>
        </Layout>
      </Layout>
    </LiveProvider>
  );
}
