import { AimOutlined, SearchOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Empty, Form, Input, InputNumber, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/client';
import { dispatchQueries } from '../../api/dispatch';
import { type InterceptResult, perimeterApi } from '../../api/perimeter';
import { minutesSeconds } from '../../format';
import { KIND_COLORS } from './presentation';

type Row = InterceptResult['activateNow'][number];

/**
 * 拦截建议: a fleeing vehicle's head start from an incident (by its number) or a clicked scene; the
 * area it may have reached, and the checkpoints ahead of it, soonest first, with the nearest
 * unit's ETA against the vehicle's arrival.
 */
export function InterceptPanel({
  ringId,
  scene,
  picking,
  result,
  onPick,
  onScene,
  onResult,
}: {
  ringId: string | null;
  scene: { lon: number; lat: number } | null;
  picking: boolean;
  result: InterceptResult | null;
  onPick: () => void;
  onScene: (scene: { lon: number; lat: number } | null) => void;
  onResult: (result: InterceptResult | null) => void;
}) {
  const { t } = useTranslation('perimeter');
  const cache = useQueryClient();
  const [number, setNumber] = useState('');
  const [minutes, setMinutes] = useState(5);
  const [error, setError] = useState<string | null>(null);

  const advise = useMutation({
    mutationFn: async () => {
      let query: { lon?: number; lat?: number; incidentId?: string };
      const wanted = number.trim();
      if (wanted) {
        // Incident numbers are for people; the API takes the incident's id (open incidents only).
        const incidents = await cache.fetchQuery(dispatchQueries.incidents());
        const incident = incidents.find((i) => i.number === wanted);
        if (!incident) throw new Error(t('intercept.incidentNotFound', { number: wanted }));
        query = { incidentId: incident.id };
        onScene({ lon: incident.lon, lat: incident.lat });
      } else if (scene) {
        query = { lon: scene.lon, lat: scene.lat };
      } else {
        throw new Error(t('intercept.sceneRequired'));
      }
      return perimeterApi.intercept({ ...query, minutes, ringId: ringId ?? undefined });
    },
    onMutate: () => setError(null),
    onSuccess: onResult,
    onError: (err) => setError(errorText(err)),
  });

  return (
    <div data-testid="intercept-panel">
      <Form layout="vertical" onFinish={() => advise.mutate()}>
        <Form.Item label={t('intercept.incident')} style={{ marginBottom: 8 }}>
          <Input
            value={number}
            onChange={(e) => setNumber(e.target.value)}
            placeholder={t('intercept.incidentPlaceholder')}
            allowClear
            data-testid="intercept-incident"
          />
        </Form.Item>
        <Form.Item label={t('intercept.scene')} style={{ marginBottom: 8 }}>
          <Space wrap>
            <Button
              icon={<AimOutlined />}
              type={picking ? 'primary' : 'default'}
              onClick={onPick}
              data-testid="intercept-pick"
            >
              {t('intercept.pickScene')}
            </Button>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {picking
                ? t('intercept.pickHint')
                : scene
                  ? `${scene.lon.toFixed(5)}, ${scene.lat.toFixed(5)}`
                  : t('intercept.sceneNone')}
            </Typography.Text>
          </Space>
        </Form.Item>
        <Space align="end" wrap>
          <Form.Item label={t('intercept.minutes')} style={{ marginBottom: 8 }}>
            <InputNumber
              min={0.5}
              max={120}
              step={1}
              value={minutes}
              onChange={(v) => setMinutes(v ?? 5)}
              data-testid="intercept-minutes"
            />
          </Form.Item>
          <Form.Item style={{ marginBottom: 8 }}>
            <Space>
              <Button
                type="primary"
                htmlType="submit"
                icon={<SearchOutlined />}
                loading={advise.isPending}
                data-testid="intercept-run"
              >
                {t('intercept.run')}
              </Button>
              {result ? (
                <Button
                  onClick={() => {
                    onResult(null);
                    onScene(null);
                  }}
                >
                  {t('intercept.clear')}
                </Button>
              ) : null}
            </Space>
          </Form.Item>
        </Space>
      </Form>
      {error ? <Alert type="error" showIcon title={error} style={{ marginBottom: 8 }} /> : null}
      {result ? (
        <>
          <Typography.Text strong>{t('intercept.area', { minutes: result.minutes })}</Typography.Text>
          <Typography.Title level={5} style={{ marginTop: 8 }}>
            {t('intercept.activateNow')}
          </Typography.Title>
          {result.possiblyPassed.length > 0 ? (
            <Alert
              type="warning"
              showIcon
              style={{ marginBottom: 8 }}
              title={t('intercept.passed', { count: result.possiblyPassed.length })}
            />
          ) : null}
          {result.activateNow.length === 0 ? (
            <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('intercept.empty')} />
          ) : (
            <Table<Row>
              size="small"
              rowKey="checkpointId"
              pagination={false}
              dataSource={result.activateNow}
              data-testid="intercept-list"
              columns={[
                {
                  title: '#',
                  key: 'order',
                  width: 32,
                  render: (_, __, i) => i + 1,
                },
                {
                  title: t('plan.checkpoint'),
                  key: 'name',
                  render: (_, r) => (
                    <>
                      <Typography.Text strong>{r.name}</Typography.Text>
                      <br />
                      <Tag color={KIND_COLORS[r.kind]} style={{ marginInlineEnd: 0, fontSize: 11 }}>
                        {t(`kind.${r.kind}`)}
                      </Tag>
                    </>
                  ),
                },
                {
                  title: t('intercept.vehicle'),
                  key: 'vehicle',
                  width: 86,
                  align: 'right',
                  render: (_, r) =>
                    r.vehicleArrivalSeconds === null ? (
                      '—'
                    ) : (
                      <>
                        {minutesSeconds(r.vehicleArrivalSeconds)}
                        {r.vehicleSecondsLeft !== null ? (
                          <>
                            <br />
                            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                              {t('intercept.vehicleLeft')} {minutesSeconds(r.vehicleSecondsLeft)}
                            </Typography.Text>
                          </>
                        ) : null}
                      </>
                    ),
                },
                {
                  title: t('intercept.nearestUnit'),
                  key: 'unit',
                  width: 130,
                  render: (_, r) => (
                    <>
                      {r.nearestUnit ? (
                        <span style={{ whiteSpace: 'nowrap' }}>
                          {r.nearestUnit.callSign}{' '}
                          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                            {r.nearestUnit.etaSeconds === null
                              ? '—'
                              : minutesSeconds(r.nearestUnit.etaSeconds)}
                          </Typography.Text>
                        </span>
                      ) : (
                        <Typography.Text type="secondary">{t('intercept.noUnit')}</Typography.Text>
                      )}
                      <br />
                      <Tag
                        color={r.unitBeatsVehicle ? 'success' : 'error'}
                        style={{ marginInlineEnd: 0, marginTop: 2 }}
                        data-testid="intercept-beats"
                      >
                        {r.unitBeatsVehicle ? t('intercept.beats') : t('intercept.loses')}
                      </Tag>
                    </>
                  ),
                },
              ]}
            />
          )}
        </>
      ) : null}
    </div>
  );
}
