import { PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import type { CreateOrgRequest, Org, OrgKind } from '@citywatch/core/identity/schemas';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Card,
  Form,
  Input,
  Modal,
  Select,
  Table,
  type TableColumnsType,
  Tag,
  Typography,
} from 'antd';
import { type Key, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/client';
import { applyServerErrors } from '../../api/formErrors';
import { identityKeys, identityQueries, orgsApi } from '../../api/identity';
import { useCan } from '../../auth/session';
import { buildOrgTree, childKinds, type OrgNode } from '../../shared/orgTree';

const KIND_COLORS: Record<OrgKind, string> = {
  city_bureau: 'red',
  branch_bureau: 'blue',
  police_station: 'green',
  team: 'default',
};

type OrgForm = { name: string; code: string; kind: OrgKind };
const NO_ORGS: Org[] = [];
const ORG_FIELDS = ['name', 'code', 'kind'] as const;

export function OrgsPage() {
  const { t } = useTranslation('orgs');
  const { t: common } = useTranslation();
  const { message } = App.useApp();
  const can = useCan();
  const cache = useQueryClient();
  const orgsQuery = useQuery(identityQueries.orgs());
  const orgs = orgsQuery.data ?? NO_ORGS;
  const [parent, setParent] = useState<Org | null>(null);
  const [expanded, setExpanded] = useState<readonly Key[] | null>(null);

  const tree = useMemo(() => buildOrgTree(orgs), [orgs]);
  // Everything open until the user folds something.
  const expandedKeys = expanded ?? orgs.map((o) => o.id);

  const columns: TableColumnsType<OrgNode> = [
    { title: t('name'), dataIndex: 'name' },
    {
      title: t('kind'),
      dataIndex: 'kind',
      width: 140,
      render: (k: OrgKind) => <Tag color={KIND_COLORS[k]}>{common(`orgKinds.${k}`)}</Tag>,
    },
    {
      title: t('code'),
      dataIndex: 'code',
      width: 180,
      render: (v: string) => <span className="cw-mono">{v}</span>,
    },
    {
      title: common('common.actions'),
      key: 'actions',
      width: 140,
      render: (_: unknown, o: OrgNode) =>
        can('orgs.write') && childKinds(o.kind).length > 0 ? (
          <Button type="link" size="small" icon={<PlusOutlined />} onClick={() => setParent(o)}>
            {t('addChild')}
          </Button>
        ) : null,
    },
  ];

  return (
    <Card
      title={t('title')}
      extra={
        <Button icon={<ReloadOutlined />} onClick={() => void orgsQuery.refetch()}>
          {common('common.refresh')}
        </Button>
      }
    >
      {orgsQuery.error && (
        <Alert type="error" showIcon title={errorText(orgsQuery.error)} style={{ marginBottom: 16 }} />
      )}
      <Table<OrgNode>
        rowKey="id"
        size="middle"
        loading={orgsQuery.isFetching}
        columns={columns}
        dataSource={tree}
        pagination={false}
        expandable={{ expandedRowKeys: expandedKeys, onExpandedRowsChange: (keys) => setExpanded(keys) }}
        data-testid="orgs-table"
        footer={() => (
          <Typography.Text type="secondary">{t('total', { count: orgs.length })}</Typography.Text>
        )}
      />
      <AddOrgModal
        parent={parent}
        onClose={() => setParent(null)}
        onCreated={(org) => {
          setParent(null);
          message.success(t('created', { name: org.name }));
          void cache.invalidateQueries({ queryKey: identityKeys.orgs });
        }}
      />
    </Card>
  );
}

function AddOrgModal({
  parent,
  onClose,
  onCreated,
}: {
  parent: Org | null;
  onClose: () => void;
  onCreated: (org: Org) => void;
}) {
  const { t } = useTranslation('orgs');
  const { t: common } = useTranslation();
  const [form] = Form.useForm<OrgForm>();
  const [formError, setFormError] = useState<string[]>([]);
  const kinds = parent ? childKinds(parent.kind) : [];

  useEffect(() => {
    if (!parent) return;
    setFormError([]);
    form.resetFields();
    const first = childKinds(parent.kind)[0];
    if (first) form.setFieldsValue({ kind: first });
  }, [parent, form]);

  const create = useMutation({
    mutationFn: (req: CreateOrgRequest) => orgsApi.create(req),
    onMutate: () => setFormError([]),
    onSuccess: onCreated,
    onError: (err) => setFormError(applyServerErrors(form, err, ORG_FIELDS)),
  });

  const onFinish = (values: OrgForm) => {
    if (!parent) return;
    create.mutate({
      parentId: parent.id,
      kind: values.kind,
      name: values.name.trim(),
      code: values.code.trim(),
    });
  };

  const required = (field: string) => ({
    required: true,
    whitespace: true,
    message: t('required', { field }),
  });

  return (
    <Modal
      open={parent !== null}
      title={parent ? t('addChildTitle', { parent: parent.name }) : ''}
      okText={common('common.save')}
      cancelText={common('common.cancel')}
      confirmLoading={create.isPending}
      onOk={() => form.submit()}
      onCancel={onClose}
      forceRender
    >
      {formError.length > 0 && (
        <Alert type="error" showIcon title={formError.join('；')} style={{ marginBottom: 16 }} />
      )}
      <Form<OrgForm> form={form} layout="vertical" onFinish={onFinish} requiredMark="optional" name="org">
        <Form.Item name="kind" label={t('kind')} rules={[{ required: true }]}>
          <Select options={kinds.map((k) => ({ value: k, label: common(`orgKinds.${k}`) }))} />
        </Form.Item>
        <Form.Item name="name" label={t('name')} rules={[required(t('name'))]}>
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item name="code" label={t('code')} extra={t('codeHint')} rules={[required(t('code'))]}>
          <Input autoComplete="off" className="cw-mono" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
