import { PictureOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, Empty, List, Space, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { errorText } from '../api/client';
import { useCan } from '../auth/session';
import { ReportMediaButton } from '../pages/community/ReportMedia';
import { videoQueries } from './api';

/**
 * Citizens' photos and short videos near the point (community reports with an attachment, of the
 * viewer's subtree), beside its cameras: for staff who may read community reports; the bytes come
 * from the community module's staff route, after the viewer states a purpose (ReportMediaButton).
 */
export function CitizenMediaList({ lon, lat }: { lon: number; lat: number }) {
  const { t } = useTranslation('video', { keyPrefix: 'panel.media' });
  const can = useCan();
  const allowed = can('video.read') && can('community.read');
  const media = useQuery({ ...videoQueries.citizenMedia(lon, lat), enabled: allowed });
  if (!allowed) return null;
  const items = media.data ?? [];
  return (
    <div data-testid="citizen-media" style={{ marginTop: 8 }}>
      <Space size={6} style={{ marginBottom: 4 }}>
        <PictureOutlined />
        <Typography.Text strong>{t('title')}</Typography.Text>
      </Space>
      {media.error ? <Alert type="error" showIcon title={errorText(media.error)} /> : null}
      {!media.isLoading && items.length === 0 && !media.error ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('none')} />
      ) : (
        <List
          size="small"
          loading={media.isLoading}
          dataSource={items}
          renderItem={(m) => (
            <List.Item data-testid="citizen-media-item">
              <Space align="start">
                {/* Personal data: shown after a stated purpose (audited by community's route), no bare thumbnail. */}
                <ReportMediaButton
                  report={{ id: m.reportId, number: m.number, media: { type: m.mediaType } }}
                />
                <div>
                  <Space size={4} wrap>
                    <Typography.Text>{m.number}</Typography.Text>
                    <Tag>{t('distance', { metres: m.distanceM })}</Tag>
                  </Space>
                  <Typography.Paragraph ellipsis={{ rows: 2 }} style={{ marginBottom: 0, fontSize: 12 }}>
                    {m.description}
                  </Typography.Paragraph>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {t('received', { at: new Date(m.receivedAt).toLocaleString() })}
                    {m.takenAt ? ` · ${t('taken', { at: new Date(m.takenAt).toLocaleString() })}` : ''}
                  </Typography.Text>
                </div>
              </Space>
            </List.Item>
          )}
        />
      )}
    </div>
  );
}
