import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  App,
  Button,
  type ButtonProps,
  Card,
  Empty,
  Input,
  Modal,
  Segmented,
  Space,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/client';
import { useCan } from '../../auth/session';
import { formatDateTime } from '../../format';
import { sensorsApi, sensorsKeys, sensorsQueries, type Ticket } from './api';

const STATE_COLORS = { open: 'red', acknowledged: 'orange', closed: 'green' } as const;

/** The open ticket count for the tab's label. */
export function TicketsTabLabel() {
  const { t } = useTranslation('sensors');
  const open = useQuery(sensorsQueries.tickets(false));
  const n = open.data?.items.length ?? 0;
  return (
    <span>
      {t('tickets.tab')}
      {n > 0 ? (
        <Tag color="red" style={{ marginInlineStart: 6 }} data-testid="tickets-open-count">
          {n}
        </Tag>
      ) : null}
    </span>
  );
}

/**
 * 故障工单: fault tickets of the viewer's subtree (a camera offline), the open ones by default;
 * acknowledged with an optional note, closed with a required note (what was done). One closed by
 * the platform (the camera came back) says so.
 */
export function TicketList() {
  const { t } = useTranslation('sensors');
  const can = useCan();
  const cache = useQueryClient();
  const { message } = App.useApp();
  const [all, setAll] = useState(false);
  const tickets = useQuery(sensorsQueries.tickets(all));
  const [editing, setEditing] = useState<{ ticket: Ticket; action: 'acknowledge' | 'close' } | null>(null);
  const [note, setNote] = useState('');
  const handle = useMutation({
    mutationFn: (v: { id: string; action: 'acknowledge' | 'close'; note: string }) =>
      sensorsApi.handleTicket(v.id, v.action, v.note),
    onSuccess: (_ticket, v) => {
      void message.success(t(v.action === 'close' ? 'tickets.closedDone' : 'tickets.acknowledgedDone'));
      setEditing(null);
      setNote('');
      void cache.invalidateQueries({ queryKey: sensorsKeys.all });
    },
    onError: (error) => void message.error(errorText(error)),
  });
  const open = (ticket: Ticket, action: 'acknowledge' | 'close') => {
    setNote('');
    setEditing({ ticket, action });
  };
  const items = tickets.data?.items ?? [];
  const closing = editing?.action === 'close';
  return (
    <Card
      size="small"
      title={t('tickets.title')}
      data-testid="sensors-tickets"
      extra={
        <Segmented
          size="small"
          value={all ? 'all' : 'open'}
          onChange={(v) => setAll(v === 'all')}
          options={[
            { value: 'open', label: t('tickets.filter.open') },
            { value: 'all', label: t('tickets.filter.all') },
          ]}
        />
      }
    >
      {tickets.error ? (
        <Typography.Text type="danger">{errorText(tickets.error)}</Typography.Text>
      ) : items.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('tickets.empty')} />
      ) : (
        <Space orientation="vertical" style={{ width: '100%' }}>
          {items.map((k) => (
            <div
              key={k.id}
              data-testid={`ticket-${k.id}`}
              style={{ borderBottom: '1px solid #f0f0f0', paddingBottom: 6 }}
            >
              <Space wrap size={4}>
                <Tag color={STATE_COLORS[k.state]}>{t(`tickets.state.${k.state}`)}</Tag>
                <Typography.Text strong>
                  {t(`tickets.reason.${k.reason}` as 'tickets.reason.camera_offline', {
                    defaultValue: k.reason,
                  })}
                </Typography.Text>
                <Tag color={k.deviceOnline ? 'green' : 'default'}>
                  {k.deviceOnline ? t('tickets.deviceOnline') : t('tickets.deviceOffline')}
                </Tag>
              </Space>
              <div>
                <Typography.Text>
                  {k.deviceName} · {k.communityName}
                </Typography.Text>
              </div>
              <div>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {k.address}
                </Typography.Text>
              </div>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {t('tickets.opened', { at: formatDateTime(k.openedAt) })}
              </Typography.Text>
              {k.acknowledgedAt ? (
                <div style={{ fontSize: 12 }}>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {t('tickets.acknowledgedLine', {
                      at: formatDateTime(k.acknowledgedAt),
                      by: k.acknowledgedBy ?? '—',
                    })}
                  </Typography.Text>
                  {k.ackNote ? (
                    <Typography.Text style={{ fontSize: 12 }}>：{k.ackNote}</Typography.Text>
                  ) : null}
                </div>
              ) : null}
              {k.closedAt ? (
                <div style={{ fontSize: 12 }} data-testid="ticket-closed-line">
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {k.closedBy
                      ? t('tickets.closedLine', { at: formatDateTime(k.closedAt), by: k.closedBy })
                      : t('tickets.closedByPlatform', { at: formatDateTime(k.closedAt) })}
                  </Typography.Text>
                  {k.closeNote ? (
                    <Typography.Text style={{ fontSize: 12 }}>：{k.closeNote}</Typography.Text>
                  ) : null}
                </div>
              ) : null}
              {can('sensors.respond') && k.state !== 'closed' ? (
                <Space style={{ marginTop: 4 }}>
                  <Button size="small" disabled={k.state !== 'open'} onClick={() => open(k, 'acknowledge')}>
                    {t('tickets.acknowledge')}
                  </Button>
                  <Button size="small" type="primary" onClick={() => open(k, 'close')}>
                    {t('tickets.close')}
                  </Button>
                </Space>
              ) : null}
            </div>
          ))}
        </Space>
      )}
      <Modal
        open={editing !== null}
        title={
          editing
            ? t(closing ? 'tickets.closeTitle' : 'tickets.acknowledgeTitle', {
                device: editing.ticket.deviceName,
              })
            : ''
        }
        okText={closing ? t('tickets.close') : t('tickets.acknowledge')}
        cancelText={t('tickets.cancel')}
        okButtonProps={
          { disabled: closing && note.trim() === '', 'data-testid': 'ticket-note-ok' } as ButtonProps
        }
        confirmLoading={handle.isPending}
        onOk={() => editing && handle.mutate({ id: editing.ticket.id, action: editing.action, note })}
        onCancel={() => setEditing(null)}
        destroyOnHidden
      >
        <Input.TextArea
          data-testid="ticket-note"
          rows={3}
          maxLength={500}
          showCount
          value={note}
          onChange={(e) => setNote(e.target.value)}
          placeholder={closing ? t('tickets.closeNote') : t('tickets.ackNote')}
        />
      </Modal>
    </Card>
  );
}
