import {
  CheckOutlined,
  CloseOutlined,
  FileTextOutlined,
  PlusOutlined,
  ReloadOutlined,
} from '@ant-design/icons';
import { capPolygonText } from '@citywatch/core/cap/public-notice';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Card,
  DatePicker,
  Drawer,
  Form,
  Input,
  InputNumber,
  Segmented,
  Select,
  Space,
  Table,
  type TableColumnsType,
  Tag,
  Typography,
} from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, errorText } from '../../api/client';
import { defaultCity, placesQueries } from '../../api/places';
import { sensorsQueries } from '../../api/sensors';
import { useCan, useCurrentUser } from '../../auth/session';
import { formatDateTime } from '../../format';
import { CityMap } from '../../map/CityMap';
import {
  alertHref,
  capApi,
  capKeys,
  capQueries,
  type Notice,
  type NoticeDraft,
  type NoticeStatus,
} from './api';

const STATUS_COLORS: Record<NoticeStatus, string> = {
  pending: 'processing',
  published: 'success',
  rejected: 'default',
};
const SEVERITY_COLORS: Record<string, string> = {
  Extreme: 'red',
  Severe: 'volcano',
  Moderate: 'orange',
  Minor: 'gold',
};
const SEVERITIES = ['Extreme', 'Severe', 'Moderate', 'Minor'] as const;
const URGENCIES = ['Immediate', 'Expected', 'Future'] as const;
const CERTAINTIES = ['Observed', 'Likely', 'Possible', 'Unlikely', 'Unknown'] as const;
const AREA_SOURCE = 'cap-notice-area';

/** What the compose drawer starts from: a fresh Alert, or an Update/Cancel of a published notice. */
type Compose = { msgType: 'Alert' } | { msgType: 'Update' | 'Cancel'; answers: Notice };

type FormValues = {
  kind: Notice['kind'];
  headlineZh: string;
  headlineEn: string;
  descriptionZh: string;
  descriptionEn: string;
  areaDesc: string;
  urgency: (typeof URGENCIES)[number];
  severity: (typeof SEVERITIES)[number];
  certainty: (typeof CERTAINTIES)[number];
  shape: 'circle' | 'polygon';
  lon?: number;
  lat?: number;
  radiusKm: number;
  /** CAP's own form: "lat,lon lat,lon …" (first = last). */
  polygon?: string;
  expiresAt: Dayjs;
};

/** The corners of a polygon text, without the closing repeat (unreadable pairs left out). */
function cornersOf(text: string | undefined): [number, number][] {
  const corners: [number, number][] = [];
  for (const pair of (text ?? '').trim().split(/\s+/)) {
    const [lat, lon] = pair.split(',').map(Number);
    if (Number.isFinite(lat) && Number.isFinite(lon) && pair.includes(',')) corners.push([lon, lat]);
  }
  const [first, last] = [corners[0], corners.at(-1)];
  if (corners.length > 1 && first[0] === last?.[0] && first[1] === last?.[1]) corners.pop();
  return corners;
}

/** Corners as CAP polygon text, closed once there are three. */
function polygonText(corners: [number, number][]): string {
  return capPolygonText(corners.length >= 3 ? [...corners, corners[0]] : corners);
}

/**
 * A circle as a 64-point ring, for drawing only (the notice itself is sent as centre and radius,
 * which is what CAP's <circle> carries). Local flat-earth offsets are exact enough below 50 km;
 * a geodesic library would add a dependency to the web for a preview.
 */
function circleRing(lon: number, lat: number, km: number): [number, number][] {
  const dLat = km / 110.574;
  const dLon = km / (111.32 * Math.cos((lat * Math.PI) / 180));
  const ring: [number, number][] = [];
  for (let k = 0; k <= 64; k++) {
    const a = (k / 64) * 2 * Math.PI;
    ring.push([lon + dLon * Math.cos(a), lat + dLat * Math.sin(a)]);
  }
  return ring;
}

/** 预警发布: public notices, drafted by one person and approved or rejected by another. */
export function NoticesPage() {
  const { t, i18n } = useTranslation('cap');
  const { message } = App.useApp();
  const qc = useQueryClient();
  const me = useCurrentUser();
  const can = useCan();
  const zh = i18n.language !== 'en';
  const list = useQuery(capQueries.list());
  const [compose, setCompose] = useState<Compose | null>(null);
  const refresh = () => void qc.invalidateQueries({ queryKey: capKeys.all });

  const decide = useMutation({
    mutationFn: ({ id, approve }: { id: string; approve: boolean }) => capApi.decide(id, approve),
    onSuccess: (n) => {
      refresh();
      void message.success(n.status === 'published' ? t('approved') : t('rejectedDone'));
    },
    onError: (err) => {
      refresh();
      void message.error(errorText(err));
    },
  });

  const byId = new Map((list.data?.items ?? []).map((n) => [n.id, n]));
  const columns: TableColumnsType<Notice> = [
    {
      title: t('columns.draftedAt'),
      dataIndex: 'draftedAt',
      width: 150,
      render: (v: string) => formatDateTime(v),
    },
    {
      title: t('columns.event'),
      width: 150,
      render: (_: unknown, n: Notice) => (
        <Space orientation="vertical" size={0}>
          <span>{t(`kinds.${n.kind}`)}</span>
          <Tag color={n.msgType === 'Cancel' ? 'green' : n.msgType === 'Update' ? 'blue' : 'red'}>
            {t(`msgTypes.${n.msgType}`)}
          </Tag>
        </Space>
      ),
    },
    {
      title: t('columns.headline'),
      width: 320,
      render: (_: unknown, n: Notice) => {
        const answered = n.answersId ? byId.get(n.answersId) : undefined;
        return (
          <Space orientation="vertical" size={0}>
            <Typography.Text strong>{zh ? n.headlineZh : n.headlineEn}</Typography.Text>
            <Typography.Paragraph
              type="secondary"
              style={{ fontSize: 12, marginBottom: 0 }}
              ellipsis={{ rows: 2, tooltip: zh ? n.descriptionZh : n.descriptionEn }}
            >
              {zh ? n.descriptionZh : n.descriptionEn}
            </Typography.Paragraph>
            {answered && (
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {t('answers')}: {zh ? answered.headlineZh : answered.headlineEn}
              </Typography.Text>
            )}
          </Space>
        );
      },
    },
    {
      title: t('columns.area'),
      width: 180,
      render: (_: unknown, n: Notice) => (
        <Space orientation="vertical" size={0}>
          <span>{n.areaDesc}</span>
          <Typography.Text type="secondary" className="cw-mono" style={{ fontSize: 12 }}>
            {n.lat.toFixed(4)}, {n.lon.toFixed(4)} ·{' '}
            {n.polygon
              ? t('polygonPoints', { n: n.polygon.trim().split(/\s+/).length - 1 })
              : t('radius', { km: n.radiusKm })}
          </Typography.Text>
        </Space>
      ),
    },
    {
      title: t('columns.levels'),
      width: 170,
      render: (_: unknown, n: Notice) => (
        <Space size={2} wrap>
          <Tag>{t(`urgencies.${n.urgency}` as 'urgencies.Immediate')}</Tag>
          <Tag color={SEVERITY_COLORS[n.severity]}>{t(`severities.${n.severity}` as 'severities.Minor')}</Tag>
          <Tag>{t(`certainties.${n.certainty}` as 'certainties.Observed')}</Tag>
        </Space>
      ),
    },
    {
      title: t('columns.expires'),
      dataIndex: 'expiresAt',
      width: 150,
      render: (v: string) => formatDateTime(v),
    },
    {
      title: t('columns.status'),
      dataIndex: 'status',
      width: 100,
      render: (s: NoticeStatus) => <Tag color={STATUS_COLORS[s]}>{t(`statuses.${s}`)}</Tag>,
    },
    {
      title: t('columns.people'),
      width: 130,
      render: (_: unknown, n: Notice) => (
        <Space orientation="vertical" size={0}>
          <span>{n.draftedByName}</span>
          {n.decidedByName && <Typography.Text type="secondary">{n.decidedByName}</Typography.Text>}
        </Space>
      ),
    },
    {
      title: t('columns.actions'),
      width: 230,
      // Always in view: the table scrolls sideways on a narrower screen, the decision does not.
      fixed: 'right',
      render: (_: unknown, n: Notice) => {
        if (n.status === 'pending') {
          const own = n.draftedBy === me.id;
          const allowed = can('cap.notices.approve');
          return (
            <Space orientation="vertical" size={4}>
              <Space size={4}>
                <Button
                  size="small"
                  type="primary"
                  icon={<CheckOutlined />}
                  disabled={own || !allowed}
                  loading={decide.isPending && decide.variables?.id === n.id && decide.variables.approve}
                  onClick={() => decide.mutate({ id: n.id, approve: true })}
                  data-testid={`approve-${n.id}`}
                >
                  {t('approve')}
                </Button>
                <Button
                  size="small"
                  danger
                  icon={<CloseOutlined />}
                  disabled={own || !allowed}
                  loading={decide.isPending && decide.variables?.id === n.id && !decide.variables.approve}
                  onClick={() => decide.mutate({ id: n.id, approve: false })}
                  data-testid={`reject-${n.id}`}
                >
                  {t('reject')}
                </Button>
              </Space>
              {(own || !allowed) && (
                <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid={`why-${n.id}`}>
                  {own ? t('ownDraft') : t('noApprovePermission')}
                </Typography.Text>
              )}
            </Space>
          );
        }
        return (
          <Space size={4} wrap>
            {n.alertUrl && (
              <a href={alertHref(n.alertUrl)} target="_blank" rel="noreferrer" data-testid={`xml-${n.id}`}>
                <FileTextOutlined /> {t('capXml')}
              </a>
            )}
            {n.status === 'published' && n.msgType !== 'Cancel' && can('cap.notices.draft') && (
              <>
                <Button size="small" onClick={() => setCompose({ msgType: 'Update', answers: n })}>
                  {t('update')}
                </Button>
                <Button size="small" onClick={() => setCompose({ msgType: 'Cancel', answers: n })}>
                  {t('cancel')}
                </Button>
              </>
            )}
          </Space>
        );
      },
    },
  ];

  return (
    <Space orientation="vertical" style={{ width: '100%' }} data-testid="notices-page">
      <Card
        title={
          <Space orientation="vertical" size={0} style={{ padding: '8px 0' }}>
            <span>{t('title')}</span>
            <Typography.Text type="secondary" style={{ fontWeight: 'normal', fontSize: 13 }}>
              {t('subtitle')}
            </Typography.Text>
          </Space>
        }
        extra={
          <Space>
            <Button icon={<ReloadOutlined />} onClick={refresh} data-testid="notices-refresh">
              {t('refresh')}
            </Button>
            {can('cap.notices.draft') && (
              <Button
                type="primary"
                icon={<PlusOutlined />}
                onClick={() => setCompose({ msgType: 'Alert' })}
                data-testid="notice-compose"
              >
                {t('compose')}
              </Button>
            )}
          </Space>
        }
      >
        {list.error && <Alert type="error" showIcon title={errorText(list.error)} />}
        <Table
          rowKey="id"
          size="small"
          loading={list.isLoading}
          columns={columns}
          dataSource={list.data?.items ?? []}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          scroll={{ x: 1500 }}
          locale={{ emptyText: t('empty') }}
          data-testid="notices-table"
        />
      </Card>
      {compose && (
        <ComposeDrawer
          compose={compose}
          onClose={() => setCompose(null)}
          onDone={() => {
            setCompose(null);
            refresh();
          }}
        />
      )}
    </Space>
  );
}

function ComposeDrawer(props: { compose: Compose; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation('cap');
  const { message } = App.useApp();
  const [form] = Form.useForm<FormValues>();
  const cities = useQuery(placesQueries.cities());
  const city = defaultCity(cities.data);
  const [map, setMap] = useState<MapLibreMap | null>(null);
  const lon = Form.useWatch('lon', form);
  const lat = Form.useWatch('lat', form);
  const radiusKm = Form.useWatch('radiusKm', form);
  const shape = Form.useWatch('shape', form) ?? 'circle';
  const polygon = Form.useWatch('polygon', form);
  const can = useCan();
  const crowdAreas = useQuery({ ...sensorsQueries.areas(), enabled: can('sensors.read') });
  const { compose } = props;
  const from = compose.msgType === 'Alert' ? null : compose.answers;

  const initial: Partial<FormValues> = from
    ? {
        kind: from.kind,
        headlineZh: from.headlineZh,
        headlineEn: from.headlineEn,
        descriptionZh: from.descriptionZh,
        descriptionEn: from.descriptionEn,
        areaDesc: from.areaDesc,
        urgency: (URGENCIES as readonly string[]).includes(from.urgency)
          ? (from.urgency as FormValues['urgency'])
          : 'Expected',
        severity: (SEVERITIES as readonly string[]).includes(from.severity)
          ? (from.severity as FormValues['severity'])
          : 'Moderate',
        certainty: (CERTAINTIES as readonly string[]).includes(from.certainty)
          ? (from.certainty as FormValues['certainty'])
          : 'Observed',
        shape: from.polygon ? 'polygon' : 'circle',
        lon: from.polygon ? undefined : from.lon,
        lat: from.polygon ? undefined : from.lat,
        radiusKm: from.radiusKm ?? 0.5,
        polygon: from.polygon ?? undefined,
        expiresAt: dayjs(from.expiresAt),
      }
    : {
        kind: 'crowd',
        urgency: 'Expected',
        severity: 'Moderate',
        certainty: 'Observed',
        shape: 'circle',
        radiusKm: 0.5,
        expiresAt: dayjs().add(4, 'hour').startOf('minute'),
      };

  const onReady = useCallback((m: MapLibreMap) => {
    m.addSource(AREA_SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    m.addLayer({
      id: 'cap-notice-area-fill',
      type: 'fill',
      source: AREA_SOURCE,
      paint: { 'fill-color': '#f5222d', 'fill-opacity': 0.15 },
    });
    m.addLayer({
      id: 'cap-notice-area-line',
      type: 'line',
      source: AREA_SOURCE,
      paint: { 'line-color': '#f5222d', 'line-width': 2 },
    });
    setMap(m);
  }, []);

  useEffect(() => {
    const source = map?.getSource(AREA_SOURCE) as GeoJSONSource | undefined;
    if (!source) return;
    const features: GeoJSON.Feature[] = [];
    if (shape === 'polygon') {
      const corners = cornersOf(polygon);
      if (corners.length >= 3)
        features.push({
          type: 'Feature',
          properties: {},
          geometry: { type: 'Polygon', coordinates: [[...corners, corners[0]]] },
        });
      else if (corners.length > 0)
        features.push({
          type: 'Feature',
          properties: {},
          geometry: {
            type: 'LineString',
            coordinates: corners.length === 1 ? [corners[0], corners[0]] : corners,
          },
        });
    } else if (
      typeof lon === 'number' &&
      typeof lat === 'number' &&
      typeof radiusKm === 'number' &&
      radiusKm > 0
    )
      features.push({
        type: 'Feature',
        properties: {},
        geometry: { type: 'Polygon', coordinates: [circleRing(lon, lat, radiusKm)] },
      });
    source.setData({ type: 'FeatureCollection', features });
  }, [map, shape, polygon, lon, lat, radiusKm]);

  /** A map click: the circle's centre, or the polygon's next corner. */
  const onMapClick = (p: { lon: number; lat: number }) => {
    if (form.getFieldValue('shape') === 'polygon') {
      const corners = cornersOf(form.getFieldValue('polygon'));
      corners.push([Number(p.lon.toFixed(6)), Number(p.lat.toFixed(6))]);
      form.setFieldsValue({ polygon: polygonText(corners) });
      form.setFields([{ name: 'polygon', errors: [] }]);
    } else form.setFieldsValue({ lon: Number(p.lon.toFixed(6)), lat: Number(p.lat.toFixed(6)) });
  };
  const undoCorner = () => {
    const corners = cornersOf(form.getFieldValue('polygon'));
    corners.pop();
    form.setFieldsValue({ polygon: polygonText(corners) });
  };
  const takeArea = (id: string) => {
    const area = crowdAreas.data?.items.find((a) => a.id === id);
    if (!area) return;
    form.setFieldsValue({
      polygon: polygonText(cornersOf(capPolygonText(area.ring as [number, number][]))),
      areaDesc: form.getFieldValue('areaDesc') || area.name,
    });
    const lons = area.ring.map((c) => c[0]);
    const lats = area.ring.map((c) => c[1]);
    map?.fitBounds(
      [
        [Math.min(...lons), Math.min(...lats)],
        [Math.max(...lons), Math.max(...lats)],
      ],
      { padding: 30, duration: 0 },
    );
  };

  const draft = useMutation({
    mutationFn: (body: NoticeDraft) => capApi.draft(body),
    onSuccess: () => {
      void message.success(t('form.drafted'));
      props.onDone();
    },
    onError: (err) => {
      if (err instanceof ApiError && err.errors.length > 0) {
        const fields = new Set([...Object.keys(form.getFieldsValue(true)), 'polygon']);
        // A polygon's pair is named as polygon.K: shown on the polygon field with its number.
        const fieldOf = (f: string) => f.split('.')[0];
        form.setFields(
          err.errors
            .filter((e) => fields.has(fieldOf(e.field)))
            .map((e) => ({
              name: fieldOf(e.field) as keyof FormValues,
              errors: [
                `${e.field !== fieldOf(e.field) ? `#${Number(e.field.split('.')[1]) + 1} ` : ''}${e.message || e.rule}`,
              ],
            })),
        );
      }
      void message.error(errorText(err));
    },
  });

  const submit = (v: FormValues) =>
    draft.mutate({
      kind: v.kind,
      msgType: compose.msgType,
      ...(from ? { answers: from.id } : {}),
      headlineZh: v.headlineZh,
      headlineEn: v.headlineEn,
      descriptionZh: v.descriptionZh,
      descriptionEn: v.descriptionEn,
      areaDesc: v.areaDesc,
      ...(v.shape === 'polygon'
        ? { polygon: (v.polygon ?? '').trim() }
        : { lat: v.lat as number, lon: v.lon as number, radiusKm: v.radiusKm }),
      urgency: v.urgency,
      severity: v.severity,
      certainty: v.certainty,
      expiresAt: v.expiresAt.toISOString(),
    });

  const required = [{ required: true, message: t('form.required') }];
  const title =
    compose.msgType === 'Update'
      ? t('form.titleUpdate')
      : compose.msgType === 'Cancel'
        ? t('form.titleCancel')
        : t('form.title');
  return (
    <Drawer
      open
      width={620}
      title={title}
      onClose={props.onClose}
      extra={
        <Button
          type="primary"
          loading={draft.isPending}
          onClick={() => form.submit()}
          data-testid="notice-submit"
        >
          {t('form.submit')}
        </Button>
      }
    >
      {from && (
        <Alert
          type="info"
          showIcon
          style={{ marginBottom: 12 }}
          title={`${t('answers')}: ${from.headlineZh}`}
        />
      )}
      <Form form={form} layout="vertical" initialValues={initial} onFinish={submit} data-testid="notice-form">
        <Space style={{ width: '100%' }} align="start">
          <Form.Item name="kind" label={t('form.kind')} rules={required} style={{ width: 180 }}>
            <Select
              disabled={!!from}
              options={(['crowd', 'road_closure'] as const).map((k) => ({
                value: k,
                label: t(`kinds.${k}`),
              }))}
              data-testid="notice-kind"
            />
          </Form.Item>
          <Form.Item name="expiresAt" label={t('form.expiresAt')} rules={required}>
            <DatePicker
              showTime={{ format: 'HH:mm' }}
              format="YYYY-MM-DD HH:mm"
              data-testid="notice-expires"
            />
          </Form.Item>
        </Space>
        <Form.Item name="headlineZh" label={t('form.headlineZh')} rules={required}>
          <Input maxLength={160} data-testid="notice-headline-zh" />
        </Form.Item>
        <Form.Item name="headlineEn" label={t('form.headlineEn')} rules={required}>
          <Input maxLength={160} data-testid="notice-headline-en" />
        </Form.Item>
        <Form.Item name="descriptionZh" label={t('form.descriptionZh')} rules={required}>
          <Input.TextArea rows={2} maxLength={2000} data-testid="notice-description-zh" />
        </Form.Item>
        <Form.Item name="descriptionEn" label={t('form.descriptionEn')} rules={required}>
          <Input.TextArea rows={2} maxLength={2000} data-testid="notice-description-en" />
        </Form.Item>
        <Space style={{ width: '100%' }} align="start" wrap>
          <Form.Item name="urgency" label={t('form.urgency')} style={{ width: 130 }}>
            <Select
              options={URGENCIES.map((k) => ({ value: k, label: t(`urgencies.${k}`) }))}
              data-testid="notice-urgency"
            />
          </Form.Item>
          <Form.Item name="severity" label={t('form.severity')} style={{ width: 130 }}>
            <Select
              options={SEVERITIES.map((k) => ({ value: k, label: t(`severities.${k}`) }))}
              data-testid="notice-severity"
            />
          </Form.Item>
          <Form.Item name="certainty" label={t('form.certainty')} style={{ width: 130 }}>
            <Select
              options={CERTAINTIES.map((k) => ({ value: k, label: t(`certainties.${k}`) }))}
              data-testid="notice-certainty"
            />
          </Form.Item>
        </Space>
        <Form.Item name="areaDesc" label={t('form.areaDesc')} rules={required}>
          <Input maxLength={200} data-testid="notice-area-desc" />
        </Form.Item>
        <Space style={{ width: '100%', marginBottom: 8 }} align="center" wrap>
          <Typography.Text strong>{t('form.area')}</Typography.Text>
          <Form.Item name="shape" noStyle>
            <Segmented
              options={(['circle', 'polygon'] as const).map((k) => ({
                value: k,
                label: t(`form.shapes.${k}`),
              }))}
              data-testid="notice-shape"
            />
          </Form.Item>
          {shape === 'polygon' && crowdAreas.data && crowdAreas.data.items.length > 0 && (
            <Select
              style={{ width: 220 }}
              placeholder={t('form.fromArea')}
              options={crowdAreas.data.items.map((a) => ({ value: a.id, label: a.name }))}
              onChange={takeArea}
              value={null}
              data-testid="notice-from-area"
            />
          )}
        </Space>
        <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
          {shape === 'polygon' ? t('form.polygonHelp') : t('form.areaHelp')}
        </Typography.Paragraph>
        <div style={{ height: 240, marginBottom: 12 }}>
          {city && (
            <CityMap
              key={city.name}
              city={city.name}
              bounds={from ? null : city.bounds}
              onReady={(m) => {
                onReady(m);
                if (from) m.jumpTo({ center: [from.lon, from.lat], zoom: 13 });
              }}
              onClick={onMapClick}
              fallback={<Alert type="warning" showIcon title={t('webglUnavailable')} />}
              style={{ height: '100%', borderRadius: 6 }}
            />
          )}
        </div>
        {shape === 'polygon' && (
          <>
            <Form.Item name="polygon" label={t('form.polygon')} rules={required}>
              <Input.TextArea rows={3} className="cw-mono" data-testid="notice-polygon" />
            </Form.Item>
            <Space style={{ marginTop: -8, marginBottom: 8 }}>
              <Button size="small" onClick={undoCorner} data-testid="notice-polygon-undo">
                {t('form.undoPoint')}
              </Button>
              <Button size="small" onClick={() => form.setFieldsValue({ polygon: '' })}>
                {t('form.clearPolygon')}
              </Button>
            </Space>
          </>
        )}
        <Space
          style={{ width: '100%', display: shape === 'polygon' ? 'none' : undefined }}
          align="start"
          wrap
        >
          <Form.Item name="lon" label={t('form.lon')} rules={shape === 'polygon' ? [] : required}>
            <InputNumber min={-180} max={180} step={0.0001} style={{ width: 150 }} data-testid="notice-lon" />
          </Form.Item>
          <Form.Item name="lat" label={t('form.lat')} rules={shape === 'polygon' ? [] : required}>
            <InputNumber min={-90} max={90} step={0.0001} style={{ width: 150 }} data-testid="notice-lat" />
          </Form.Item>
          <Form.Item name="radiusKm" label={t('form.radiusKm')} rules={shape === 'polygon' ? [] : required}>
            <InputNumber min={0.05} max={50} step={0.1} style={{ width: 120 }} data-testid="notice-radius" />
          </Form.Item>
        </Space>
      </Form>
    </Drawer>
  );
}
