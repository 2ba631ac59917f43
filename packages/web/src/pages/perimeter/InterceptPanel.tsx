import { AimOutlined, SearchOutlined } from '@ant-design/icons';
import { Alert, Button, Empty, Form, Input, InputNumber, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { dispatchApi, errorText, minutesSeconds } from '../dispatch/api';
import { type InterceptResult, KIND_COLORS, perimeterApi } from './api';
import { usePerimeterT } from './usePerimeterT';

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
  const { t } = usePerimeterT();
  const [number, setNumber] = useState('');
  const [minutes, setMinutes] = useState(5);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  const run = async () => {
    setError(null);
    setLoading(true);
    try {
      let query: { lon?: number; lat?: number; incidentId?: string } = {};
      const wanted = number.trim();
      if (wanted) {
        // Incident numbers are for people; the API takes the incident's id (open incidents only).
        const incident = (await dispatchApi.incidents()).items.find((i) => i.number === wanted);
        if (!incident) {
          setError(t('intercept.incidentNotFound', { number: wanted }));
          return;
        }
        query = { incidentId: incident.id };
        onScene({ lon: incident.lon, lat: incident.lat });
      } else if (scene) {
        query = { lon: scene.lon, lat: scene.lat };
      } else {
        setError(t('intercept.sceneRequired'));
        return;
      }
      onResult(await perimeterApi.intercept({ ...query, minutes, ringId: ringId ?? undefined }));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setLoading(false);
    }
  };

  return (
    <div data-testid="intercept-panel">
      <Form layout="vertical" onFinish={() => void run()}>
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
                loading={loading}
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
