import { useQuery } from '@tanstack/react-query';
import { Alert, Card, Table, Tag, Typography } from 'antd';
import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import { useCallback, useEffect, useState } from 'react';
import { errorText } from '../../api/client';
import type { CitySummary } from '../../api/places';
import { CityMap } from '../../map/CityMap';
import { type ComplianceReport, type PatrolPlan, plansQueries } from './plans-api';
import { fill, usePlansText } from './plans-text';

const SOURCE = 'patrol-dosage';
const ZONES = 'patrol-dosage-zones';
/** Received / planned dose: under half, under full, full or more. */
export const DOSE_COLORS = ['#cf1322', '#fa8c16', '#389e0d'] as const;

type TargetDose = ComplianceReport['targets'][number];

function ratio(t: TargetDose): number {
  return t.plannedMin > 0 ? t.receivedMin / t.plannedMin : 1;
}

function doseColor(r: number): string {
  return r < 0.5 ? DOSE_COLORS[0] : r < 1 ? DOSE_COLORS[1] : DOSE_COLORS[2];
}

function install(map: MapLibreMap): void {
  if (!map.getSource(ZONES))
    map.addSource(ZONES, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  if (!map.getSource(SOURCE))
    map.addSource(SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  if (!map.getLayer(`${ZONES}-line`)) {
    map.addLayer({
      id: `${ZONES}-line`,
      type: 'line',
      source: ZONES,
      paint: { 'line-color': '#1677ff', 'line-width': 2, 'line-dasharray': [2, 1] },
    });
  }
  if (!map.getLayer(`${SOURCE}-circle`)) {
    map.addLayer({
      id: `${SOURCE}-circle`,
      type: 'circle',
      source: SOURCE,
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 11, 5, 16, 14],
        'circle-color': ['get', 'color'],
        'circle-opacity': 0.85,
        'circle-stroke-color': '#fff',
        'circle-stroke-width': 1.5,
      },
    });
  }
}

/**
 * 巡逻剂量: per target of the plan the dose received (from the units' AVL) against the dose planned,
 * on the map (coloured by received / planned) and in a table, and per unit; the rules of the
 * visit reconstruction under it.
 */
export function DosagePanel({ city, plan }: { city: CitySummary; plan: PatrolPlan }) {
  const L = usePlansText();
  const report = useQuery(plansQueries.compliance(plan.id, plan.version));
  const [map, setMap] = useState<MapLibreMap | null>(null);
  const onReady = useCallback((m: MapLibreMap) => {
    install(m);
    setMap(m);
  }, []);

  useEffect(() => {
    if (!map) return;
    (map.getSource(ZONES) as GeoJSONSource | undefined)?.setData({
      type: 'FeatureCollection',
      features: plan.body.zones.map((z) => ({
        type: 'Feature',
        properties: { name: z.name },
        geometry: z.geometry,
      })),
    });
    const targets = report.data?.targets ?? [];
    (map.getSource(SOURCE) as GeoJSONSource | undefined)?.setData({
      type: 'FeatureCollection',
      features: targets.map((t) => ({
        type: 'Feature',
        properties: { key: t.key, color: doseColor(ratio(t)) },
        geometry: { type: 'Point', coordinates: [t.lon, t.lat] },
      })),
    });
    if (targets.length > 0) {
      const lons = targets.map((t) => t.lon);
      const lats = targets.map((t) => t.lat);
      map.fitBounds(
        [
          [Math.min(...lons) - 0.005, Math.min(...lats) - 0.005],
          [Math.max(...lons) + 0.005, Math.max(...lats) + 0.005],
        ],
        { duration: 0 },
      );
    }
  }, [map, plan, report.data]);

  const r = report.data;
  const min = (x: number) => x.toFixed(1);
  return (
    <div style={{ display: 'flex', flexDirection: 'column', gap: 12, height: '100%', minHeight: 0 }}>
      <div style={{ height: 320, flex: 'none', position: 'relative' }}>
        <CityMap
          city={city.name}
          bounds={city.bounds}
          onReady={onReady}
          fallback={<Alert type="error" showIcon title="WebGL" />}
          style={{ height: '100%', borderRadius: 8, background: '#eceff2' }}
        >
          <Card
            size="small"
            style={{ position: 'absolute', top: 10, left: 10, zIndex: 2 }}
            styles={{ body: { padding: '6px 10px', fontSize: 12 } }}
          >
            <Typography.Text strong style={{ fontSize: 12 }}>
              {L.legend}
            </Typography.Text>
            <div>
              {['< 50 %', '< 100 %', '≥ 100 %'].map((label, i) => (
                <span key={label} style={{ marginInlineEnd: 8 }}>
                  <span
                    style={{
                      display: 'inline-block',
                      width: 10,
                      height: 10,
                      borderRadius: 5,
                      background: DOSE_COLORS[i],
                      marginInlineEnd: 4,
                    }}
                  />
                  {label}
                </span>
              ))}
            </div>
          </Card>
        </CityMap>
      </div>
      <Card
        size="small"
        title={L.dosage}
        extra={
          r ? (
            <Typography.Text type="secondary">
              {fill(L.asOf, { t: new Date(r.asOf).toLocaleString() })}
            </Typography.Text>
          ) : null
        }
        style={{ flex: 1, minHeight: 0, overflowY: 'auto' }}
        data-testid="dosage-panel"
        data-ready={r ? 'true' : 'false'}
      >
        {report.error ? <Alert type="error" showIcon title={errorText(report.error)} /> : null}
        <Table<TargetDose>
          size="small"
          rowKey="key"
          loading={report.isFetching && !r}
          pagination={false}
          dataSource={r?.targets ?? []}
          data-testid="dosage-table"
          columns={[
            { title: L.target, dataIndex: 'name', ellipsis: true },
            {
              title: `${L.dosed} / ${L.planned}`,
              render: (_, t) => `${t.dosedVisits} / ${t.plannedVisits}`,
            },
            {
              title: `${L.received} / ${L.planned} (${L.minutes})`,
              render: (_, t) => (
                <span style={{ color: doseColor(ratio(t)), fontWeight: 600 }}>
                  {min(t.receivedMin)} / {min(t.plannedMin)}
                </span>
              ),
            },
            { title: L.missed, dataIndex: 'missed' },
            { title: `${L.gap} (${L.minutes})`, render: (_, t) => min(t.longestGapMin) },
            {
              title: L.kept,
              render: (_, t) => (
                <Tag color={t.revisitKept ? 'green' : 'red'}>{t.revisitKept ? L.yes : L.no}</Tag>
              ),
            },
            {
              title: L.coverage,
              render: (_, t) => (t.coverage === null ? '—' : `${Math.round(t.coverage * 100)} %`),
            },
          ]}
        />
        <Typography.Title level={5} style={{ marginTop: 12 }}>
          {L.perUnit}
        </Typography.Title>
        <Table
          size="small"
          rowKey="unitId"
          pagination={false}
          dataSource={r?.units ?? []}
          data-testid="dosage-units"
          columns={[
            { title: L.callSign, dataIndex: 'callSign' },
            { title: `${L.dosed} / ${L.planned}`, render: (_, u) => `${u.dosedVisits} / ${u.plannedVisits}` },
            { title: `${L.targets} (${L.minutes})`, render: (_, u) => min(u.targetMin) },
            {
              title: `${L.zoneTime} (${L.minutes})`,
              render: (_, u) => min(Object.values(u.zoneMin).reduce((s, x) => s + x, 0)),
            },
          ]}
        />
        {r ? (
          <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginTop: 8 }}>
            {fill(L.fixes, {
              read: r.fixes.read,
              accepted: r.fixes.accepted,
              jump: r.fixes.droppedJump,
              acc: r.fixes.droppedAccuracy,
              gaps: r.fixes.gaps,
            })}
            <br />
            {L.rules}
          </Typography.Paragraph>
        ) : null}
      </Card>
    </div>
  );
}
