import { useMutation, useQuery } from '@tanstack/react-query';
import {
  Alert,
  Button,
  Card,
  Descriptions,
  Form,
  Input,
  InputNumber,
  Radio,
  Result,
  Space,
  Tag,
  Typography,
  Upload,
} from 'antd';
import type { UploadFile } from 'antd/es/upload/interface';
import 'maplibre-gl/dist/maplibre-gl.css';
import type { Map as MapLibreMap, Marker } from 'maplibre-gl';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import { api, errorText } from '../../api/client';
import { publicReportApi } from '../../api/community';
import { cityMapStyle } from '../../map/style';

type LonLat = { lon: number; lat: number };
const rounded = (lon: number, lat: number): LonLat => ({
  lon: Number(lon.toFixed(6)),
  lat: Number(lat.toFixed(6)),
});

const time = (iso: string) =>
  new Date(iso).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });

/** A fingerprint of this browser (hashed on the server): a stored random id and a few traits. */
function deviceFingerprint(): string {
  const key = 'citywatch.report.device';
  let id = localStorage.getItem(key);
  if (!id) {
    id = crypto.randomUUID();
    localStorage.setItem(key, id);
  }
  return [
    id,
    navigator.language,
    screen.width,
    screen.height,
    Intl.DateTimeFormat().resolvedOptions().timeZone,
  ].join('|');
}

/**
 * 群众上报: the public page (no login, phone-sized). A category, a description, a photo or short
 * video, the position from the phone or typed in; then a tracking link. With `?t=` it shows the
 * report's progress instead.
 */
export function ReportPage() {
  const [params] = useSearchParams();
  const token = params.get('t');
  return (
    <div style={{ maxWidth: 480, margin: '0 auto', padding: 12 }} data-testid="report-page">
      {token ? <Tracking token={token} /> : <ReportForm />}
    </div>
  );
}

function Tracking({ token }: { token: string }) {
  const { t, i18n } = useTranslation('community');
  const report = useQuery({ queryKey: ['report-track', token], queryFn: () => publicReportApi.track(token) });
  const categories = useQuery({ queryKey: ['report-categories'], queryFn: publicReportApi.categories });
  const cat = categories.data?.find((c) => c.code === report.data?.category);
  return (
    <Card title={t('report.trackTitle')}>
      {report.error && <Alert type="error" message={errorText(report.error)} />}
      {report.data && (
        <Descriptions column={1} size="small" data-testid="report-tracking" data-status={report.data.status}>
          <Descriptions.Item label={t('intake.number')}>{report.data.number}</Descriptions.Item>
          <Descriptions.Item label={t('report.category')}>
            {cat ? (i18n.language === 'en' ? cat.en : cat.zh) : report.data.category}
          </Descriptions.Item>
          <Descriptions.Item label={t('intake.status')}>
            <Tag color="blue">{t(`status.${report.data.status}`)}</Tag>
          </Descriptions.Item>
          {report.data.statusNotes && (
            <Descriptions.Item label="">{report.data.statusNotes}</Descriptions.Item>
          )}
          <Descriptions.Item label={t('report.agency')}>{report.data.agency}</Descriptions.Item>
          <Descriptions.Item label={t('intake.received')}>{time(report.data.receivedAt)}</Descriptions.Item>
          <Descriptions.Item label={t('report.expected')}>{time(report.data.expectedAt)}</Descriptions.Item>
        </Descriptions>
      )}
    </Card>
  );
}

interface FormValues {
  category: string;
  description: string;
  address?: string;
  lon?: number;
  lat?: number;
}

function ReportForm() {
  const { t, i18n } = useTranslation('community');
  const [form] = Form.useForm<FormValues>();
  const categories = useQuery({ queryKey: ['report-categories'], queryFn: publicReportApi.categories });
  const [files, setFiles] = useState<UploadFile[]>([]);
  const [located, setLocated] = useState<LonLat | null>(null);
  const [pin, setPin] = useState<LonLat | null>(null);
  const [locateError, setLocateError] = useState<string | null>(null);
  const fingerprint = useMemo(deviceFingerprint, []);
  const submit = useMutation({
    mutationFn: (v: FormValues) => {
      const data = new FormData();
      data.set('category', v.category);
      data.set('description', v.description);
      data.set('fingerprint', fingerprint);
      if (v.address) data.set('address', v.address);
      // A pin placed on the map wins over the phone's fix: the citizen put it there on purpose.
      const typed = v.lon !== undefined && v.lat !== undefined ? { lon: v.lon, lat: v.lat } : null;
      const pos = pin ?? located ?? typed;
      if (pos) {
        data.set('lon', String(pos.lon));
        data.set('lat', String(pos.lat));
        data.set('positionSource', pos === located ? 'device' : 'pin');
      }
      const file = files[0]?.originFileObj;
      if (file) data.set('media', file, file.name);
      return publicReportApi.submit(data);
    },
  });
  const locate = () => {
    setLocateError(null);
    navigator.geolocation.getCurrentPosition(
      (p) => setLocated(rounded(p.coords.longitude, p.coords.latitude)),
      (e) => setLocateError(e.message),
      { enableHighAccuracy: true, timeout: 15_000 },
    );
  };
  if (submit.data) {
    const link = `${location.origin}/report?t=${encodeURIComponent(submit.data.token)}`;
    return (
      <Result
        status="success"
        title={t('report.done', { number: submit.data.number })}
        subTitle={
          <Space direction="vertical">
            <Typography.Text>{t('report.keepLink')}</Typography.Text>
            <Typography.Link href={link} copyable data-testid="tracking-link">
              {link}
            </Typography.Link>
          </Space>
        }
      />
    );
  }
  return (
    <Card title={t('report.title')}>
      <Typography.Paragraph type="secondary">{t('report.intro')}</Typography.Paragraph>
      <Form form={form} layout="vertical" onFinish={(v) => submit.mutate(v)}>
        {categories.error && (
          <Alert
            type="error"
            style={{ marginBottom: 12 }}
            message={errorText(categories.error)}
            action={
              <Button size="small" onClick={() => void categories.refetch()}>
                {t('report.retry')}
              </Button>
            }
          />
        )}
        <Form.Item name="category" label={t('report.category')} rules={[{ required: true }]}>
          {/* A list of big choices, not a dropdown: one tap on a phone, nothing to open or scroll. */}
          <Radio.Group
            data-testid="report-category"
            style={{ display: 'flex', flexDirection: 'column', gap: 8 }}
            options={(categories.data ?? []).map((c) => ({
              value: c.code,
              label: t('report.categoryHint', {
                name: i18n.language === 'en' ? c.en : c.zh,
                hours: c.slaHours,
              }),
            }))}
          />
        </Form.Item>
        <Form.Item name="description" label={t('report.description')} rules={[{ required: true, min: 5 }]}>
          <Input.TextArea
            rows={4}
            placeholder={t('report.descriptionHint')}
            data-testid="report-description"
          />
        </Form.Item>
        <Form.Item label={t('report.media')} extra={t('report.mediaHint')}>
          <Upload
            accept="image/jpeg,image/png,video/mp4,video/quicktime,video/webm"
            maxCount={1}
            fileList={files}
            beforeUpload={() => false}
            onChange={(e) => setFiles(e.fileList)}
          >
            <Button>{t('report.media')}</Button>
          </Upload>
        </Form.Item>
        <Form.Item label={t('report.position')}>
          <Space direction="vertical" style={{ width: '100%' }}>
            <Button onClick={locate} data-testid="report-locate">
              {t('report.locate')}
            </Button>
            <PinMap located={located} pin={pin} onPin={setPin} />
            {pin ? (
              <Space>
                <Typography.Text type="success" data-testid="report-position">
                  {t('report.fromPin', pin)}
                </Typography.Text>
                <Button size="small" type="link" onClick={() => setPin(null)}>
                  {t('report.clearPin')}
                </Button>
              </Space>
            ) : located ? (
              <Typography.Text type="success" data-testid="report-position">
                {t('report.fromDevice', located)}
              </Typography.Text>
            ) : (
              <Typography.Text type="secondary">{t('report.tapMap')}</Typography.Text>
            )}
            {locateError && <Typography.Text type="warning">{locateError}</Typography.Text>}
            {!located && !pin && <Typography.Text type="secondary">{t('report.pin')}</Typography.Text>}
            {!located && !pin && (
              <Space>
                <Form.Item name="lon" noStyle>
                  <InputNumber placeholder={t('report.lon')} min={-180} max={180} step={0.0001} />
                </Form.Item>
                <Form.Item name="lat" noStyle>
                  <InputNumber placeholder={t('report.lat')} min={-90} max={90} step={0.0001} />
                </Form.Item>
              </Space>
            )}
          </Space>
        </Form.Item>
        <Form.Item name="address" label={t('report.address')}>
          <Input />
        </Form.Item>
        {submit.error && (
          <Alert type="error" style={{ marginBottom: 12 }} message={errorText(submit.error)} />
        )}
        <Button
          type="primary"
          htmlType="submit"
          block
          size="large"
          loading={submit.isPending}
          data-testid="report-submit"
        >
          {t('report.submit')}
        </Button>
      </Form>
    </Card>
  );
}

interface PublicMap {
  center: LonLat;
  minZoom: number;
  maxZoom: number;
  tiles: string;
}

/**
 * A small map over the public base map (OSM roads and buildings, no login): tapping it sets or
 * moves the report's pin. Opens on the phone's fix when there is one, else on the city centre;
 * MapLibre is loaded only when the map is drawn, so the form itself stays light.
 */
function PinMap({
  located,
  pin,
  onPin,
}: {
  located: LonLat | null;
  pin: LonLat | null;
  onPin: (p: LonLat) => void;
}) {
  const { t } = useTranslation('community');
  const container = useRef<HTMLDivElement>(null);
  const map = useRef<MapLibreMap | null>(null);
  const marker = useRef<Marker | null>(null);
  const [failed, setFailed] = useState(false);
  const info = useQuery({
    queryKey: ['public-map'],
    queryFn: () => api<PublicMap>('/api/public/map', { noAuthRedirect: true }),
    staleTime: Number.POSITIVE_INFINITY,
  });
  const onPinRef = useRef(onPin);
  onPinRef.current = onPin;
  // The first view only; later fixes move the camera in the effect below.
  const startAt = useRef(located);
  startAt.current ??= located;

  useEffect(() => {
    if (!info.data || !container.current) return;
    const { center, minZoom, maxZoom, tiles } = info.data;
    let cancelled = false;
    let created: MapLibreMap | undefined;
    void (async () => {
      const [maplibre, worker] = await Promise.all([
        import('maplibre-gl'),
        import('maplibre-gl/dist/maplibre-gl-worker.mjs?url'),
      ]);
      if (cancelled || !container.current) return;
      maplibre.setWorkerUrl(worker.default);
      const start = startAt.current ?? center;
      try {
        created = new maplibre.Map({
          container: container.current,
          // Tiles are fetched from a worker: the template must be absolute.
          style: cityMapStyle({ tileUrl: `${window.location.origin}${tiles}` }),
          center: [start.lon, start.lat],
          zoom: startAt.current ? 16 : 13,
          minZoom,
          maxZoom: maxZoom + 1,
          attributionControl: { compact: true },
          maplibreLogo: false,
          dragRotate: false,
          pitchWithRotate: false,
        });
      } catch {
        setFailed(true);
        return;
      }
      created.touchZoomRotate.disableRotation();
      created.on('click', (e) => onPinRef.current(rounded(e.lngLat.lng, e.lngLat.lat)));
      map.current = created;
      marker.current = new maplibre.Marker({ color: '#cf1322' });
      if (navigator.webdriver) window.__citywatchMap = created;
    })();
    return () => {
      cancelled = true;
      created?.remove();
      map.current = null;
      marker.current = null;
    };
  }, [info.data]);

  useEffect(() => {
    if (located && !pin) map.current?.easeTo({ center: [located.lon, located.lat], zoom: 16 });
  }, [located, pin]);

  useEffect(() => {
    const m = map.current;
    if (!m || !marker.current) return;
    if (pin) marker.current.setLngLat([pin.lon, pin.lat]).addTo(m);
    else marker.current.remove();
  }, [pin]);

  if (failed || info.error) return <Typography.Text type="secondary">{t('report.noMap')}</Typography.Text>;
  return (
    <div
      ref={container}
      data-testid="report-map"
      style={{ width: '100%', height: 220, borderRadius: 6, overflow: 'hidden', touchAction: 'pan-y' }}
    />
  );
}
