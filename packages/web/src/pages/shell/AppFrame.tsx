import {
  AimOutlined,
  AlertOutlined,
  ApartmentOutlined,
  AuditOutlined,
  BarChartOutlined,
  BlockOutlined,
  EnvironmentOutlined,
  GlobalOutlined,
  LogoutOutlined,
  RadarChartOutlined,
  SafetyCertificateFilled,
  SafetyOutlined,
  SettingOutlined,
  TeamOutlined,
  UserOutlined,
} from '@ant-design/icons';
import type { Role } from '@citywatch/core/identity/schemas';
import { Button, Dropdown, Layout, Menu, type MenuProps, Popconfirm, Space, Tooltip, Typography } from 'antd';
import { type ReactNode, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Outlet, useLocation, useNavigate } from 'react-router-dom';
import { hasAnyRole, useCurrentUser, useSession } from '../../auth/session';
import { currentLanguage, LANGUAGES, setLanguage } from '../../i18n';

type MenuItem = Required<MenuProps>['items'][number];

type NavEntry = { path: string; label: string; icon: ReactNode };

const ADMIN_ONLY: readonly Role[] = ['admin'];
const AUDIT_ROLES: readonly Role[] = ['admin', 'auditor'];
const NAV_KEYS = [
  '/dispatch',
  '/coverage',
  '/perimeter',
  '/patrol',
  '/oversight',
  '/places',
  '/metrics',
  '/admin/users',
  '/admin/orgs',
  '/audit',
];

export function AppFrame() {
  const { t } = useTranslation();
  const user = useCurrentUser();
  const { logout } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [collapsed, setCollapsed] = useState(false);

  const items = useMemo<MenuItem[]>(() => {
    const layers: NavEntry[] = [
      { path: '/dispatch', label: t('menu.dispatch'), icon: <AlertOutlined /> },
      { path: '/coverage', label: t('menu.coverage'), icon: <RadarChartOutlined /> },
      { path: '/perimeter', label: t('menu.perimeter'), icon: <AimOutlined /> },
      { path: '/patrol', label: t('menu.patrol'), icon: <BlockOutlined /> },
      { path: '/oversight', label: t('menu.oversight'), icon: <SafetyOutlined /> },
      { path: '/places', label: t('menu.places'), icon: <EnvironmentOutlined /> },
      { path: '/metrics', label: t('menu.metrics'), icon: <BarChartOutlined /> },
    ];
    const out: MenuItem[] = layers.map((e) => ({ key: e.path, icon: e.icon, label: e.label }));
    if (hasAnyRole(user, ADMIN_ONLY)) {
      out.push({
        key: 'system',
        icon: <SettingOutlined />,
        label: t('menu.system'),
        children: [
          { key: '/admin/users', icon: <UserOutlined />, label: t('menu.users') },
          { key: '/admin/orgs', icon: <ApartmentOutlined />, label: t('menu.orgs') },
        ],
      });
    }
    if (hasAnyRole(user, AUDIT_ROLES)) {
      out.push({ key: '/audit', icon: <AuditOutlined />, label: t('menu.audit') });
    }
    return out;
  }, [t, user]);

  const selected = useMemo(() => {
    const p = location.pathname;
    return NAV_KEYS.filter((k) => p === k || p.startsWith(`${k}/`));
  }, [location.pathname]);

  // Keep 系统管理 unfolded while one of its pages is shown (also after navigating there by URL).
  const [openKeys, setOpenKeys] = useState<string[]>([]);
  const inSystem = location.pathname.startsWith('/admin/');
  useEffect(() => {
    if (inSystem) setOpenKeys((keys) => (keys.includes('system') ? keys : [...keys, 'system']));
  }, [inSystem]);

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
            <Button type="text" icon={<GlobalOutlined />} style={{ color: '#fff' }} data-testid="lang-switch">
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
            selectedKeys={selected}
            openKeys={collapsed ? undefined : openKeys}
            onOpenChange={setOpenKeys}
            onClick={({ key }) => navigate(key)}
            style={{ borderInlineEnd: 0 }}
            data-testid="main-menu"
          />
        </Layout.Sider>
        <Layout.Content style={{ padding: 20, minWidth: 0 }}>
          <Outlet />
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
