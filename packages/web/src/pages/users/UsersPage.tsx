import { PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import type { CreateUserRequest, Org, Role, UpdateUserRequest, User } from '@citywatch/core/identity/schemas';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
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
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/client';
import { applyServerErrors } from '../../api/formErrors';
import { identityKeys, identityQueries, usersApi } from '../../api/identity';
import { useCan, useCurrentUser } from '../../auth/session';
import { formatDateTime } from '../../format';
import { buildOrgTree, toTreeSelect } from '../../shared/orgTree';

/** Each role's colour (a record: the compiler holds it to every role of core's ROLES, in order). */
const ROLE_COLORS: Record<Role, string> = {
  admin: 'red',
  commander: 'volcano',
  dispatcher: 'blue',
  patrol_officer: 'geekblue',
  industry_inspector: 'purple',
  community_officer: 'green',
  mediator: 'cyan',
  auditor: 'gold',
  enterprise: 'default',
};

const ROLES = Object.keys(ROLE_COLORS) as Role[];

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
  const { t } = useTranslation('users');
  const { t: common } = useTranslation();
  const { message } = App.useApp();
  const me = useCurrentUser();
  const can = useCan();
  const cache = useQueryClient();
  const usersQuery = useQuery(identityQueries.users());
  const orgsQuery = useQuery(identityQueries.orgs());
  const users = usersQuery.data ?? [];
  const [filter, setFilter] = useState('');
  const [editing, setEditing] = useState<Editing | null>(null);
  const loadError = usersQuery.error ?? orgsQuery.error;
  const canWrite = can('users.write');

  const act = useMutation({
    mutationFn: ({ run }: { run: () => Promise<unknown>; done: string }) => run(),
    onSuccess: (_, { done }) => void message.success(done),
    onError: (err) => void message.error(errorText(err)),
    onSettled: () => cache.invalidateQueries({ queryKey: identityKeys.users }),
  });
  const run = (fn: () => Promise<unknown>, done: string) =>
    act.mutateAsync({ run: fn, done }).catch(() => {});

  const visible = useMemo(() => {
    const q = filter.trim().toLowerCase();
    if (!q) return users;
    return users.filter(
      (u) => u.username.toLowerCase().includes(q) || u.displayName.toLowerCase().includes(q),
    );
  }, [users, filter]);

  const columns: TableColumnsType<User> = [
    {
      title: t('username'),
      dataIndex: 'username',
      width: 140,
      render: (v: string) => <span className="cw-mono">{v}</span>,
    },
    { title: t('displayName'), dataIndex: 'displayName', width: 120 },
    { title: t('org'), dataIndex: 'orgName', width: 180 },
    {
      title: t('roles'),
      dataIndex: 'roles',
      render: (roles: Role[]) => (
        <Space size={[0, 4]} wrap>
          {roles.map((r) => (
            <Tag key={r} color={ROLE_COLORS[r]}>
              {common(`roles.${r}`)}
            </Tag>
          ))}
        </Space>
      ),
    },
    {
      title: t('active'),
      dataIndex: 'active',
      width: 90,
      render: (active: boolean) =>
        active ? <Tag color="success">{t('activeYes')}</Tag> : <Tag>{t('activeNo')}</Tag>,
    },
    {
      title: t('createdAt'),
      dataIndex: 'createdAt',
      width: 170,
      render: (v: string) => formatDateTime(v),
    },
  ];
  if (canWrite)
    columns.push({
      title: common('common.actions'),
      key: 'actions',
      width: 220,
      render: (_: unknown, u: User) => (
        <Space size={0}>
          <Button type="link" size="small" onClick={() => setEditing({ mode: 'edit', user: u })}>
            {common('common.edit')}
          </Button>
          {u.active ? (
            <Popconfirm
              title={t('deactivateConfirm', { name: u.displayName })}
              okText={common('common.ok')}
              cancelText={common('common.cancel')}
              okButtonProps={{ danger: true }}
              onConfirm={() =>
                run(() => usersApi.update(u.id, { active: false }), t('deactivated', { name: u.displayName }))
              }
            >
              <Button type="link" size="small" danger disabled={u.id === me.id}>
                {t('deactivate')}
              </Button>
            </Popconfirm>
          ) : (
            <Popconfirm
              title={t('activateConfirm', { name: u.displayName })}
              okText={common('common.ok')}
              cancelText={common('common.cancel')}
              onConfirm={() =>
                run(() => usersApi.update(u.id, { active: true }), t('activated', { name: u.displayName }))
              }
            >
              <Button type="link" size="small">
                {t('activate')}
              </Button>
            </Popconfirm>
          )}
          <Popconfirm
            title={t('endSessionsConfirm', { name: u.displayName })}
            okText={common('common.ok')}
            cancelText={common('common.cancel')}
            okButtonProps={{ danger: true }}
            onConfirm={() =>
              run(() => usersApi.endSessions(u.id), t('endSessionsDone', { name: u.displayName }))
            }
          >
            <Button type="link" size="small" danger disabled={u.id === me.id}>
              {t('endSessions')}
            </Button>
          </Popconfirm>
        </Space>
      ),
    });

  return (
    <Card
      title={t('title')}
      extra={
        <Space>
          <Input.Search
            allowClear
            placeholder={t('searchPlaceholder')}
            onChange={(e) => setFilter(e.target.value)}
            style={{ width: 220 }}
          />
          <Button icon={<ReloadOutlined />} onClick={() => void usersQuery.refetch()}>
            {common('common.refresh')}
          </Button>
          {canWrite && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing({ mode: 'create' })}>
              {t('create')}
            </Button>
          )}
        </Space>
      }
    >
      {loadError && <Alert type="error" showIcon title={errorText(loadError)} style={{ marginBottom: 16 }} />}
      <Table<User>
        rowKey="id"
        size="middle"
        loading={usersQuery.isFetching}
        columns={columns}
        dataSource={visible}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        data-testid="users-table"
      />
      <UserDrawer
        editing={editing}
        orgs={orgsQuery.data ?? []}
        onClose={() => setEditing(null)}
        onSaved={(u, created) => {
          setEditing(null);
          message.success(t(created ? 'created' : 'updated', { name: u.displayName }));
          void cache.invalidateQueries({ queryKey: identityKeys.users });
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
  const { t } = useTranslation('users');
  const { t: common } = useTranslation();
  const [form] = Form.useForm<UserForm>();
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

  const save = useMutation({
    mutationFn: async ({ editing, values }: { editing: Editing; values: UserForm }) => {
      if (editing.mode === 'create') {
        const req: CreateUserRequest = {
          username: values.username.trim(),
          displayName: values.displayName.trim(),
          password: values.password ?? '',
          orgId: values.orgId,
          roles: values.roles,
        };
        return { user: await usersApi.create(req), created: true };
      }
      const req: UpdateUserRequest = {
        displayName: values.displayName.trim(),
        orgId: values.orgId,
        roles: values.roles,
      };
      if (values.password) req.password = values.password;
      return { user: await usersApi.update(editing.user.id, req), created: false };
    },
    onMutate: () => setFormError([]),
    onSuccess: ({ user, created }) => onSaved(user, created),
    onError: (err) => setFormError(applyServerErrors(form, err, USER_FIELDS)),
  });

  const onFinish = (values: UserForm) => {
    if (editing) save.mutate({ editing, values });
  };

  const required = (field: string) => ({
    required: true,
    whitespace: true,
    message: t('required', { field }),
  });

  return (
    <Drawer
      open={editing !== null}
      title={creating ? t('create') : t('editTitle')}
      size={480}
      onClose={onClose}
      forceRender
      footer={
        <Space style={{ display: 'flex', justifyContent: 'flex-end' }}>
          <Button onClick={onClose}>{common('common.cancel')}</Button>
          <Button
            type="primary"
            loading={save.isPending}
            onClick={() => form.submit()}
            data-testid="user-save"
          >
            {common('common.save')}
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
          label={t('username')}
          extra={creating ? t('usernameHint') : undefined}
          rules={creating ? [required(t('username'))] : []}
        >
          <Input disabled={!creating} autoComplete="off" />
        </Form.Item>
        <Form.Item name="displayName" label={t('displayName')} rules={[required(t('displayName'))]}>
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item
          name="password"
          label={creating ? t('password') : t('newPassword')}
          extra={creating ? t('passwordHint') : t('newPasswordHint')}
          rules={creating ? [{ required: true, message: t('required', { field: t('password') }) }] : []}
        >
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Form.Item name="orgId" label={t('org')} rules={[{ required: true, message: t('selectOrg') }]}>
          <TreeSelect treeData={treeData} treeDefaultExpandAll showSearch treeNodeFilterProp="title" />
        </Form.Item>
        <Form.Item name="roles" label={t('roles')} rules={[{ required: true, message: t('selectRoles') }]}>
          <Select mode="multiple" options={ROLES.map((r) => ({ value: r, label: common(`roles.${r}`) }))} />
        </Form.Item>
      </Form>
    </Drawer>
  );
}
