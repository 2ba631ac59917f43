import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Button, Card, Empty, List, Modal, Tag } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCan } from '../../auth/session';
import { type Tour, videoKeys, videoQueries } from '../../video/api';
import { TourRunner } from './TourRunner';

/** The tours of one's org with their shifts; an operator starts a run in a dialog. */
export function ToursPanel() {
  const { t } = useTranslation('video', { keyPrefix: 'tours' });
  const can = useCan();
  const cache = useQueryClient();
  const tours = useQuery(videoQueries.tours());
  const [running, setRunning] = useState<Tour | null>(null);
  return (
    <Card size="small" title={t('title')} data-testid="tours-panel">
      {tours.data && tours.data.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('none')} />
      ) : (
        <List
          size="small"
          loading={tours.isLoading}
          dataSource={tours.data ?? []}
          renderItem={(tour) => (
            <List.Item
              data-testid="tour-item"
              actions={
                can('video.view')
                  ? [
                      <Button
                        key="start"
                        size="small"
                        type="primary"
                        onClick={() => setRunning(tour)}
                        data-testid="tour-start"
                      >
                        {t('start')}
                      </Button>,
                    ]
                  : []
              }
            >
              <List.Item.Meta
                title={tour.name}
                description={
                  <>
                    {tour.shifts.map((s) => (
                      <Tag key={s}>{t(`shift.${s}`)}</Tag>
                    ))}
                    {t('cameras', { count: tour.cameras.length, seconds: tour.dwellSeconds })}
                  </>
                }
              />
            </List.Item>
          )}
        />
      )}
      <Modal
        open={running !== null}
        title={running?.name}
        footer={null}
        width={720}
        destroyOnHidden
        onCancel={() => setRunning(null)}
      >
        {running ? (
          <TourRunner
            tour={running}
            onDone={() => {
              setRunning(null);
              cache.invalidateQueries({ queryKey: videoKeys.all });
            }}
          />
        ) : null}
      </Modal>
    </Card>
  );
}
