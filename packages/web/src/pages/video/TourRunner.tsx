import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Input, Progress, Radio, Result, Select, Space, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/client';
import { dispatchQueries } from '../../api/dispatch';
import { useCan } from '../../auth/session';
import { type Tour, type TourRun, videoApi } from '../../video/api';
import { HlsPlayer } from '../../video/HlsPlayer';

/**
 * One run of a video patrol tour: the cameras one after another, each shown live (the view is
 * audited with the tour as its purpose) for the tour's dwell time; the operator records "nothing
 * to note" or a finding (an incident, a patrol request, or an oversight inspection finding for
 * the regulated unit the camera is linked to) and moves on; the run is finished after the last
 * camera.
 */
export function TourRunner({ tour, onDone }: { tour: Tour; onDone: () => void }) {
  const { t } = useTranslation('video', { keyPrefix: 'tours' });
  const categories = useQuery(dispatchQueries.categories());
  const [run, setRun] = useState<TourRun | null>(null);
  const [position, setPosition] = useState(0);
  const [left, setLeft] = useState(tour.dwellSeconds);
  const [stream, setStream] = useState<string | null>(null);
  const [finding, setFinding] = useState(false);
  const [note, setNote] = useState('');
  const [action, setAction] = useState<'incident' | 'patrol_request' | 'inspection'>('incident');
  const [severity, setSeverity] = useState<'minor' | 'serious'>('minor');
  const can = useCan();
  const [category, setCategory] = useState<string | undefined>('public_order');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const camera = tour.cameras[position];
  const purpose = t('purpose', { name: tour.name });

  useEffect(() => {
    videoApi
      .startRun(tour.id)
      .then(setRun)
      .catch((e) => setError(errorText(e)));
  }, [tour.id]);

  // The camera's live view (audited with the tour as purpose) and its timer.
  useEffect(() => {
    setStream(null);
    setLeft(tour.dwellSeconds);
    if (!run || !camera) return;
    if (camera.hasHls) {
      videoApi
        .live(camera.id, purpose)
        .then((v) => setStream(v.hlsUrl))
        .catch((e) => setError(errorText(e)));
    }
    const timer = setInterval(() => setLeft((s) => Math.max(0, s - 1)), 1000);
    return () => clearInterval(timer);
  }, [run, camera, tour.dwellSeconds, purpose]);

  const record = useCallback(
    async (result: 'nothing' | 'finding') => {
      if (!run) return;
      setBusy(true);
      setError(null);
      try {
        let next = await videoApi.step(
          run.id,
          result === 'nothing'
            ? { position, result }
            : {
                position,
                result,
                note,
                action,
                category: action === 'incident' ? category : undefined,
                severity: action === 'inspection' ? severity : undefined,
              },
        );
        if (position + 1 >= tour.cameras.length) next = await videoApi.finish(run.id);
        setRun(next);
        setFinding(false);
        setNote('');
        setPosition((p) => p + 1);
      } catch (e) {
        setError(errorText(e));
      } finally {
        setBusy(false);
      }
    },
    [run, position, note, action, category, severity, tour.cameras.length],
  );

  if (run?.finishedAt) {
    const findings = run.steps.filter((s) => s.result === 'finding');
    return (
      <Result
        status="success"
        title={t('finished')}
        subTitle={t('summary', { seen: run.steps.length, findings: findings.length })}
        extra={
          <Button onClick={onDone} data-testid="tour-close">
            {t('close')}
          </Button>
        }
        data-testid="tour-finished"
      >
        {findings.map((s) => (
          <div key={s.position} data-testid="tour-finding">
            {tour.cameras[s.position]?.name}：{s.note}
            {s.incidentId
              ? ` — ${t('becameIncident')}`
              : s.patrolRequest
                ? ` — ${t('becamePatrol')}`
                : s.inspectionId
                  ? ` — ${t('becameInspection')}`
                  : ''}
          </div>
        ))}
      </Result>
    );
  }

  return (
    <div data-testid="tour-runner">
      {error ? <Alert type="error" showIcon title={error} style={{ marginBottom: 8 }} /> : null}
      {camera ? (
        <>
          <Space style={{ width: '100%', justifyContent: 'space-between' }}>
            <Typography.Text strong data-testid="tour-camera">
              {t('step', { n: position + 1, total: tour.cameras.length, name: camera.name })}
            </Typography.Text>
            <Typography.Text type={left === 0 ? 'danger' : 'secondary'} data-testid="tour-timer">
              {t('left', { seconds: left })}
            </Typography.Text>
          </Space>
          <Progress
            percent={Math.round(((tour.dwellSeconds - left) / tour.dwellSeconds) * 100)}
            showInfo={false}
            size="small"
          />
          {stream ? (
            <HlsPlayer src={stream} />
          ) : (
            <div
              style={{
                aspectRatio: '16 / 9',
                background: '#000',
                color: '#aaa',
                display: 'grid',
                placeItems: 'center',
              }}
            >
              {camera.hasHls ? t('loading') : t('noStream')}
            </div>
          )}
          {finding ? (
            <Space orientation="vertical" style={{ width: '100%', marginTop: 8 }}>
              <Input.TextArea
                rows={2}
                value={note}
                onChange={(e) => setNote(e.target.value)}
                placeholder={t('notePlaceholder')}
                data-testid="tour-note"
              />
              <Radio.Group value={action} onChange={(e) => setAction(e.target.value)}>
                <Radio value="incident">{t('asIncident')}</Radio>
                <Radio value="patrol_request">{t('asPatrol')}</Radio>
                {can('oversight.write') ? (
                  <Radio value="inspection" data-testid="tour-as-inspection">
                    {t('asInspection')}
                  </Radio>
                ) : null}
              </Radio.Group>
              {action === 'inspection' ? (
                <Space orientation="vertical" size={4}>
                  <Radio.Group value={severity} onChange={(e) => setSeverity(e.target.value)}>
                    <Radio value="minor">{t('minor')}</Radio>
                    <Radio value="serious">{t('serious')}</Radio>
                  </Radio.Group>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {t('inspectionHint')}
                  </Typography.Text>
                </Space>
              ) : null}
              {action === 'incident' ? (
                <Select
                  style={{ width: 240 }}
                  value={category}
                  onChange={setCategory}
                  options={(categories.data ?? []).map((c) => ({ value: c.code, label: c.zh }))}
                />
              ) : null}
              <Space>
                <Button
                  type="primary"
                  danger
                  loading={busy}
                  disabled={note.trim().length < 2}
                  onClick={() => record('finding')}
                  data-testid="tour-file-finding"
                >
                  {t('file')}
                </Button>
                <Button onClick={() => setFinding(false)}>{t('cancel')}</Button>
              </Space>
            </Space>
          ) : (
            <Space style={{ marginTop: 8 }}>
              <Button
                type="primary"
                loading={busy}
                disabled={!run}
                onClick={() => record('nothing')}
                data-testid="tour-nothing"
              >
                {t('nothing')}
              </Button>
              <Button danger disabled={!run} onClick={() => setFinding(true)} data-testid="tour-finding-open">
                {t('finding')}
              </Button>
            </Space>
          )}
        </>
      ) : null}
    </div>
  );
}
