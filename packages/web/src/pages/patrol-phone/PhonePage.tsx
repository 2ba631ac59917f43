import { AimOutlined, CarOutlined, CheckCircleOutlined, EnvironmentOutlined } from '@ant-design/icons';
import type { UnitStatus } from '@citywatch/core/dispatch/incident';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Empty, Popconfirm, Select, Space, Spin, Tag, Typography } from 'antd';
import type { Map as MapLibreMap } from 'maplibre-gl';
import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/client';
import { dispatchKeys, dispatchQueries, type Incident, type Unit } from '../../api/dispatch';
import { defaultCity, placesQueries } from '../../api/places';
import { formatDateTime } from '../../format';
import { useLiveEvent } from '../../live/LiveProvider';
import { CityMap } from '../../map/CityMap';
import { PhonePlan, type PlanTarget } from './PhonePlan';
import { phoneApi, phoneKeys, phoneQueries } from './phoneApi';
import { drawPhone, installPhoneLayers } from './phoneMap';
import { type PhonePosition, usePhonePosition } from './phonePosition';
import { installPwa } from './pwa';

const STATUS_COLOR: Record<UnitStatus, string> = {
  available: 'green',
  dispatched: 'orange',
  en_route: 'blue',
  on_scene: 'purple',
  out_of_service: 'default',
};

/** The next status the officer reports on a dispatch: accept (go), arrive, done. */
const DISPATCH_STEP: Partial<Record<UnitStatus, { to: UnitStatus; label: 'accept' | 'onScene' | 'clear' }>> =
  {
    dispatched: { to: 'en_route', label: 'accept' },
    en_route: { to: 'on_scene', label: 'onScene' },
    on_scene: { to: 'available', label: 'clear' },
  };

/**
 * 巡逻终端: the patrol officer's phone, for a 390 × 844 screen. It covers the desktop frame (the
 * page framework has no frameless layout) and shows, top to bottom: the unit and its status, the
 * map with the road route to where the officer goes next, the dispatch with its accept button,
 * today's plan with the next visit and its check-in, and the status buttons.
 */
export function PhonePage() {
  const { t } = useTranslation('patrolPhone');
  const { notification } = App.useApp();
  const cache = useQueryClient();
  useEffect(installPwa, []);
  useEffect(hideFrame, []);

  const cities = useQuery(placesQueries.cities());
  const city = defaultCity(cities.data);
  const signOn = useQuery(phoneQueries.signOn());
  const units = useQuery(dispatchQueries.units());
  const unitId = signOn.data?.unitId ?? null;
  const unit = units.data?.find((u) => u.id === unitId) ?? null;
  const position = usePhonePosition(unitId);

  const incidentId = unit?.incidentId ?? null;
  const incident = useQuery({ ...dispatchQueries.incident(incidentId ?? ''), enabled: incidentId !== null });
  const onDispatch = unit !== null && incidentId !== null && unit.status in DISPATCH_STEP;
  const [visit, setVisit] = useState<PlanTarget | null>(null);

  const target = useMemo(() => {
    if (onDispatch && incident.data)
      return { lon: incident.data.lon, lat: incident.data.lat, incident: true };
    if (visit) return { lon: visit.lon, lat: visit.lat, incident: false };
    return null;
  }, [onDispatch, incident.data, visit]);
  const from =
    position.fix ?? (unit?.lon != null && unit.lat != null ? { lon: unit.lon, lat: unit.lat } : null);
  const route = useQuery(phoneQueries.route(from, target));

  // A dispatch arrives live: the unit's row changes (the cache reloads it); the officer is told.
  useLiveEvent('dispatch.unit_changed', (event) => {
    const p = event.payload;
    if (p.unitId !== unitId || p.status !== 'dispatched' || !p.incidentId) return;
    if (p.incidentId === incidentId) return;
    notification.warning({ message: t('dispatch.arrived'), placement: 'bottom', duration: 5 });
    navigator.vibrate?.([300, 150, 300]);
  });

  const status = useMutation({
    mutationFn: (to: UnitStatus) => phoneApi.setStatus(unitId!, to),
    onSuccess: () => void cache.invalidateQueries({ queryKey: dispatchKeys.all }),
    onError: (error) => void notification.error({ message: errorText(error), placement: 'top' }),
  });

  const [map, setMap] = useState<MapLibreMap | null>(null);
  const fitted = useRef('');
  const onMapReady = useCallback((m: MapLibreMap) => {
    installPhoneLayers(m);
    setMap(m);
  }, []);
  const drawn = route.data?.coordinates ?? null;
  useEffect(() => {
    if (!map) return;
    const box = drawPhone(map, from, target, drawn);
    // Frame the route once per target, not at every fix (the officer may be panning).
    const key = target ? `${target.lon},${target.lat}:${drawn ? 'route' : ''}` : from ? 'me' : '';
    if (box && key !== fitted.current) {
      fitted.current = key;
      map.fitBounds(box, { padding: 50, maxZoom: 16, duration: 0 });
    }
  }, [map, from, target, drawn]);

  const loadError = cities.error ?? signOn.error ?? units.error;
  return createPortal(
    <div
      data-testid="phone-page"
      data-signed-on={unitId ? 'true' : 'false'}
      data-gps={position.state}
      data-sent={position.sent}
      data-route={route.data ? 'true' : 'false'}
      style={{
        position: 'fixed',
        inset: 0,
        zIndex: 1000,
        background: '#f5f6f8',
        display: 'flex',
        flexDirection: 'column',
        height: '100dvh',
      }}
    >
      <TopBar unit={unit} signedOnAt={signOn.data?.signedOnAt ?? null} position={position} />
      {loadError ? (
        <Alert type="error" showIcon title={t('loadFailed', { error: errorText(loadError) })} />
      ) : !cities.data || signOn.isPending ? (
        <div style={{ flex: 1, display: 'grid', placeItems: 'center' }}>
          <Spin size="large" />
        </div>
      ) : !city ? (
        <Empty description={t('noCity')} />
      ) : (
        <>
          <div style={{ flex: '0 0 38%', position: 'relative' }}>
            <CityMap
              city={city.name}
              bounds={city.bounds}
              onReady={onMapReady}
              fallback={<Alert type="warning" showIcon title={t('webglUnavailable')} />}
              style={{ height: '100%' }}
            />
          </div>
          <div
            style={{
              flex: 1,
              overflowY: 'auto',
              padding: 10,
              display: 'flex',
              flexDirection: 'column',
              gap: 10,
            }}
          >
            {!unitId ? (
              <SignOnCard units={units.data ?? []} />
            ) : (
              <>
                <DispatchCard
                  unit={unit}
                  incident={onDispatch ? (incident.data ?? null) : null}
                  route={onDispatch ? route.data : undefined}
                  busy={status.isPending}
                  onStep={(to) => status.mutate(to)}
                />
                <PhonePlan
                  unitId={unitId}
                  position={position.fix}
                  route={!onDispatch ? route.data : undefined}
                  onNextVisit={setVisit}
                />
                <StatusCard
                  unit={unit}
                  busy={status.isPending}
                  onStatus={(to) => status.mutate(to)}
                  signedOn={signOn.data!}
                />
              </>
            )}
          </div>
        </>
      )}
    </div>,
    document.body,
  );
}

/**
 * The page framework has no layout without the desktop frame, and a phone would shrink the page to
 * fit the frame's wide header. So the phone is drawn beside the app's root (a portal: the session,
 * the live feed and the query cache reach it as usual) and the frame is hidden while it is shown.
 */
function hideFrame() {
  const root = document.getElementById('root');
  if (!root) return;
  const before = root.style.display;
  root.style.display = 'none';
  return () => {
    root.style.display = before;
  };
}

function TopBar({
  unit,
  signedOnAt,
  position,
}: {
  unit: Unit | null;
  signedOnAt: string | null;
  position: PhonePosition;
}) {
  const { t } = useTranslation('patrolPhone');
  const gps =
    position.state === 'ok'
      ? position.lastSentAt
        ? t('gps.sent', { count: position.sent, at: formatDateTime(position.lastSentAt).slice(-8) })
        : t('gps.waiting')
      : position.state === 'off'
        ? null
        : t(`gps.${position.state}`);
  return (
    <div style={{ background: '#1f4e9c', color: '#fff', padding: '8px 12px', flex: 'none' }}>
      <div style={{ display: 'flex', alignItems: 'center', gap: 8 }}>
        <CarOutlined style={{ fontSize: 18 }} />
        <Typography.Text strong style={{ color: '#fff', fontSize: 16, flex: 1 }} data-testid="phone-unit">
          {unit ? unit.callSign : t('title')}
        </Typography.Text>
        {unit && (
          <Tag color={STATUS_COLOR[unit.status]} data-testid="phone-status" data-status={unit.status}>
            {t(`status.${unit.status}`)}
          </Tag>
        )}
      </div>
      {(gps || signedOnAt) && (
        <div style={{ fontSize: 12, opacity: 0.85, marginTop: 2 }} data-testid="phone-gps">
          <AimOutlined /> {gps}
          {position.refused ? ` · ${t('gps.rejected', { reason: position.refused })}` : ''}
        </div>
      )}
    </div>
  );
}

function SignOnCard({ units }: { units: readonly (Unit & { inScope?: boolean })[] }) {
  const { t } = useTranslation('patrolPhone', { keyPrefix: 'signOn' });
  const { notification } = App.useApp();
  const cache = useQueryClient();
  const [picked, setPicked] = useState<string | undefined>();
  const signOn = useMutation({
    mutationFn: (unitId: string) => phoneApi.signOnTo(unitId),
    onSuccess: () => void cache.invalidateQueries({ queryKey: phoneKeys.signOn }),
    onError: (error) => void notification.error({ message: errorText(error), placement: 'top' }),
  });
  const options = units
    .filter((u) => u.inScope !== false)
    .map((u) => ({ value: u.id, label: u.callSign }))
    .sort((a, b) => a.label.localeCompare(b.label, 'zh-CN'));
  return (
    <Card size="small" title={t('title')} data-testid="phone-sign-on">
      <Typography.Paragraph type="secondary" style={{ fontSize: 13 }}>
        {t('hint')}
      </Typography.Paragraph>
      <Space.Compact style={{ width: '100%' }}>
        <Select
          showSearch
          optionFilterProp="label"
          placeholder={t('pick')}
          options={options}
          value={picked}
          onChange={setPicked}
          style={{ flex: 1 }}
          size="large"
          data-testid="phone-unit-select"
        />
        <Button
          type="primary"
          size="large"
          disabled={!picked}
          loading={signOn.isPending}
          onClick={() => picked && signOn.mutate(picked)}
          data-testid="phone-sign-on-submit"
        >
          {t('submit')}
        </Button>
      </Space.Compact>
    </Card>
  );
}

function DispatchCard({
  unit,
  incident,
  route,
  busy,
  onStep,
}: {
  unit: Unit | null;
  incident: Incident | null;
  route: { timeSeconds: number; lengthM: number } | undefined;
  busy: boolean;
  onStep: (to: UnitStatus) => void;
}) {
  const { t, i18n } = useTranslation('patrolPhone', { keyPrefix: 'dispatch' });
  const categories = useQuery(dispatchQueries.categories());
  if (!unit || !incident) {
    return (
      <Card size="small" title={t('title')} data-testid="phone-dispatch" data-incident="">
        <Typography.Text type="secondary">{t('none')}</Typography.Text>
      </Card>
    );
  }
  const step = DISPATCH_STEP[unit.status];
  const category = categories.data?.find((c) => c.code === incident.category);
  const label = category ? (i18n.language === 'en' ? category.en : category.zh) : incident.category;
  const row = (name: string, value: ReactNode) => (
    <div style={{ display: 'flex', gap: 8 }}>
      <Typography.Text type="secondary" style={{ flex: '0 0 44px' }}>
        {name}
      </Typography.Text>
      <span>{value}</span>
    </div>
  );
  return (
    <Card
      size="small"
      title={
        <Space>
          <EnvironmentOutlined style={{ color: '#f5222d' }} />
          {t('title')} {incident.number}
        </Space>
      }
      style={{ borderColor: unit.status === 'dispatched' ? '#fa8c16' : undefined }}
      data-testid="phone-dispatch"
      data-incident={incident.id}
    >
      {row(t('category'), label)}
      {row(
        t('priority'),
        <Tag color={incident.priority === 'P1' ? 'red' : 'orange'}>{incident.priority}</Tag>,
      )}
      {row(t('address'), incident.addressLabel ?? `${incident.lon.toFixed(5)}, ${incident.lat.toFixed(5)}`)}
      {incident.narrative && (
        <Typography.Paragraph style={{ margin: '6px 0', fontSize: 13 }}>
          {incident.narrative}
        </Typography.Paragraph>
      )}
      {route && (
        <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="phone-eta">
          {t('eta', {
            min: Math.max(1, Math.round(route.timeSeconds / 60)),
            km: (route.lengthM / 1000).toFixed(1),
          })}
        </Typography.Text>
      )}
      {step && (
        <Button
          type="primary"
          danger={step.label === 'accept'}
          size="large"
          block
          style={{ marginTop: 8, height: 48 }}
          loading={busy}
          onClick={() => onStep(step.to)}
          data-testid={`phone-${step.label}`}
          icon={<CheckCircleOutlined />}
        >
          {t(step.label)}
        </Button>
      )}
    </Card>
  );
}

function StatusCard({
  unit,
  busy,
  onStatus,
  signedOn,
}: {
  unit: Unit | null;
  busy: boolean;
  onStatus: (to: UnitStatus) => void;
  signedOn: { unitId: string; callSign: string; signedOnAt: string };
}) {
  const { t } = useTranslation('patrolPhone');
  const { notification } = App.useApp();
  const cache = useQueryClient();
  const signOff = useMutation({
    mutationFn: () => phoneApi.signOff(signedOn.unitId),
    onSuccess: () => void cache.invalidateQueries({ queryKey: phoneKeys.signOn }),
    onError: (error) => void notification.error({ message: errorText(error), placement: 'top' }),
  });
  return (
    <Card size="small" title={t('status.title')} data-testid="phone-status-card">
      <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
        {t('signOn.signedOn', { callSign: signedOn.callSign, since: formatDateTime(signedOn.signedOnAt) })}
      </Typography.Paragraph>
      <Space wrap>
        {unit?.status === 'available' && (
          <Button
            loading={busy}
            onClick={() => onStatus('out_of_service')}
            data-testid="phone-to-out_of_service"
          >
            {t('status.toOutOfService')}
          </Button>
        )}
        {unit?.status === 'out_of_service' && (
          <Button
            type="primary"
            loading={busy}
            onClick={() => onStatus('available')}
            data-testid="phone-to-available"
          >
            {t('status.toAvailable')}
          </Button>
        )}
        <Popconfirm title={t('signOn.signOffConfirm')} onConfirm={() => signOff.mutate()}>
          <Button danger loading={signOff.isPending} data-testid="phone-sign-off">
            {t('signOn.signOff')}
          </Button>
        </Popconfirm>
      </Space>
    </Card>
  );
}
