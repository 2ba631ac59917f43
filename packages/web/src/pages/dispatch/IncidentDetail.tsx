import { CloseOutlined, EyeOutlined, PhoneOutlined, SendOutlined } from '@ant-design/icons';
import {
  type IncidentStatus,
  nextIncidentStatuses,
  UNIT_KINDS,
  type UnitKind,
} from '@citywatch/core/dispatch/incident';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Card,
  Descriptions,
  Empty,
  Form,
  Input,
  List,
  Modal,
  Popconfirm,
  Space,
  Spin,
  Table,
  Tag,
  Timeline,
  Typography,
} from 'antd';
import type { TFunction } from 'i18next';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/client';
import {
  type CreatedIncident,
  dispatchApi,
  dispatchKeys,
  dispatchQueries,
  type Incident,
  type IncidentCategory,
  type IncidentEvent,
  type Recommendation,
} from '../../api/dispatch';
import { useCan } from '../../auth/session';
import { formatDateTime, minutesSeconds } from '../../format';
import { categoryLabel, PRIORITY_COLORS, STATUS_TAG_COLORS, UNIT_COLORS } from './presentation';

type DispatchT = TFunction<'dispatch'>;

/** Statuses a button moves to; `dispatched` comes from 派警 and `merged` from a duplicate. */
const BUTTON_TRANSITIONS = ['en_route', 'on_scene', 'cleared', 'closed', 'cancelled', 'diverted'] as const;
type ButtonTransition = (typeof BUTTON_TRANSITIONS)[number];
const OPEN: readonly IncidentStatus[] = ['received', 'dispatched', 'en_route', 'on_scene'];
const NO_RECOMMENDATIONS: Recommendation[] = [];

function isUnitKind(k: string): k is UnitKind {
  return (UNIT_KINDS as readonly string[]).includes(k);
}

function isButtonTransition(s: IncidentStatus): s is ButtonTransition {
  return (BUTTON_TRANSITIONS as readonly string[]).includes(s);
}

function eventText(e: IncidentEvent, t: DispatchT): string {
  const kind =
    e.kind === 'created' || e.kind === 'status' || e.kind === 'unit_dispatched'
      ? t(`event.${e.kind}`)
      : e.kind;
  const parts = [kind];
  if (e.toStatus && e.kind !== 'created') parts.push(`→ ${statusText(e.toStatus, t)}`);
  if (e.unitCallSign) parts.push(t('event.unit', { callSign: e.unitCallSign }));
  if (e.username) parts.push(`· ${t('event.by', { user: e.username })}`);
  return parts.join(' ');
}

function statusText(s: string, t: DispatchT): string {
  return (
    {
      received: t('incidentStatus.received'),
      dispatched: t('incidentStatus.dispatched'),
      en_route: t('incidentStatus.en_route'),
      on_scene: t('incidentStatus.on_scene'),
      cleared: t('incidentStatus.cleared'),
      closed: t('incidentStatus.closed'),
      cancelled: t('incidentStatus.cancelled'),
      merged: t('incidentStatus.merged'),
      diverted: t('incidentStatus.diverted'),
    }[s] ?? s
  );
}

type Transition = { to: IncidentStatus; mergeInto?: string; mergeNumber?: string };

/**
 * One incident: what it is, the units recommended by road time (one click sends one), the next
 * steps of its lifecycle, its timeline, and — right after intake — the triage suggestion and the
 * likely duplicates to merge into. The console mounts one per incident (keyed by its id).
 */
export function IncidentDetail({
  incidentId,
  categories,
  created,
  onClose,
  onSelect,
  onRecommendations,
}: {
  incidentId: string;
  categories: readonly IncidentCategory[];
  /** The intake answer, when this incident was just created on this console. */
  created: CreatedIncident | null;
  onClose: () => void;
  onSelect: (id: string) => void;
  /** Each time the recommendations are loaded (the console fits the map to them). */
  onRecommendations?: (incident: Incident, recommendations: readonly Recommendation[]) => void;
}) {
  const { t, i18n } = useTranslation('dispatch');
  const language = i18n.language;
  const { message } = App.useApp();
  const can = useCan();
  const cache = useQueryClient();
  const [actionError, setActionError] = useState<string | null>(null);
  const [callerOpen, setCallerOpen] = useState(false);
  const [callerPhone, setCallerPhone] = useState<string | null | undefined>(undefined);
  const [purposeForm] = Form.useForm<{ purpose: string }>();
  const onRecommendationsRef = useRef(onRecommendations);
  onRecommendationsRef.current = onRecommendations;

  const incidentQuery = useQuery(dispatchQueries.incident(incidentId));
  const timelineQuery = useQuery(dispatchQueries.timeline(incidentId));
  const incident = incidentQuery.data;
  const open = incident !== undefined && OPEN.includes(incident.status);
  const recommendationsQuery = useQuery({ ...dispatchQueries.recommendations(incidentId), enabled: open });
  const recommendations = open ? (recommendationsQuery.data ?? NO_RECOMMENDATIONS) : NO_RECOMMENDATIONS;
  const recommendationsReady = !open || recommendationsQuery.data !== undefined;

  useEffect(() => {
    if (incident && recommendationsReady) onRecommendationsRef.current?.(incident, recommendations);
  }, [incident, recommendations, recommendationsReady]);

  // Whatever the answer, the incident, the queue and the units are read again.
  const settled = () => {
    void cache.invalidateQueries({ queryKey: dispatchKeys.incidents });
    void cache.invalidateQueries({ queryKey: dispatchKeys.units });
    void cache.invalidateQueries({ queryKey: dispatchKeys.incident(incidentId) });
  };
  const failed = (err: unknown) => {
    const text = errorText(err);
    setActionError(text);
    void message.error(t('detail.failed', { error: text }));
  };

  const dispatchUnit = useMutation({
    mutationFn: (r: Recommendation) => dispatchApi.dispatch(incidentId, r.unitId),
    onMutate: () => setActionError(null),
    onSuccess: (_incident, r) => void message.success(t('detail.dispatched', { callSign: r.callSign })),
    onError: failed,
    onSettled: settled,
  });
  const transition = useMutation({
    mutationFn: ({ to, mergeInto }: Transition) => dispatchApi.transition(incidentId, to, mergeInto),
    onMutate: () => setActionError(null),
    onSuccess: (after, { to, mergeNumber }) =>
      void message.success(
        to === 'merged' && mergeNumber
          ? t('detail.merged', { number: mergeNumber })
          : t('detail.transitionDone', { status: statusText(after.status, t) }),
      ),
    onError: failed,
    onSettled: settled,
  });
  const readCaller = useMutation({
    mutationFn: (purpose: string) => dispatchApi.caller(incidentId, purpose),
    onSuccess: ({ callerPhone: phone }) => {
      setCallerPhone(phone);
      setCallerOpen(false);
      purposeForm.resetFields();
    },
    onError: (err) => void message.error(t('detail.failed', { error: errorText(err) })),
  });

  const busy = dispatchUnit.isPending
    ? `dispatch:${dispatchUnit.variables.unitId}`
    : transition.isPending
      ? `transition:${transition.variables.to}`
      : null;
  const sendUnit = (r: Recommendation) => dispatchUnit.mutate(r);
  const move = (to: IncidentStatus, mergeInto?: string, mergeNumber?: string) =>
    transition.mutate({ to, mergeInto, mergeNumber });

  const header = (
    <div style={{ display: 'flex', alignItems: 'center', gap: 8 }}>
      {incident && (
        <>
          <Tag color={PRIORITY_COLORS[incident.priority]} style={{ marginInlineEnd: 0 }}>
            {incident.priority}
          </Tag>
          <span data-testid="detail-number">{incident.number}</span>
          <Tag color={STATUS_TAG_COLORS[incident.status]} data-testid="detail-status">
            {statusText(incident.status, t)}
          </Tag>
        </>
      )}
      <span style={{ flex: 1 }} />
      <Button
        type="text"
        size="small"
        icon={<CloseOutlined />}
        onClick={onClose}
        aria-label={t('detail.close')}
      />
    </div>
  );

  if (!incident) {
    return (
      <Card size="small" title={header} style={{ height: '100%' }} data-testid="detail">
        {incidentQuery.error ? (
          <Alert
            type="error"
            showIcon
            title={t('detail.loadFailed', { error: errorText(incidentQuery.error) })}
          />
        ) : (
          <div style={{ display: 'grid', placeItems: 'center', padding: 40 }}>
            <Spin />
          </div>
        )}
      </Card>
    );
  }

  const timeline = timelineQuery.data ?? [];
  const mine = created && created.incident.id === incident.id ? created : null;
  const nextSteps = nextIncidentStatuses(incident.status).filter(isButtonTransition);
  const duplicates = (mine?.duplicates ?? []).filter((d) => d.id !== incident.id);

  return (
    <Card
      size="small"
      title={header}
      style={{ height: '100%', display: 'flex', flexDirection: 'column' }}
      styles={{ body: { flex: 1, minHeight: 0, overflow: 'auto' } }}
      data-testid="detail"
      data-incident={incident.number}
    >
      <Space orientation="vertical" size={12} style={{ width: '100%' }}>
        {mine && incident.status === 'received' && (
          <Alert
            type={mine.triage.police ? 'info' : 'warning'}
            showIcon
            title={mine.triage.police ? t('detail.triagePolice') : t('detail.triageNonPolice')}
            description={
              mine.triage.matched.length > 0
                ? t('detail.triageMatched', { words: mine.triage.matched.join('、') })
                : undefined
            }
            data-testid="detail-triage"
          />
        )}
        {mine && incident.status === 'received' && duplicates.length > 0 && (
          <Alert
            type="warning"
            showIcon
            title={t('detail.duplicates')}
            data-testid="detail-duplicates"
            description={
              <List
                size="small"
                dataSource={duplicates}
                renderItem={(d) => (
                  <List.Item
                    style={{ paddingInline: 0 }}
                    actions={[
                      <Popconfirm
                        key="merge"
                        title={t('detail.mergeConfirm', { number: d.number })}
                        onConfirm={() => move('merged', d.id, d.number)}
                      >
                        <Button size="small" loading={busy === 'transition:merged'}>
                          {t('detail.merge')}
                        </Button>
                      </Popconfirm>,
                    ]}
                  >
                    <Button type="link" size="small" style={{ padding: 0 }} onClick={() => onSelect(d.id)}>
                      {d.number}
                    </Button>{' '}
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {statusText(d.status, t)} · {formatDateTime(d.receivedAt).slice(11)}
                    </Typography.Text>
                  </List.Item>
                )}
              />
            }
          />
        )}
        {actionError && (
          <Alert
            type="error"
            showIcon
            closable={{ onClose: () => setActionError(null) }}
            title={actionError}
            data-testid="detail-error"
          />
        )}

        <Descriptions
          size="small"
          column={1}
          bordered
          styles={{ label: { width: 100, whiteSpace: 'nowrap' } }}
        >
          <Descriptions.Item label={t('detail.category')}>
            {categoryLabel(categories, incident.category, incident.subcategory, language)}
          </Descriptions.Item>
          <Descriptions.Item label={t('detail.priority')}>
            <Typography.Text strong style={{ color: PRIORITY_COLORS[incident.priority] }}>
              {t(`priority.${incident.priority}`)}
            </Typography.Text>
          </Descriptions.Item>
          <Descriptions.Item label={t('detail.narrative')}>{incident.narrative}</Descriptions.Item>
          <Descriptions.Item label={t('detail.address')}>
            {incident.addressLabel ?? `${incident.lon.toFixed(5)}, ${incident.lat.toFixed(5)}`}
          </Descriptions.Item>
          <Descriptions.Item label={t('detail.jurisdiction')}>
            {incident.jurisdiction?.name ?? t('detail.none')}
          </Descriptions.Item>
          <Descriptions.Item label={t('detail.receivedAt')}>
            {formatDateTime(incident.receivedAt)}
          </Descriptions.Item>
          <Descriptions.Item label={t('detail.caller')}>
            {!incident.hasCaller ? (
              <Typography.Text type="secondary">{t('detail.callerNone')}</Typography.Text>
            ) : callerPhone !== undefined ? (
              <Typography.Text copyable data-testid="detail-caller-phone">
                <PhoneOutlined /> {callerPhone ?? t('detail.callerNone')}
              </Typography.Text>
            ) : (
              <Space size={8}>
                <Typography.Text type="secondary">{t('detail.callerHidden')}</Typography.Text>
                {/* Only those granted the caller's number may ask for it (stating why). */}
                {can('dispatch.caller') && (
                  <Button
                    size="small"
                    icon={<EyeOutlined />}
                    onClick={() => setCallerOpen(true)}
                    data-testid="detail-caller-show"
                  >
                    {t('detail.callerShow')}
                  </Button>
                )}
              </Space>
            )}
          </Descriptions.Item>
          <Descriptions.Item label={t('detail.units')}>
            {incident.units.length === 0
              ? t('detail.none')
              : incident.units.map((u) => (
                  <Tag key={u.id} color={UNIT_COLORS[u.status]}>
                    {u.callSign} · {t(`unitStatus.${u.status}`)}
                  </Tag>
                ))}
          </Descriptions.Item>
        </Descriptions>

        {open && (
          <div>
            <Typography.Title level={5} style={{ marginTop: 0 }}>
              {t('detail.recommendations')}
            </Typography.Title>
            <Table<Recommendation>
              size="small"
              rowKey="unitId"
              pagination={false}
              dataSource={recommendations}
              locale={{ emptyText: t('detail.recommendationsEmpty') }}
              data-testid="recommendations"
              onRow={(r) => ({ 'data-testid': `rec-${r.callSign}` }) as React.HTMLAttributes<HTMLElement>}
              columns={[
                {
                  title: t('detail.callSign'),
                  dataIndex: 'callSign',
                  render: (v: string, r) => (
                    <Space size={4} wrap>
                      <Typography.Text strong>{v}</Typography.Text>
                      {r.stale && <Tag color="warning">{t('detail.stale')}</Tag>}
                    </Space>
                  ),
                },
                {
                  title: t('detail.kind'),
                  dataIndex: 'kind',
                  render: (k: string) => (isUnitKind(k) ? t(`unitKind.${k}`) : k),
                },
                {
                  title: t('detail.eta'),
                  dataIndex: 'etaSeconds',
                  align: 'right',
                  render: (s: number) => (
                    <span style={{ fontVariantNumeric: 'tabular-nums' }} data-testid="rec-eta">
                      {t('detail.etaValue', { time: minutesSeconds(s) })}
                    </span>
                  ),
                },
                {
                  title: '',
                  key: 'dispatch',
                  align: 'right',
                  render: (_: unknown, r) => (
                    <Button
                      type="primary"
                      danger={incident.priority === 'P1'}
                      size="small"
                      icon={<SendOutlined />}
                      loading={busy === `dispatch:${r.unitId}`}
                      disabled={busy !== null}
                      onClick={() => void sendUnit(r)}
                      data-testid="rec-dispatch"
                    >
                      {t('detail.dispatch')}
                    </Button>
                  ),
                },
              ]}
            />
          </div>
        )}

        {nextSteps.length > 0 && (
          <Space wrap data-testid="detail-actions">
            {nextSteps.map((to) => {
              const button = (
                <Button
                  key={to}
                  danger={to === 'cancelled'}
                  loading={busy === `transition:${to}`}
                  disabled={busy !== null && busy !== `transition:${to}`}
                  onClick={to === 'cancelled' || to === 'diverted' ? undefined : () => void move(to)}
                  data-testid={`transition-${to}`}
                >
                  {t(`transition.${to}`)}
                </Button>
              );
              return to === 'cancelled' || to === 'diverted' ? (
                <Popconfirm
                  key={to}
                  title={to === 'cancelled' ? t('detail.confirmCancel') : t('detail.confirmDivert')}
                  onConfirm={() => move(to)}
                >
                  {button}
                </Popconfirm>
              ) : (
                button
              );
            })}
          </Space>
        )}

        <div>
          <Typography.Title level={5} style={{ marginTop: 0 }}>
            {t('detail.timeline')}
          </Typography.Title>
          {timeline.length === 0 ? (
            <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('detail.timelineEmpty')} />
          ) : (
            <Timeline
              data-testid="timeline"
              items={timeline.map((e, i) => ({
                key: `${e.at}-${i}`,
                color: e.kind === 'unit_dispatched' ? 'orange' : e.kind === 'created' ? 'red' : 'blue',
                content: (
                  <div style={{ fontSize: 12 }}>
                    <Typography.Text type="secondary" style={{ fontVariantNumeric: 'tabular-nums' }}>
                      {formatDateTime(e.at).slice(11)}
                    </Typography.Text>{' '}
                    {eventText(e, t)}
                  </div>
                ),
              }))}
            />
          )}
        </div>
      </Space>

      <Modal
        open={callerOpen}
        title={t('detail.callerPurposeTitle')}
        onCancel={() => setCallerOpen(false)}
        onOk={() => purposeForm.submit()}
        confirmLoading={readCaller.isPending}
        destroyOnHidden
        data-testid="caller-modal"
      >
        <Typography.Paragraph type="secondary">{t('detail.callerPurposeHint')}</Typography.Paragraph>
        <Form
          form={purposeForm}
          layout="vertical"
          onFinish={(v) => readCaller.mutate(v.purpose.trim())}
          preserve={false}
        >
          <Form.Item
            name="purpose"
            label={t('detail.callerPurpose')}
            rules={[{ required: true, whitespace: true, message: t('detail.callerPurposeRequired') }]}
          >
            <Input
              autoFocus
              maxLength={200}
              placeholder={t('detail.callerPurposePlaceholder')}
              data-testid="caller-purpose"
            />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
