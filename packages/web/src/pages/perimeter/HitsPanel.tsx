import { ReloadOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Badge, Button, Form, Input, Modal, Space, Table, Tag, Typography } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/client';
import {
  type HotlistCategory,
  type HotlistHit,
  perimeterApi,
  perimeterKeys,
  perimeterQueries,
} from '../../api/perimeter';
import { useCan, useCurrentUser } from '../../auth/session';
import { formatDateTime } from '../../format';
import { type LiveStatus, useLiveEvent, useLiveStatus } from '../../live/LiveProvider';
import { CATEGORY_COLORS } from './HotlistPanel';

const LIVE_BADGE: Record<LiveStatus, 'success' | 'processing' | 'error'> = {
  open: 'success',
  connecting: 'processing',
  closed: 'error',
};

/** A hit as listed here: the server's row plus the entry's category (from the hotlist). */
export type HitRow = HotlistHit & { category: HotlistCategory | null };

/**
 * 比中预警: hotlist hits, newest first, pushed live (each new one also pops a notification), with
 * a 处置 button that records the action taken. Mounted with the page so notifications come on any tab.
 */
export function HitsPanel() {
  const { t } = useTranslation('perimeter');
  const { notification } = App.useApp();
  const can = useCan();
  const canWrite = can('hotlist.write');
  const hitsQuery = useQuery(perimeterQueries.hits());
  const hotlist = useQuery(perimeterQueries.hotlist());
  const checkpoints = useQuery(perimeterQueries.allCheckpoints());
  const live = useLiveStatus();
  const [handling, setHandling] = useState<HitRow | null>(null);

  const names = useMemo(
    () => new Map((checkpoints.data ?? []).map((c) => [c.id, c.name])),
    [checkpoints.data],
  );
  const hits = useMemo<HitRow[]>(() => {
    const category = new Map((hotlist.data ?? []).map((e) => [e.id, e.category]));
    return (hitsQuery.data ?? []).map((h) => ({ ...h, category: category.get(h.entryId) ?? null }));
  }, [hitsQuery.data, hotlist.data]);
  const error = hitsQuery.error ? errorText(hitsQuery.error) : null;

  // A new hit pops up on any tab of the page (the list itself follows through the query cache).
  useLiveEvent('perimeter.hotlist_hit', ({ payload: p }) => {
    notification.warning({
      key: `hit-${p.hitId}`,
      title: t('hits.notifyTitle', { value: p.value }),
      description: t('hits.notifyBody', {
        category: t(`hotlist.categories.${p.category}`),
        checkpoint: names.get(p.checkpointId) ?? p.checkpointId,
        direction: t(`hits.directions.${p.direction}`),
        confidence: `${Math.round(p.confidence * 100)}%`,
      }),
      placement: 'topRight',
      duration: 8,
      props: { 'data-testid': 'hit-notification' } as Record<string, string>,
    });
  });

  return (
    <div data-testid="hits-panel">
      <Space style={{ marginBottom: 8 }}>
        <Badge
          status={LIVE_BADGE[live]}
          text={t(`page.live.${live}`)}
          data-testid="hits-live"
          data-live={live}
        />
        <Button size="small" icon={<ReloadOutlined />} onClick={() => void hitsQuery.refetch()}>
          {t('hotlist.refresh')}
        </Button>
      </Space>
      {error ? <Alert type="error" showIcon title={error} style={{ marginBottom: 8 }} /> : null}
      <Table<HitRow>
        size="small"
        rowKey="id"
        dataSource={hits}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        locale={{ emptyText: t('hits.empty') }}
        data-testid="hits-table"
        onRow={(r) =>
          ({
            'data-testid': `hit-${r.value}`,
            'data-handled': r.acknowledgedAt ? 'true' : 'false',
          }) as React.HTMLAttributes<HTMLElement>
        }
        columns={[
          { title: t('hits.time'), dataIndex: 'readAt', render: (v: string) => formatDateTime(v) },
          {
            title: t('hits.checkpoint'),
            dataIndex: 'checkpointId',
            render: (id: string) => (
              <div>
                <div>{names.get(id) ?? id}</div>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {id}
                </Typography.Text>
              </div>
            ),
          },
          {
            title: t('hits.value'),
            dataIndex: 'value',
            // Resident IDs come masked; null once the retention period has removed the value.
            render: (v: string | null) =>
              v === null ? (
                <Typography.Text type="secondary">{t('hits.valuePurged')}</Typography.Text>
              ) : (
                <Typography.Text strong style={{ fontFamily: 'monospace' }}>
                  {v}
                </Typography.Text>
              ),
          },
          {
            title: t('hits.category'),
            dataIndex: 'category',
            render: (c: HotlistCategory | null) =>
              c ? <Tag color={CATEGORY_COLORS[c]}>{t(`hotlist.categories.${c}`)}</Tag> : '—',
          },
          {
            title: t('hits.direction'),
            dataIndex: 'direction',
            render: (d: 'in' | 'out') => t(`hits.directions.${d}`),
          },
          {
            title: t('hits.confidence'),
            dataIndex: 'confidence',
            render: (c: number) => `${Math.round(c * 100)}%`,
          },
          {
            title: t('hits.status'),
            key: 'status',
            render: (_: unknown, r) =>
              r.acknowledgedAt ? (
                <Tag color="green" data-testid="hit-handled">
                  {t('hits.handled')}
                </Tag>
              ) : canWrite ? (
                <Button
                  size="small"
                  type="primary"
                  danger
                  onClick={() => setHandling(r)}
                  data-testid="hit-handle"
                >
                  {t('hits.handle')}
                </Button>
              ) : (
                <Tag color="red">{t('hits.unhandled')}</Tag>
              ),
          },
        ]}
      />
      <ActionModal hit={handling} onCancel={() => setHandling(null)} onDone={() => setHandling(null)} />
    </div>
  );
}

function ActionModal({
  hit,
  onCancel,
  onDone,
}: {
  hit: HitRow | null;
  onCancel: () => void;
  onDone: () => void;
}) {
  const { t } = useTranslation('perimeter');
  const { message } = App.useApp();
  const user = useCurrentUser();
  const cache = useQueryClient();
  const [form] = Form.useForm<{ action: string }>();
  const record = useMutation({
    mutationFn: ({ hitId, action }: { hitId: string; action: string }) =>
      perimeterApi.hitAction(hitId, action),
    onSuccess: (_, { hitId }) => {
      // Marked handled at once; the hits and the report's counts are read again.
      const now = new Date().toISOString();
      cache.setQueryData(perimeterQueries.hits().queryKey, (list) =>
        list?.map((h) => (h.id === hitId ? { ...h, acknowledgedAt: now, acknowledgedBy: user.id } : h)),
      );
      void cache.invalidateQueries({ queryKey: perimeterKeys.hits });
      void cache.invalidateQueries({ queryKey: perimeterKeys.reports });
      message.success(t('hits.recorded'));
      onDone();
    },
  });
  const { reset } = record;

  useEffect(() => {
    if (!hit) return;
    reset();
    form.resetFields();
  }, [hit, form, reset]);

  const submit = async () => {
    if (!hit) return;
    const v = await form.validateFields().catch(() => null);
    if (v) record.mutate({ hitId: hit.id, action: v.action.trim() });
  };

  return (
    <Modal
      open={hit !== null}
      title={t('hits.actionTitle', { value: hit?.value ?? '' })}
      onCancel={onCancel}
      onOk={() => void submit()}
      confirmLoading={record.isPending}
      forceRender
    >
      <Form form={form} layout="vertical">
        <Form.Item
          name="action"
          label={t('hits.action')}
          rules={[{ required: true, whitespace: true, min: 2, message: t('hits.actionRequired') }]}
        >
          <Input.TextArea
            rows={3}
            maxLength={200}
            placeholder={t('hits.actionPlaceholder')}
            data-testid="hit-action"
          />
        </Form.Item>
      </Form>
      {record.error ? <Alert type="error" showIcon title={errorText(record.error)} /> : null}
    </Modal>
  );
}
