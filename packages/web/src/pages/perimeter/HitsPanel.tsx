import { ReloadOutlined } from '@ant-design/icons';
import type { DomainEvent, DomainEventType } from '@citywatch/core/events/events';
import { Alert, App, Badge, Button, Form, Input, Modal, Space, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import { hasAnyRole, useCurrentUser } from '../../auth/session';
import { formatDateTime } from '../../format';
import { errorText } from '../dispatch/api';
import { type LiveStatus, useLiveEvents } from '../dispatch/useLiveEvents';
import { type HotlistCategory, type HotlistHit, perimeterApi } from './api';
import { CATEGORY_COLORS } from './HotlistPanel';
import { usePerimeterT } from './usePerimeterT';

const LIVE_TYPES: readonly DomainEventType[] = ['perimeter.hotlist_hit'];
const LIVE_BADGE: Record<LiveStatus, 'success' | 'processing' | 'error'> = {
  open: 'success',
  connecting: 'processing',
  closed: 'error',
};

/** A hit as listed here: the server's row plus the entry's category (from the live event or the hotlist). */
export type HitRow = HotlistHit & { category: HotlistCategory | null };

/**
 * 比中预警: hotlist hits, newest first, pushed live (each new one also pops a notification), with
 * a 处置 button that records the action taken. Mounted with the page so notifications come on any tab.
 */
export function HitsPanel() {
  const { t } = usePerimeterT();
  const { notification } = App.useApp();
  const user = useCurrentUser();
  const canWrite = hasAnyRole(user, ['commander', 'admin']);
  const [hits, setHits] = useState<HitRow[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [names, setNames] = useState<ReadonlyMap<string, string>>(new Map());
  const [handling, setHandling] = useState<HitRow | null>(null);
  const namesRef = useRef(names);
  namesRef.current = names;

  const load = useCallback(async () => {
    try {
      const [items, entries, checkpoints] = await Promise.all([
        perimeterApi.hits({ limit: 200 }),
        perimeterApi.hotlist().catch(() => []),
        perimeterApi.allCheckpoints().catch(() => []),
      ]);
      const category = new Map(entries.map((e) => [e.id, e.category]));
      setNames(new Map(checkpoints.map((c) => [c.id, c.name])));
      setHits(items.map((h) => ({ ...h, category: category.get(h.entryId) ?? null })));
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const onEvent = useCallback(
    (event: DomainEvent) => {
      if (event.type !== 'perimeter.hotlist_hit') return;
      const p = event.payload;
      const row: HitRow = {
        id: p.hitId,
        entryId: p.entryId,
        checkpointId: p.checkpointId,
        direction: p.direction,
        readAt: p.readAt,
        value: p.value,
        confidence: p.confidence,
        acknowledgedBy: null,
        acknowledgedAt: null,
        category: p.category,
      };
      setHits((list) => (list.some((h) => h.id === row.id) ? list : [row, ...list]));
      notification.warning({
        key: `hit-${p.hitId}`,
        title: t('hits.notifyTitle', { value: p.value }),
        description: t('hits.notifyBody', {
          category: t(`hotlist.categories.${p.category}`),
          checkpoint: namesRef.current.get(p.checkpointId) ?? p.checkpointId,
          direction: t(`hits.directions.${p.direction}`),
          confidence: `${Math.round(p.confidence * 100)}%`,
        }),
        placement: 'topRight',
        duration: 8,
        props: { 'data-testid': 'hit-notification' } as Record<string, string>,
      });
    },
    [notification, t],
  );
  const live = useLiveEvents(LIVE_TYPES, onEvent, () => void load());

  return (
    <div data-testid="hits-panel">
      <Space style={{ marginBottom: 8 }}>
        <Badge
          status={LIVE_BADGE[live]}
          text={t(`page.live.${live}`)}
          data-testid="hits-live"
          data-live={live}
        />
        <Button size="small" icon={<ReloadOutlined />} onClick={() => void load()}>
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
            render: (v: string) => (
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
      <ActionModal
        hit={handling}
        onCancel={() => setHandling(null)}
        onDone={(id) => {
          setHandling(null);
          const now = new Date().toISOString();
          setHits((list) =>
            list.map((h) => (h.id === id ? { ...h, acknowledgedAt: now, acknowledgedBy: user.id } : h)),
          );
        }}
      />
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
  onDone: (hitId: string) => void;
}) {
  const { t } = usePerimeterT();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ action: string }>();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!hit) return;
    setError(null);
    form.resetFields();
  }, [hit, form]);

  const submit = async () => {
    if (!hit) return;
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    setSaving(true);
    setError(null);
    try {
      await perimeterApi.hitAction(hit.id, v.action.trim());
      message.success(t('hits.recorded'));
      onDone(hit.id);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      open={hit !== null}
      title={t('hits.actionTitle', { value: hit?.value ?? '' })}
      onCancel={onCancel}
      onOk={() => void submit()}
      confirmLoading={saving}
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
      {error ? <Alert type="error" showIcon title={error} /> : null}
    </Modal>
  );
}
