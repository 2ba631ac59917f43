import { PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import type { CreateOrgRequest, Org, OrgKind } from '@citywatch/core/identity/schemas';
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
import { type Key, useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api/client';
import { applyServerErrors } from '../../api/formErrors';
import { orgsApi } from '../../api/identity';
import { buildOrgTree, childKinds, type OrgNode } from './orgTree';

const KIND_COLORS: Record<OrgKind, string> = {
  city_bureau: 'red',
  branch_bureau: 'blue',
  police_station: 'green',
  team: 'default',
};

type OrgForm = { name: string; code: string; kind: OrgKind };
const ORG_FIELDS = ['name', 'code', 'kind'] as const;

export function OrgsPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [orgs, setOrgs] = useState<Org[]>([]);
  const [loading, setLoading] = useState(true);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [parent, setParent] = useState<Org | null>(null);
  const [expanded, setExpanded] = useState<readonly Key[] | null>(null);

  const load = useCallback(async () => {
    setLoading(true);
    setLoadError(null);
    try {
      setOrgs(await orgsApi.list());
    } catch (err) {
      setLoadError(err instanceof ApiError ? err.display : String(err));
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const tree = useMemo(() => buildOrgTree(orgs), [orgs]);
  // Everything open until the user folds something.
  const expandedKeys = expanded ?? orgs.map((o) => o.id);

  const columns: TableColumnsType<OrgNode> = [
    { title: t('orgs.name'), dataIndex: 'name' },
    {
      title: t('orgs.kind'),
      dataIndex: 'kind',
      width: 140,
      render: (k: OrgKind) => <Tag color={KIND_COLORS[k]}>{t(`orgKinds.${k}`)}</Tag>,
    },
    {
      title: t('orgs.code'),
      dataIndex: 'code',
      width: 180,
      render: (v: string) => <span className="cw-mono">{v}</span>,
    },
    {
      title: t('common.actions'),
      key: 'actions',
      width: 140,
      render: (_: unknown, o: OrgNode) =>
        childKinds(o.kind).length > 0 ? (
          <Button type="link" size="small" icon={<PlusOutlined />} onClick={() => setParent(o)}>
            {t('orgs.addChild')}
          </Button>
        ) : null,
    },
  ];

  return (
    <Card
      title={t('orgs.title')}
      extra={
        <Button icon={<ReloadOutlined />} onClick={() => void load()}>
          {t('common.refresh')}
        </Button>
      }
    >
      {loadError && <Alert type="error" showIcon title={loadError} style={{ marginBottom: 16 }} />}
      <Table<OrgNode>
        rowKey="id"
        size="middle"
        loading={loading}
        columns={columns}
        dataSource={tree}
        pagination={false}
        expandable={{ expandedRowKeys: expandedKeys, onExpandedRowsChange: (keys) => setExpanded(keys) }}
        data-testid="orgs-table"
        footer={() => (
          <Typography.Text type="secondary">{t('orgs.total', { count: orgs.length })}</Typography.Text>
        )}
      />
      <AddOrgModal
        parent={parent}
        onClose={() => setParent(null)}
        onCreated={(org) => {
          setParent(null);
          message.success(t('orgs.created', { name: org.name }));
          void load();
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
  const { t } = useTranslation();
  const [form] = Form.useForm<OrgForm>();
  const [saving, setSaving] = useState(false);
  const [formError, setFormError] = useState<string[]>([]);
  const kinds = parent ? childKinds(parent.kind) : [];

  useEffect(() => {
    if (!parent) return;
    setFormError([]);
    form.resetFields();
    const first = childKinds(parent.kind)[0];
    if (first) form.setFieldsValue({ kind: first });
  }, [parent, form]);

  const onFinish = async (values: OrgForm) => {
    if (!parent) return;
    setSaving(true);
    setFormError([]);
    try {
      const req: CreateOrgRequest = {
        parentId: parent.id,
        kind: values.kind,
        name: values.name.trim(),
        code: values.code.trim(),
      };
      onCreated(await orgsApi.create(req));
    } catch (err) {
      setFormError(applyServerErrors(form, err, ORG_FIELDS));
    } finally {
      setSaving(false);
    }
  };

  const required = (field: string) => ({
    required: true,
    whitespace: true,
    message: t('orgs.required', { field }),
  });

  return (
    <Modal
      open={parent !== null}
      title={parent ? t('orgs.addChildTitle', { parent: parent.name }) : ''}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={saving}
      onOk={() => form.submit()}
      onCancel={onClose}
      forceRender
    >
      {formError.length > 0 && (
        <Alert type="error" showIcon title={formError.join('；')} style={{ marginBottom: 16 }} />
      )}
      <Form<OrgForm> form={form} layout="vertical" onFinish={onFinish} requiredMark="optional" name="org">
        <Form.Item name="kind" label={t('orgs.kind')} rules={[{ required: true }]}>
          <Select options={kinds.map((k) => ({ value: k, label: t(`orgKinds.${k}`) }))} />
        </Form.Item>
        <Form.Item name="name" label={t('orgs.name')} rules={[required(t('orgs.name'))]}>
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item
          name="code"
          label={t('orgs.code')}
          extra={t('orgs.codeHint')}
          rules={[required(t('orgs.code'))]}
        >
          <Input autoComplete="off" className="cw-mono" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
