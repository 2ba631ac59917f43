import { ReloadOutlined, SafetyCertificateOutlined, SearchOutlined } from '@ant-design/icons';
import type { AuditAction, AuditEntry } from '@citywatch/core/identity/schemas';
import { useInfiniteQuery, useMutation } from '@tanstack/react-query';
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
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/client';
import { type AuditFilter, auditApi, identityQueries } from '../../api/identity';
import { formatDateTime } from '../../format';

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

/** Every audit action, for the filter (from the colour record, which the compiler holds to core's list). */
const AUDIT_ACTIONS = Object.keys(ACTION_COLORS) as AuditAction[];

type FilterForm = { action?: AuditAction; username?: string };

export function AuditPage() {
  const { t } = useTranslation('audit');
  const { t: common } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<FilterForm>();
  const [filter, setFilter] = useState<AuditFilter>({});
  const log = useInfiniteQuery(identityQueries.audit(filter));
  const items = log.data?.pages.flat() ?? [];
  const verify = useMutation({
    mutationFn: () => auditApi.verify(),
    onError: (err) => void message.error(errorText(err)),
  });

  const columns: TableColumnsType<AuditEntry> = [
    { title: t('seq'), dataIndex: 'seq', width: 80, align: 'right' },
    { title: t('at'), dataIndex: 'at', width: 170, render: (v: string) => formatDateTime(v) },
    {
      title: t('user'),
      dataIndex: 'username',
      width: 130,
      render: (v: string | null) =>
        v ? (
          <span className="cw-mono">{v}</span>
        ) : (
          <Typography.Text type="secondary">{t('system')}</Typography.Text>
        ),
    },
    {
      title: t('action'),
      dataIndex: 'action',
      width: 130,
      render: (a: AuditAction) => <Tag color={ACTION_COLORS[a]}>{t(`actions.${a}`)}</Tag>,
    },
    {
      title: t('resource'),
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
      title: t('purpose'),
      dataIndex: 'purpose',
      width: 200,
      ellipsis: true,
      render: (v: string | null) => v ?? '—',
    },
    {
      title: t('hash'),
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
      title={t('title')}
      extra={
        <Button
          icon={<SafetyCertificateOutlined />}
          loading={verify.isPending}
          onClick={() => verify.mutate()}
          data-testid="audit-verify"
        >
          {t('verify')}
        </Button>
      }
    >
      {verify.data && (
        <Alert
          type={verify.data.ok ? 'success' : 'error'}
          showIcon
          closable={{ onClose: () => verify.reset() }}
          style={{ marginBottom: 16 }}
          data-testid="audit-verify-result"
          title={
            verify.data.ok
              ? t('verifyOk', { checked: verify.data.checked })
              : t('verifyBad', { seq: verify.data.firstBadSeq ?? '?', checked: verify.data.checked })
          }
          description={
            !verify.data.ok && verify.data.reason
              ? t('verifyReason', { reason: verify.data.reason })
              : undefined
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
            placeholder={t('allActions')}
            style={{ width: 160 }}
            options={AUDIT_ACTIONS.map((a) => ({ value: a, label: t(`actions.${a}`) }))}
          />
        </Form.Item>
        <Form.Item name="username">
          <Input allowClear placeholder={t('usernamePlaceholder')} style={{ width: 180 }} />
        </Form.Item>
        <Form.Item>
          <Space>
            <Button type="primary" htmlType="submit" icon={<SearchOutlined />}>
              {common('common.search')}
            </Button>
            <Button
              onClick={() => {
                form.resetFields();
                setFilter({});
              }}
            >
              {common('common.reset')}
            </Button>
            <Button icon={<ReloadOutlined />} onClick={() => void log.refetch()}>
              {common('common.refresh')}
            </Button>
          </Space>
        </Form.Item>
      </Form>
      {log.error && <Alert type="error" showIcon title={errorText(log.error)} style={{ marginBottom: 16 }} />}
      <Table<AuditEntry>
        rowKey="seq"
        size="small"
        loading={log.isFetching}
        columns={columns}
        dataSource={items}
        pagination={false}
        data-testid="audit-table"
        footer={
          items.length > 0
            ? () => (
                <div style={{ textAlign: 'center' }}>
                  {log.hasNextPage ? (
                    <Button loading={log.isFetchingNextPage} onClick={() => void log.fetchNextPage()}>
                      {common('common.loadMore')}
                    </Button>
                  ) : (
                    <Typography.Text type="secondary">{common('common.noMore')}</Typography.Text>
                  )}
                </div>
              )
            : undefined
        }
      />
    </Card>
  );
}
