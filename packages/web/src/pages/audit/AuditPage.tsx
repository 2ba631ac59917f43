import { ReloadOutlined, SafetyCertificateOutlined, SearchOutlined } from '@ant-design/icons';
import { AUDIT_ACTIONS, type AuditAction, type AuditEntry } from '@citywatch/core/identity/schemas';
import {
  Alert,
  App,
  Button,
  Card,
  Form,
  Input,
  Select,
  Space,
  Table,
  type TableColumnsType,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api/client';
import { type AuditFilter, type AuditVerifyResult, auditApi } from '../../api/identity';
import { formatDateTime } from '../../format';

const PAGE = 100;

const ACTION_COLORS: Record<AuditAction, string> = {
  login: 'green',
  login_failed: 'orange',
  logout: 'default',
  permission_denied: 'red',
  write: 'blue',
  personal_data_read: 'purple',
  sessions_ended: 'volcano',
  hotlist_change: 'gold',
  hotlist_hit: 'magenta',
};

type FilterForm = { action?: AuditAction; username?: string };

export function AuditPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<FilterForm>();
  const [filter, setFilter] = useState<AuditFilter>({});
  const [items, setItems] = useState<AuditEntry[]>([]);
  const [loading, setLoading] = useState(true);
  const [hasMore, setHasMore] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [verifying, setVerifying] = useState(false);
  const [verify, setVerify] = useState<AuditVerifyResult | null>(null);

  const load = useCallback(async (f: AuditFilter, beforeSeq?: number) => {
    setLoading(true);
    setLoadError(null);
    try {
      const page = await auditApi.list({ ...f, beforeSeq, limit: PAGE });
      setItems((prev) => (beforeSeq === undefined ? page : [...prev, ...page]));
      setHasMore(page.length === PAGE);
    } catch (err) {
      setLoadError(err instanceof ApiError ? err.display : String(err));
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    void load(filter);
  }, [load, filter]);

  const runVerify = async () => {
    setVerifying(true);
    try {
      setVerify(await auditApi.verify());
    } catch (err) {
      message.error(err instanceof ApiError ? err.display : String(err));
    } finally {
      setVerifying(false);
    }
  };

  const columns: TableColumnsType<AuditEntry> = [
    { title: t('audit.seq'), dataIndex: 'seq', width: 80, align: 'right' },
    { title: t('audit.at'), dataIndex: 'at', width: 170, render: (v: string) => formatDateTime(v) },
    {
      title: t('audit.user'),
      dataIndex: 'username',
      width: 130,
      render: (v: string | null) =>
        v ? (
          <span className="cw-mono">{v}</span>
        ) : (
          <Typography.Text type="secondary">{t('audit.system')}</Typography.Text>
        ),
    },
    {
      title: t('audit.action'),
      dataIndex: 'action',
      width: 130,
      render: (a: AuditAction) => <Tag color={ACTION_COLORS[a]}>{t(`audit.actions.${a}`)}</Tag>,
    },
    {
      title: t('audit.resource'),
      dataIndex: 'resource',
      ellipsis: true,
      render: (v: string, e: AuditEntry) => {
        const detail = Object.keys(e.detail).length > 0 ? JSON.stringify(e.detail) : null;
        return detail ? (
          <Tooltip title={<span className="cw-mono">{detail}</span>}>
            <span className="cw-mono">{v}</span>
          </Tooltip>
        ) : (
          <span className="cw-mono">{v}</span>
        );
      },
    },
    {
      title: t('audit.purpose'),
      dataIndex: 'purpose',
      width: 200,
      ellipsis: true,
      render: (v: string | null) => v ?? '—',
    },
    {
      title: t('audit.hash'),
      dataIndex: 'hash',
      width: 150,
      render: (v: string) => (
        <Tooltip
          title={
            <span className="cw-mono" style={{ wordBreak: 'break-all' }}>
              {v}
            </span>
          }
        >
          <Typography.Text className="cw-mono" copyable={{ text: v }}>
            {v.slice(0, 10)}…
          </Typography.Text>
        </Tooltip>
      ),
    },
  ];

  return (
    <Card
      title={t('audit.title')}
      extra={
        <Button
          icon={<SafetyCertificateOutlined />}
          loading={verifying}
          onClick={() => void runVerify()}
          data-testid="audit-verify"
        >
          {t('audit.verify')}
        </Button>
      }
    >
      {verify && (
        <Alert
          type={verify.ok ? 'success' : 'error'}
          showIcon
          closable={{ onClose: () => setVerify(null) }}
          style={{ marginBottom: 16 }}
          data-testid="audit-verify-result"
          title={
            verify.ok
              ? t('audit.verifyOk', { checked: verify.checked })
              : t('audit.verifyBad', { seq: verify.firstBadSeq ?? '?', checked: verify.checked })
          }
          description={
            !verify.ok && verify.reason ? t('audit.verifyReason', { reason: verify.reason }) : undefined
          }
        />
      )}
      <Form<FilterForm>
        form={form}
        layout="inline"
        style={{ marginBottom: 16, rowGap: 8 }}
        onFinish={(v) => setFilter({ action: v.action, username: v.username?.trim() || undefined })}
      >
        <Form.Item name="action">
          <Select
            allowClear
            placeholder={t('audit.allActions')}
            style={{ width: 160 }}
            options={AUDIT_ACTIONS.map((a) => ({ value: a, label: t(`audit.actions.${a}`) }))}
          />
        </Form.Item>
        <Form.Item name="username">
          <Input allowClear placeholder={t('audit.usernamePlaceholder')} style={{ width: 180 }} />
        </Form.Item>
        <Form.Item>
          <Space>
            <Button type="primary" htmlType="submit" icon={<SearchOutlined />}>
              {t('common.search')}
            </Button>
            <Button
              onClick={() => {
                form.resetFields();
                setFilter({});
              }}
            >
              {t('common.reset')}
            </Button>
            <Button icon={<ReloadOutlined />} onClick={() => void load(filter)}>
              {t('common.refresh')}
            </Button>
          </Space>
        </Form.Item>
      </Form>
      {loadError && <Alert type="error" showIcon title={loadError} style={{ marginBottom: 16 }} />}
      <Table<AuditEntry>
        rowKey="seq"
        size="small"
        loading={loading}
        columns={columns}
        dataSource={items}
        pagination={false}
        data-testid="audit-table"
        footer={
          items.length > 0
            ? () => (
                <div style={{ textAlign: 'center' }}>
                  {hasMore ? (
                    <Button onClick={() => void load(filter, items[items.length - 1]?.seq)}>
                      {t('common.loadMore')}
                    </Button>
                  ) : (
                    <Typography.Text type="secondary">{t('common.noMore')}</Typography.Text>
                  )}
                </div>
              )
            : undefined
        }
      />
    </Card>
  );
}
