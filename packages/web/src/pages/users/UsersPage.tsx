import { PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import {
  type CreateUserRequest,
  type Org,
  ROLES,
  type Role,
  type UpdateUserRequest,
  type User,
} from '@citywatch/core/identity/schemas';
import {
  Alert,
  App,
  Button,
  Card,
  Drawer,
  Form,
  Input,
  Popconfirm,
  Select,
  Space,
  Table,
  type TableColumnsType,
  Tag,
  TreeSelect,
} from 'antd';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api/client';
import { applyServerErrors } from '../../api/formErrors';
import { orgsApi, usersApi } from '../../api/identity';
import { useCurrentUser } from '../../auth/session';
import { formatDateTime } from '../../format';
import { buildOrgTree, toTreeSelect } from '../orgs/orgTree';

const ROLE_COLORS: Record<Role, string> = {
  admin: 'red',
  commander: 'volcano',
  dispatcher: 'blue',
  patrol_officer: 'geekblue',
  industry_inspector: 'purple',
  community_officer: 'green',
  mediator: 'cyan',
  auditor: 'gold',
};

type UserForm = {
  username: string;
  displayName: string;
  password?: string;
  orgId: string;
  roles: Role[];
};
const USER_FIELDS = ['username', 'displayName', 'password', 'orgId', 'roles'] as const;

type Editing = { mode: 'create' } | { mode: 'edit'; user: User };

export function UsersPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const me = useCurrentUser();
  const [users, setUsers] = useState<User[]>([]);
  const [orgs, setOrgs] = useState<Org[]>([]);
  const [loading, setLoading] = useState(true);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [filter, setFilter] = useState('');
  const [editing, setEditing] = useState<Editing | null>(null);

  const load = useCallback(async () => {
    setLoading(true);
    setLoadError(null);
    try {
      const [u, o] = await Promise.all([usersApi.list(), orgsApi.list()]);
      setUsers(u);
      setOrgs(o);
    } catch (err) {
      setLoadError(err instanceof ApiError ? err.display : String(err));
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const act = async (fn: () => Promise<unknown>, done: string) => {
    try {
      await fn();
      message.success(done);
      await load();
    } catch (err) {
      message.error(err instanceof ApiError ? err.display : String(err));
    }
  };

  const visible = useMemo(() => {
    const q = filter.trim().toLowerCase();
    if (!q) return users;
    return users.filter(
      (u) => u.username.toLowerCase().includes(q) || u.displayName.toLowerCase().includes(q),
    );
  }, [users, filter]);

  const columns: TableColumnsType<User> = [
    {
      title: t('users.username'),
      dataIndex: 'username',
      width: 140,
      render: (v: string) => <span className="cw-mono">{v}</span>,
    },
    { title: t('users.displayName'), dataIndex: 'displayName', width: 120 },
    { title: t('users.org'), dataIndex: 'orgName', width: 180 },
    {
      title: t('users.roles'),
      dataIndex: 'roles',
      render: (roles: Role[]) => (
        <Space size={[0, 4]} wrap>
          {roles.map((r) => (
            <Tag key={r} color={ROLE_COLORS[r]}>
              {t(`roles.${r}`)}
            </Tag>
          ))}
        </Space>
      ),
    },
    {
      title: t('users.active'),
      dataIndex: 'active',
      width: 90,
      render: (active: boolean) =>
        active ? <Tag color="success">{t('users.activeYes')}</Tag> : <Tag>{t('users.activeNo')}</Tag>,
    },
    {
      title: t('users.createdAt'),
      dataIndex: 'createdAt',
      width: 170,
      render: (v: string) => formatDateTime(v),
    },
    {
      title: t('common.actions'),
      key: 'actions',
      width: 220,
      render: (_: unknown, u: User) => (
        <Space size={0}>
          <Button type="link" size="small" onClick={() => setEditing({ mode: 'edit', user: u })}>
            {t('common.edit')}
          </Button>
          {u.active ? (
            <Popconfirm
              title={t('users.deactivateConfirm', { name: u.displayName })}
              okText={t('common.ok')}
              cancelText={t('common.cancel')}
              okButtonProps={{ danger: true }}
              onConfirm={() =>
                act(
                  () => usersApi.update(u.id, { active: false }),
                  t('users.deactivated', { name: u.displayName }),
                )
              }
            >
              <Button type="link" size="small" danger disabled={u.id === me.id}>
                {t('users.deactivate')}
              </Button>
            </Popconfirm>
          ) : (
            <Popconfirm
              title={t('users.activateConfirm', { name: u.displayName })}
              okText={t('common.ok')}
              cancelText={t('common.cancel')}
              onConfirm={() =>
                act(
                  () => usersApi.update(u.id, { active: true }),
                  t('users.activated', { name: u.displayName }),
                )
              }
            >
              <Button type="link" size="small">
                {t('users.activate')}
              </Button>
            </Popconfirm>
          )}
          <Popconfirm
            title={t('users.endSessionsConfirm', { name: u.displayName })}
            okText={t('common.ok')}
            cancelText={t('common.cancel')}
            okButtonProps={{ danger: true }}
            onConfirm={() =>
              act(() => usersApi.endSessions(u.id), t('users.endSessionsDone', { name: u.displayName }))
            }
          >
            <Button type="link" size="small" danger disabled={u.id === me.id}>
              {t('users.endSessions')}
            </Button>
          </Popconfirm>
        </Space>
      ),
    },
  ];

  return (
    <Card
      title={t('users.title')}
      extra={
        <Space>
          <Input.Search
            allowClear
            placeholder={t('users.searchPlaceholder')}
            onChange={(e) => setFilter(e.target.value)}
            style={{ width: 220 }}
          />
          <Button icon={<ReloadOutlined />} onClick={() => void load()}>
            {t('common.refresh')}
          </Button>
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing({ mode: 'create' })}>
            {t('users.create')}
          </Button>
        </Space>
      }
    >
      {loadError && <Alert type="error" showIcon title={loadError} style={{ marginBottom: 16 }} />}
      <Table<User>
        rowKey="id"
        size="middle"
        loading={loading}
        columns={columns}
        dataSource={visible}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        data-testid="users-table"
      />
      <UserDrawer
        editing={editing}
        orgs={orgs}
        onClose={() => setEditing(null)}
        onSaved={(u, created) => {
          setEditing(null);
          message.success(t(created ? 'users.created' : 'users.updated', { name: u.displayName }));
          void load();
        }}
      />
    </Card>
  );
}

function UserDrawer({
  editing,
  orgs,
  onClose,
  onSaved,
}: {
  editing: Editing | null;
  orgs: Org[];
  onClose: () => void;
  onSaved: (user: User, created: boolean) => void;
}) {
  const { t } = useTranslation();
  const [form] = Form.useForm<UserForm>();
  const [saving, setSaving] = useState(false);
  const [formError, setFormError] = useState<string[]>([]);
  const treeData = useMemo(() => toTreeSelect(buildOrgTree(orgs)), [orgs]);
  const creating = editing?.mode === 'create';

  useEffect(() => {
    if (!editing) return;
    setFormError([]);
    form.resetFields();
    if (editing.mode === 'edit') {
      const u = editing.user;
      form.setFieldsValue({
        username: u.username,
        displayName: u.displayName,
        orgId: u.orgId,
        roles: u.roles,
      });
    }
  }, [editing, form]);

  const onFinish = async (values: UserForm) => {
    if (!editing) return;
    setSaving(true);
    setFormError([]);
    try {
      if (editing.mode === 'create') {
        const req: CreateUserRequest = {
          username: values.username.trim(),
          displayName: values.displayName.trim(),
          password: values.password ?? '',
          orgId: values.orgId,
          roles: values.roles,
        };
        onSaved(await usersApi.create(req), true);
      } else {
        const req: UpdateUserRequest = {
          displayName: values.displayName.trim(),
          orgId: values.orgId,
          roles: values.roles,
        };
        if (values.password) req.password = values.password;
        onSaved(await usersApi.update(editing.user.id, req), false);
      }
    } catch (err) {
      setFormError(applyServerErrors(form, err, USER_FIELDS));
    } finally {
      setSaving(false);
    }
  };

  const required = (field: string) => ({
    required: true,
    whitespace: true,
    message: t('users.required', { field }),
  });

  return (
    <Drawer
      open={editing !== null}
      title={creating ? t('users.create') : t('users.editTitle')}
      size={480}
      onClose={onClose}
      forceRender
      footer={
        <Space style={{ display: 'flex', justifyContent: 'flex-end' }}>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button type="primary" loading={saving} onClick={() => form.submit()} data-testid="user-save">
            {t('common.save')}
          </Button>
        </Space>
      }
    >
      {formError.length > 0 && (
        <Alert
          type="error"
          showIcon
          title={formError.join('；')}
          style={{ marginBottom: 16 }}
          data-testid="user-form-error"
        />
      )}
      <Form<UserForm> form={form} layout="vertical" onFinish={onFinish} requiredMark="optional" name="user">
        <Form.Item
          name="username"
          label={t('users.username')}
          extra={creating ? t('users.usernameHint') : undefined}
          rules={creating ? [required(t('users.username'))] : []}
        >
          <Input disabled={!creating} autoComplete="off" />
        </Form.Item>
        <Form.Item
          name="displayName"
          label={t('users.displayName')}
          rules={[required(t('users.displayName'))]}
        >
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item
          name="password"
          label={creating ? t('users.password') : t('users.newPassword')}
          extra={creating ? t('users.passwordHint') : t('users.newPasswordHint')}
          rules={
            creating ? [{ required: true, message: t('users.required', { field: t('users.password') }) }] : []
          }
        >
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Form.Item
          name="orgId"
          label={t('users.org')}
          rules={[{ required: true, message: t('users.selectOrg') }]}
        >
          <TreeSelect treeData={treeData} treeDefaultExpandAll showSearch treeNodeFilterProp="title" />
        </Form.Item>
        <Form.Item
          name="roles"
          label={t('users.roles')}
          rules={[{ required: true, message: t('users.selectRoles') }]}
        >
          <Select mode="multiple" options={ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }))} />
        </Form.Item>
      </Form>
    </Drawer>
  );
}
