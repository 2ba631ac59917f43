import { Alert, Card, Col, Progress, Row, Spin, Statistic, Typography } from 'antd';
import type { TFunction } from 'i18next';
import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { type CoverageFigures, THRESHOLDS, type Threshold } from '../../api/coverage';
import { percent } from '../../format';
import { CoverageChart } from './CoverageChart';
import { BAND_COLORS } from './presentation';

type CoverageT = TFunction<'coverage'>;

/** Below this many standard addresses the address share moves in big steps; say so. */
const FEW_ADDRESSES = 20;

const isThreshold = (s: number): s is Threshold => (THRESHOLDS as readonly number[]).includes(s);

export function bandLabel(t: CoverageT, seconds: number): string {
  return isThreshold(seconds) ? t(`band.${seconds}`) : t('band.other', { minutes: seconds / 60 });
}

/** Per time limit: the share of addresses and of road length within reach; posts and compute time. */
export function FiguresPanel({ figures, loading }: { figures: CoverageFigures | null; loading: boolean }) {
  const { t } = useTranslation('coverage');
  const label = useCallback((seconds: number) => bandLabel(t, seconds), [t]);

  return (
    <Card
      size="small"
      title={t('figures.title')}
      extra={loading ? <Spin size="small" /> : null}
      data-testid="coverage-figures"
      styles={{ body: { display: 'flex', flexDirection: 'column', gap: 10 } }}
    >
      {!figures ? (
        <div style={{ display: 'grid', placeItems: 'center', height: 200 }}>
          <Spin />
        </div>
      ) : (
        <>
          <Row gutter={8}>
            <Col span={8}>
              <Statistic
                title={t('figures.posts')}
                value={figures.posts}
                data-testid="coverage-post-count"
                data-value={figures.posts}
              />
            </Col>
            <Col span={8}>
              <Statistic title={t('figures.addressCount')} value={figures.addresses} />
            </Col>
            <Col span={8}>
              <Statistic
                title={t('figures.computeMs')}
                value={figures.computeMs}
                precision={1}
                suffix={t('figures.ms')}
                data-testid="coverage-compute-ms"
              />
            </Col>
          </Row>
          {figures.postsOffNetwork > 0 && (
            <Alert
              type="warning"
              showIcon
              title={t('figures.postsOffNetwork', { count: figures.postsOffNetwork })}
            />
          )}
          {figures.thresholds.map((b) => {
            const color = isThreshold(b.seconds) ? BAND_COLORS[b.seconds] : '#8c8c8c';
            return (
              <div
                key={b.seconds}
                data-testid={`coverage-band-${b.seconds}`}
                data-address-share={b.addressShare}
                data-road-share={b.roadLengthShare}
              >
                <div style={{ display: 'flex', alignItems: 'center', gap: 6, marginBottom: 2 }}>
                  <span
                    style={{
                      width: 14,
                      height: 6,
                      borderRadius: 3,
                      background: color,
                      display: 'inline-block',
                    }}
                  />
                  <Typography.Text strong>{label(b.seconds)}</Typography.Text>
                  <Typography.Text type="secondary" style={{ marginInlineStart: 'auto', fontSize: 12 }}>
                    {t('figures.roadLength', { km: (b.roadLengthM / 1000).toFixed(1) })}
                  </Typography.Text>
                </div>
                <ShareRow label={t('figures.addresses')} share={b.addressShare} color="#1677ff" />
                <ShareRow label={t('figures.roads')} share={b.roadLengthShare} color="#52c41a" />
              </div>
            );
          })}
          {figures.addresses > 0 && figures.addresses < FEW_ADDRESSES && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t('figures.fewAddresses', { count: figures.addresses })}
            </Typography.Text>
          )}
          <div>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t('figures.chartTitle')}
            </Typography.Text>
            <CoverageChart
              thresholds={figures.thresholds}
              bandLabel={label}
              addressesLabel={t('figures.seriesAddresses')}
              roadsLabel={t('figures.seriesRoads')}
            />
          </div>
        </>
      )}
    </Card>
  );
}

function ShareRow({ label, share, color }: { label: string; share: number; color: string }) {
  return (
    <div style={{ display: 'flex', alignItems: 'center', gap: 8 }}>
      <Typography.Text type="secondary" style={{ width: 76, flex: 'none', fontSize: 12 }}>
        {label}
      </Typography.Text>
      <Progress
        percent={Math.round(share * 1000) / 10}
        strokeColor={color}
        size="small"
        format={() => percent(share)}
        status="normal"
        style={{ margin: 0, flex: 1 }}
      />
    </div>
  );
}
