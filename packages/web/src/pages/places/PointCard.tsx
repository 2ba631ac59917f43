import { CloseOutlined } from '@ant-design/icons';
import type { UseQueryResult } from '@tanstack/react-query';
import { Alert, Button, Card, Descriptions, Skeleton, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/client';
import type { PlaceReverse } from '../../api/places';
import { roadClassKey } from './roads';

/** What is at the clicked point: the nearest road, the nearest address and the jurisdiction. */
export function PointCard({
  point,
  state,
  onClose,
}: {
  point: { lon: number; lat: number };
  /** The reverse lookup at the point. */
  state: UseQueryResult<PlaceReverse>;
  onClose: () => void;
}) {
  const { t } = useTranslation('places');
  const none = <Typography.Text type="secondary">{t('point.none')}</Typography.Text>;
  const distance = (meters: number) => (
    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
      {' '}
      ({t('point.distance', { meters: Math.round(meters) })})
    </Typography.Text>
  );

  let body: React.ReactNode;
  if (state.isPending) body = <Skeleton active paragraph={{ rows: 3 }} title={false} />;
  else if (state.isError)
    body = <Alert type="error" title={t('point.failed', { error: errorText(state.error) })} />;
  else {
    const { road, address, jurisdiction } = state.data;
    body = (
      <Descriptions column={1} size="small" styles={{ label: { width: 72 } }}>
        <Descriptions.Item label={t('point.road')}>
          <span data-testid="point-road">
            {road ? (
              <>
                {road.name ?? t('point.unnamedRoad')}
                <Typography.Text type="secondary">
                  {' '}
                  · {t(`roadClass.${roadClassKey(road.highway)}`)}
                </Typography.Text>
                {distance(road.distanceM)}
              </>
            ) : (
              none
            )}
          </span>
        </Descriptions.Item>
        <Descriptions.Item label={t('point.address')}>
          <span data-testid="point-address">
            {address ? (
              <>
                {address.label}
                {distance(address.distanceM)}
              </>
            ) : (
              none
            )}
          </span>
        </Descriptions.Item>
        <Descriptions.Item label={t('point.jurisdiction')}>
          <span data-testid="point-jurisdiction">{jurisdiction ? jurisdiction.name : none}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('point.coordinates')}>
          <Typography.Text className="cw-mono" style={{ fontSize: 12 }}>
            {point.lon.toFixed(6)}, {point.lat.toFixed(6)}
          </Typography.Text>
        </Descriptions.Item>
      </Descriptions>
    );
  }

  return (
    <Card
      size="small"
      title={t('point.title')}
      extra={
        <Button
          type="text"
          size="small"
          icon={<CloseOutlined />}
          aria-label={t('point.close')}
          onClick={onClose}
        />
      }
      data-testid="point-card"
    >
      {body}
    </Card>
  );
}
