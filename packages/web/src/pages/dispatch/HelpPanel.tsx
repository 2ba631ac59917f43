import type { HelpRequest } from '@citywatch/core/dispatch/help';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Form, Input, List, Modal, Select, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, errorText } from '../../api/client';
import { dispatchKeys, type Unit } from '../../api/dispatch';
import { useCan } from '../../auth/session';

const HELP_KEY = ['dispatch', 'help-requests'] as const;
const STATUS_COLORS = { pending: 'gold', accepted: 'green', declined: 'default' } as const;

const helpApi = {
  list: (signal?: AbortSignal) =>
    api<{ items: HelpRequest[] }>('/api/dispatch/help-requests', { signal }).then((r) => r.items),
  ask: (incidentId: string, body: { unitId: string; note?: string }) =>
    api<HelpRequest>(`/api/dispatch/incidents/${encodeURIComponent(incidentId)}/help-requests`, {
      method: 'POST',
      body,
    }),
  accept: (id: string) =>
    api<HelpRequest>(`/api/dispatch/help-requests/${encodeURIComponent(id)}/accept`, { method: 'POST' }),
  decline: (id: string, reason: string) =>
    api<HelpRequest>(`/api/dispatch/help-requests/${encodeURIComponent(id)}/decline`, {
      method: 'POST',
      body: { reason },
    }),
};

/**
 * 跨所支援: asking another station for one of its units for the open incident, and the requests
 * this station takes part in — those asked of it with 同意并派出 / 拒绝. The server decides who may
 * do what (only the asked station decides); the list is polled and refreshed after each action.
 */
export function HelpPanel({ incidentId, units }: { incidentId: string | null; units: readonly Unit[] }) {
  const { t } = useTranslation('dispatch', { keyPrefix: 'help' });
  const { message } = App.useApp();
  const can = useCan();
  const cache = useQueryClient();
  const requests = useQuery({
    queryKey: HELP_KEY,
    queryFn: ({ signal }) => helpApi.list(signal),
    refetchInterval: 5_000,
    enabled: can('dispatch.write'),
  });
  const [unitId, setUnitId] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const [declining, setDeclining] = useState<HelpRequest | null>(null);
  const refresh = () => {
    void cache.invalidateQueries({ queryKey: HELP_KEY });
    void cache.invalidateQueries({ queryKey: dispatchKeys.units });
    void cache.invalidateQueries({ queryKey: dispatchKeys.incidents });
  };
  const ask = useMutation({
    mutationFn: () => helpApi.ask(incidentId ?? '', { unitId: unitId ?? '', note: note.trim() || undefined }),
    onSuccess: (r) => {
      message.success(t('sent', { org: r.toOrgName, callSign: r.callSign }));
      setUnitId(null);
      setNote('');
      refresh();
    },
    onError: (e) => message.error(errorText(e)),
  });
  const accept = useMutation({
    mutationFn: (id: string) => helpApi.accept(id),
    onSuccess: refresh,
    onError: (e) => message.error(errorText(e)),
  });
  if (!can('dispatch.write')) return null;
  // The map's units carry inScope (GET /api/dispatch/units): another station's are asked for, not sent.
  const others = (units as readonly (Unit & { inScope?: boolean })[]).filter(
    (u) => u.inScope === false && u.status === 'available',
  );
  const items = requests.data ?? [];
  const canAsk = incidentId !== null && others.length > 0;
  // Nothing to ask and nothing asked: the console keeps its room.
  if (!canAsk && items.length === 0) return null;

  return (
    <Card size="small" title={t('title')} data-testid="help-panel">
      {canAsk ? (
        <Space.Compact style={{ width: '100%', marginBottom: 8 }}>
          <Select
            style={{ width: 150 }}
            placeholder={t('unit')}
            value={unitId}
            onChange={setUnitId}
            showSearch
            optionFilterProp="label"
            data-testid="help-unit"
            options={others.map((u) => ({ value: u.id, label: u.callSign }))}
          />
          <Input
            placeholder={t('note')}
            value={note}
            maxLength={500}
            onChange={(e) => setNote(e.target.value)}
          />
          <Button
            type="primary"
            disabled={!unitId}
            loading={ask.isPending}
            title={t('askHint')}
            data-testid="help-ask"
            onClick={() => ask.mutate()}
          >
            {t('ask')}
          </Button>
        </Space.Compact>
      ) : null}
      <List
        size="small"
        dataSource={items.slice(0, 8)}
        locale={{ emptyText: t('empty') }}
        renderItem={(r) => (
          <List.Item
            data-testid={`help-${r.callSign}`}
            data-status={r.status}
            actions={
              r.asked && r.status === 'pending'
                ? [
                    <Button
                      key="accept"
                      type="link"
                      size="small"
                      data-testid="help-accept"
                      loading={accept.isPending}
                      onClick={() => accept.mutate(r.id)}
                    >
                      {t('accept')}
                    </Button>,
                    <Button key="decline" type="link" size="small" danger onClick={() => setDeclining(r)}>
                      {t('decline')}
                    </Button>,
                  ]
                : []
            }
          >
            <Space direction="vertical" size={0}>
              <Space size={4}>
                <Tag color={STATUS_COLORS[r.status]}>{t(`status.${r.status}`)}</Tag>
                <Typography.Text strong>{r.callSign}</Typography.Text>
                <Typography.Text type="secondary">{r.incidentNumber}</Typography.Text>
              </Space>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {t('fromTo', { from: r.fromOrgName, to: r.toOrgName })}
                {r.note ? ` · ${r.note}` : ''}
                {r.declineReason ? ` · ${r.declineReason}` : ''}
              </Typography.Text>
            </Space>
          </List.Item>
        )}
      />
      {declining ? (
        <DeclineModal
          request={declining}
          onClose={() => setDeclining(null)}
          onDone={() => {
            setDeclining(null);
            refresh();
          }}
        />
      ) : null}
    </Card>
  );
}

function DeclineModal(props: { request: HelpRequest; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation('dispatch', { keyPrefix: 'help' });
  const { message } = App.useApp();
  const [form] = Form.useForm<{ reason: string }>();
  const decline = useMutation({
    mutationFn: (reason: string) => helpApi.decline(props.request.id, reason),
    onSuccess: props.onDone,
    onError: (e) => message.error(errorText(e)),
  });
  return (
    <Modal
      open
      title={`${t('decline')} · ${props.request.callSign}`}
      okText={t('decline')}
      okButtonProps={{ danger: true }}
      confirmLoading={decline.isPending}
      onCancel={props.onClose}
      onOk={() => form.submit()}
    >
      <Form form={form} layout="vertical" onFinish={(v) => decline.mutate(v.reason)}>
        <Form.Item
          name="reason"
          label={t('declineReason')}
          rules={[{ required: true, whitespace: true, min: 2, message: t('declineRequired') }]}
        >
          <Input.TextArea rows={2} maxLength={500} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
