import { FlagOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, List, Progress, Tag, Typography } from 'antd';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/client';
import { formatDateTime } from '../../format';
import { type MyPlan, phoneApi, phoneKeys, phoneQueries, type RoadRoute } from './phoneApi';

export interface PlanTarget {
  key: string;
  lon: number;
  lat: number;
}

type Visit = MyPlan['visits'][number];

/** Equirectangular metres between two points: enough to say "you are 300 m away". */
function metresBetween(a: { lon: number; lat: number }, b: { lon: number; lat: number }): number {
  const k = Math.cos((((a.lat + b.lat) / 2) * Math.PI) / 180);
  return Math.hypot((a.lon - b.lon) * k, a.lat - b.lat) * 111_195;
}

/**
 * Today's plan of the officer's unit: the next visit (the map routes to it), the check-in there,
 * and the list of the shift's visits, each marked once checked in. The server decides whether a
 * check-in is at the point (its distance rule); the phone only says how far it thinks it is.
 */
export function PhonePlan({
  unitId,
  position,
  route,
  onNextVisit,
}: {
  unitId: string;
  position: { lon: number; lat: number; accuracy: number } | null;
  route: RoadRoute | undefined;
  onNextVisit: (target: PlanTarget | null) => void;
}) {
  const { t } = useTranslation('patrolPhone', { keyPrefix: 'plan' });
  const { t: tRoot } = useTranslation('patrolPhone');
  const { notification } = App.useApp();
  const cache = useQueryClient();
  const plan = useQuery(phoneQueries.myPlan());
  const mine = plan.data && plan.data.unitId === unitId ? plan.data : null;
  const next: Visit | null = mine?.next != null ? (mine.visits[mine.next] ?? null) : null;

  useEffect(() => {
    onNextVisit(next ? { key: next.target.key, lon: next.target.lon, lat: next.target.lat } : null);
  }, [next, onNextVisit]);

  const checkIn = useMutation({
    mutationFn: (visit: Visit) =>
      phoneApi.checkIn({
        targetKey: visit.target.key,
        lon: position!.lon,
        lat: position!.lat,
        accuracyM: Math.round(position!.accuracy),
      }),
    onSuccess: (answer) => {
      if (!answer.accepted) {
        void notification.warning({
          message: t('tooFar', { m: Math.round(answer.distanceM) }),
          placement: 'top',
        });
      }
      void cache.invalidateQueries({ queryKey: phoneKeys.myPlan });
    },
    onError: (error) => void notification.error({ message: errorText(error), placement: 'top' }),
  });

  if (!mine?.plan || mine.visits.length === 0) {
    return (
      <Card size="small" title={t('title')} data-testid="phone-plan" data-visits="0">
        <Typography.Text type="secondary">{plan.isPending ? '…' : t('none')}</Typography.Text>
      </Card>
    );
  }
  const done = mine.visits.filter((v) => v.checkedIn).length;
  const away = next && position ? metresBetween(position, next.target) : null;
  return (
    <Card
      size="small"
      title={t('title')}
      extra={<Typography.Text type="secondary">{mine.plan.name}</Typography.Text>}
      data-testid="phone-plan"
      data-visits={mine.visits.length}
      data-done={done}
    >
      <Progress percent={Math.round((100 * done) / mine.visits.length)} size="small" />
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {t('visits', { total: mine.visits.length, done })}
      </Typography.Text>
      {next ? (
        <div
          style={{ background: '#fff7e6', borderRadius: 8, padding: 10, margin: '8px 0' }}
          data-testid="phone-next-visit"
          data-target={next.target.key}
        >
          <Typography.Text strong>
            <FlagOutlined style={{ color: '#fa8c16' }} /> {t('next')}：{next.target.name}
          </Typography.Text>
          <div style={{ fontSize: 12, color: '#666' }}>
            {t('due', { at: formatDateTime(next.start).slice(-8) })} · {t('dwell', { min: 10, max: 16 })}
            {route
              ? ` · ${tRoot('dispatch.eta', { min: Math.max(1, Math.round(route.timeSeconds / 60)), km: (route.lengthM / 1000).toFixed(1) })}`
              : ''}
          </div>
          <Button
            type="primary"
            block
            size="large"
            style={{ marginTop: 8, height: 44 }}
            disabled={!position}
            loading={checkIn.isPending}
            onClick={() => checkIn.mutate(next)}
            data-testid="phone-check-in"
          >
            {t('checkIn')}
            {away !== null ? ` (${Math.round(away)} m)` : ''}
          </Button>
        </div>
      ) : (
        <Typography.Paragraph>{t('done')}</Typography.Paragraph>
      )}
      <List
        size="small"
        dataSource={mine.visits}
        renderItem={(v) => (
          <List.Item
            data-testid="phone-visit"
            data-checked={v.checkedIn ? 'true' : 'false'}
            style={{ padding: '4px 0' }}
          >
            <span style={{ flex: 1 }}>
              {v.order}. {v.target.name}
            </span>
            <span style={{ fontSize: 12, color: '#888', marginRight: 6 }}>
              {formatDateTime(v.start).slice(-8, -3)}
            </span>
            {v.checkedIn ? <Tag color="green">✓</Tag> : null}
          </List.Item>
        )}
      />
    </Card>
  );
}
