import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Card,
  Empty,
  Input,
  InputNumber,
  Select,
  Space,
  Table,
  Typography,
  Upload,
} from 'antd';
import { useMemo, useState } from 'react';
import { ApiError, errorText } from '../../api/client';
import { dispatchApi, dispatchQueries } from '../../api/dispatch';
import type { CitySummary as City } from '../../api/places';
import { useCan } from '../../auth/session';
import { patrolApi } from './api';
import { DosagePanel } from './DosagePanel';
import {
  type PatrolPlan,
  type PatrolZone,
  type PlanBodyInput,
  plansApi,
  plansKeys,
  plansQueries,
} from './plans-api';
import { insideRing, proposePlan } from './plans-propose';
import { fill, usePlansText } from './plans-text';
import { ZonePaste } from './ZonePaste';

const PROPOSE_TOP = 6;

type TargetRow = PatrolPlan['body']['targets'][number];

/** Field errors of a refused plan, as "field: message" lines. */
function problemLines(error: unknown): string[] {
  if (error instanceof ApiError && error.errors.length > 0) {
    return error.errors.map((e) => `${e.field}: ${e.message}`);
  }
  return [errorText(error)];
}

/**
 * 巡逻计划: the org's plans for the city; one proposed from the current hot spots; the targets'
 * frequency and dwell edited and saved as a new version (old versions readable); zones imported
 * from GeoJSON; and, beside it, the plan's dosage from AVL (DosagePanel).
 */
export function PlansPanel({ city }: { city: City }) {
  const L = usePlansText();
  const { message } = App.useApp();
  const can = useCan();
  const canWrite = can('patrol.write');
  const cache = useQueryClient();
  const plans = useQuery(plansQueries.list(city.name));
  const [selected, setSelected] = useState<string | null>(null);
  const planId = selected ?? plans.data?.[0]?.id ?? null;
  const [version, setVersion] = useState<number | undefined>(undefined);
  const plan = useQuery({ ...plansQueries.plan(planId ?? '', version), enabled: planId !== null });
  const versions = useQuery({ ...plansQueries.versions(planId ?? ''), enabled: planId !== null });
  const [draft, setDraft] = useState<{
    id: string;
    version: number;
    targets: TargetRow[];
    zones?: PatrolZone[];
  } | null>(null);
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState<string[]>([]);
  const units = useQuery({ ...dispatchQueries.units(), enabled: canWrite });

  const targets = useMemo(() => {
    if (!plan.data) return [];
    if (draft && draft.id === plan.data.id && draft.version === plan.data.version) return draft.targets;
    return plan.data.body.targets;
  }, [plan.data, draft]);

  const refresh = (id: string) => {
    void cache.invalidateQueries({ queryKey: plansKeys.all });
    setSelected(id);
    setVersion(undefined);
    setDraft(null);
    setNote('');
    setErrors([]);
  };

  const propose = useMutation({
    mutationFn: async () => {
      const now = Date.now();
      const [hotspots, zones, unitList] = await Promise.all([
        patrolApi.hotspots(city.name, {
          model: 'prior_counts',
          unit: 'h3:9',
          coverage: 0.05,
          from: new Date(now).toISOString(),
          to: new Date(now + 8 * 3_600_000).toISOString(),
          categories: [],
          limit: PROPOSE_TOP,
        }),
        plansApi.jurisdictionZones(city.name),
        dispatchApi.units(),
      ]);
      const body = proposePlan(
        hotspots,
        zones,
        unitList.map((u) => u.id),
        `${L.plans} ${new Date(now).toLocaleDateString()}`,
      );
      if (typeof body === 'string') throw new Error(L[body]);
      return plansApi.create(body);
    },
    onSuccess: (p) => refresh(p.id),
    onError: (e) => setErrors(problemLines(e)),
  });

  const save = useMutation({
    mutationFn: async () => {
      const p = plan.data;
      if (!p) throw new Error('no plan');
      const zones = draft?.zones ?? p.body.zones;
      const body: PlanBodyInput = {
        name: p.body.name,
        city: p.city,
        shift: p.body.shift,
        zones,
        targets: targets.map((t) => ({
          ...t,
          zoneKey: zones.some((z) => z.key === t.zoneKey) ? t.zoneKey : zones[0].key,
        })),
        assignments: p.body.assignments.map((a) => ({
          ...a,
          zoneKey: zones.some((z) => z.key === a.zoneKey) ? a.zoneKey : zones[0].key,
        })),
        seed: p.body.seed,
        ...(note ? { note } : {}),
      };
      return plansApi.update(p.id, body);
    },
    onSuccess: (p) => {
      void message.success(fill(L.saved, { v: p.version }));
      refresh(p.id);
    },
    onError: (e) => setErrors(problemLines(e)),
  });

  const edit = (key: string, patch: Partial<TargetRow>) => {
    if (!plan.data) return;
    setDraft({
      id: plan.data.id,
      version: plan.data.version,
      zones: draft?.zones,
      targets: targets.map((t) => (t.key === key ? { ...t, ...patch } : t)),
    });
  };

  /**
   * A GeoJSON file of zones and must-patrol targets: Polygons are zones (or area targets when their
   * `kind` property is 'area'), Points point targets, LineStrings line targets; a target joins the
   * zone holding it (else the first). Applied to the draft; saved as a new version.
   */
  const importGeoJson = async (file: File) => {
    if (!plan.data) return;
    try {
      const geo = JSON.parse(await file.text()) as {
        features?: {
          properties?: { name?: string; kind?: string; visitsPerShift?: number } | null;
          geometry: { type: string; coordinates: unknown };
        }[];
      };
      const features = geo.features ?? [];
      const polygons = features.filter(
        (f) => f.geometry?.type === 'Polygon' && f.properties?.kind !== 'area',
      );
      const zones: PatrolZone[] =
        polygons.length > 0
          ? polygons.map((f, i) => ({
              key: `g${i + 1}`,
              name: f.properties?.name ?? `${L.zones} ${i + 1}`,
              geometry: { type: 'Polygon', coordinates: f.geometry.coordinates as number[][][] },
              source: 'imported',
            }))
          : (draft?.zones ?? plan.data.body.zones);
      const zoneOf = (lon: number, lat: number) =>
        (zones.find((z) => insideRing(z.geometry.coordinates[0], lon, lat)) ?? zones[0]).key;
      const added: TargetRow[] = [];
      features.forEach((f, i) => {
        const g = f.geometry;
        const kind =
          g?.type === 'Point'
            ? 'point'
            : g?.type === 'LineString'
              ? 'line'
              : f.properties?.kind === 'area'
                ? 'area'
                : null;
        if (!kind) return;
        const anchor =
          g.type === 'Point'
            ? (g.coordinates as number[])
            : g.type === 'LineString'
              ? (g.coordinates as number[][])[0]
              : (g.coordinates as number[][][])[0][0];
        added.push({
          key: `f${i + 1}`,
          name: f.properties?.name ?? `${L.target} ${added.length + 1}`,
          kind,
          geometry: g as TargetRow['geometry'],
          zoneKey: zoneOf(anchor[0], anchor[1]),
          radiusM: kind === 'line' ? 20 : 50,
          visitsPerShift: f.properties?.visitsPerShift ?? 2,
          dwellMinMin: 10,
          dwellMaxMin: 16,
          revisitMaxMin: 120,
        });
      });
      const kept = targets.map((t) => ({
        ...t,
        zoneKey: zones.some((z) => z.key === t.zoneKey)
          ? t.zoneKey
          : zoneOf(...(t.geometry.coordinates.flat(2).slice(0, 2) as [number, number])),
      }));
      setDraft({ id: plan.data.id, version: plan.data.version, targets: [...kept, ...added], zones });
      void message.info(fill(L.zonesImported, { n: polygons.length, t: added.length }));
    } catch (e) {
      setErrors([errorText(e)]);
    }
  };

  const readOnly = !canWrite || (plan.data ? plan.data.version !== plan.data.latestVersion : true);
  const num = (value: number, onChange: (v: number) => void, min: number, max: number, label: string) => (
    <InputNumber
      size="small"
      min={min}
      max={max}
      value={value}
      disabled={readOnly}
      aria-label={label}
      onChange={(v) => typeof v === 'number' && onChange(v)}
      style={{ width: 64 }}
    />
  );

  return (
    <div style={{ display: 'flex', gap: 12, height: '100%', minHeight: 0 }} data-testid="plans-panel">
      <div
        style={{
          width: 470,
          flex: 'none',
          overflowY: 'auto',
          display: 'flex',
          flexDirection: 'column',
          gap: 12,
        }}
      >
        <Card
          size="small"
          title={L.plans}
          extra={
            canWrite ? (
              <Button
                type="primary"
                size="small"
                loading={propose.isPending}
                onClick={() => {
                  setErrors([]);
                  propose.mutate();
                }}
                data-testid="plans-propose"
              >
                {L.propose}
              </Button>
            ) : null
          }
        >
          <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
            {fill(L.proposeHint, { n: PROPOSE_TOP })}
          </Typography.Paragraph>
          {plans.data && plans.data.length === 0 ? (
            <Empty description={L.noPlans} />
          ) : (
            <Space direction="vertical" style={{ width: '100%' }}>
              <Select
                style={{ width: '100%' }}
                value={planId ?? undefined}
                onChange={(id) => {
                  setSelected(id);
                  setVersion(undefined);
                  setDraft(null);
                }}
                options={(plans.data ?? []).map((p) => ({
                  value: p.id,
                  label: `${p.name} · v${p.version} · ${p.targets} ${L.targets} · ${p.units} ${L.units}`,
                }))}
                data-testid="plans-select"
              />
              <Select
                style={{ width: '100%' }}
                value={version ?? 0}
                onChange={(v) => {
                  setVersion(v === 0 ? undefined : v);
                  setDraft(null);
                }}
                options={[
                  { value: 0, label: `${L.version}: ${L.latest}` },
                  ...(versions.data ?? []).map((v) => ({
                    value: v.version,
                    label: `${L.version} ${v.version} · ${new Date(v.createdAt).toLocaleString()}${v.note ? ` · ${v.note}` : ''}`,
                  })),
                ]}
                data-testid="plans-version"
              />
            </Space>
          )}
          {errors.length > 0 ? (
            <Alert
              style={{ marginTop: 8 }}
              type="error"
              showIcon
              title={L.refused}
              description={errors.map((e) => <div key={e}>{e}</div>)}
              data-testid="plans-errors"
            />
          ) : null}
        </Card>

        {plan.data ? (
          <Card
            size="small"
            title={`${plan.data.name} · v${plan.data.version}`}
            extra={
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {L.shift} {new Date(plan.data.body.shift.start).toLocaleString()} –{' '}
                {new Date(plan.data.body.shift.end).toLocaleTimeString()}
              </Typography.Text>
            }
          >
            <Table<TargetRow>
              size="small"
              rowKey="key"
              pagination={false}
              dataSource={targets}
              data-testid="plans-targets"
              columns={[
                { title: L.target, dataIndex: 'name', ellipsis: true },
                {
                  title: L.visits,
                  render: (_, t) =>
                    num(t.visitsPerShift, (v) => edit(t.key, { visitsPerShift: v }), 1, 24, L.visits),
                },
                {
                  title: L.dwell,
                  render: (_, t) => (
                    <Space size={2}>
                      {num(t.dwellMinMin, (v) => edit(t.key, { dwellMinMin: v }), 1, 120, L.dwell)}–
                      {num(t.dwellMaxMin, (v) => edit(t.key, { dwellMaxMin: v }), 1, 180, L.dwell)}
                    </Space>
                  ),
                },
                {
                  title: L.revisit,
                  render: (_, t) =>
                    num(t.revisitMaxMin, (v) => edit(t.key, { revisitMaxMin: v }), 15, 720, L.revisit),
                },
              ]}
            />
            <Typography.Text
              type="secondary"
              style={{ fontSize: 12, display: 'block', marginTop: 8 }}
              data-testid="plans-zones"
            >
              {L.zones}: {(draft?.zones ?? plan.data.body.zones).map((z) => z.name).join('、')}
            </Typography.Text>
            {!readOnly ? (
              <Space style={{ marginTop: 8 }} wrap>
                <Input
                  size="small"
                  placeholder={L.note}
                  value={note}
                  onChange={(e) => setNote(e.target.value)}
                  style={{ width: 180 }}
                />
                <Button
                  size="small"
                  type="primary"
                  loading={save.isPending}
                  onClick={() => save.mutate()}
                  data-testid="plans-save"
                >
                  {L.save}
                </Button>
                <Upload
                  accept=".geojson,.json"
                  showUploadList={false}
                  beforeUpload={(file) => {
                    void importGeoJson(file);
                    return false;
                  }}
                >
                  <Button size="small">{L.importZones}</Button>
                </Upload>
              </Space>
            ) : null}
            {!readOnly ? (
              <ZonePaste
                taken={(draft?.zones ?? plan.data.body.zones).map((z) => z.key)}
                onZone={(zone, replace) => {
                  const p = plan.data;
                  if (!p) return;
                  const current = draft?.zones ?? p.body.zones;
                  setDraft({
                    id: p.id,
                    version: p.version,
                    targets,
                    zones: replace ? [zone] : [...current, zone],
                  });
                  setErrors([]);
                }}
              />
            ) : null}
            <Typography.Title level={5} style={{ marginTop: 12 }}>
              {L.schedule}
            </Typography.Title>
            <div style={{ maxHeight: 180, overflowY: 'auto', fontSize: 12 }} data-testid="plans-schedule">
              {plan.data.schedule.slice(0, 40).map((v) => (
                <div key={`${v.unitId}-${v.start}`}>
                  {new Date(v.start).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}–
                  {new Date(v.end).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })} ·{' '}
                  {(units.data ?? []).find((u) => u.id === v.unitId)?.callSign ?? v.unitId.slice(0, 8)} →{' '}
                  {plan.data?.body.targets.find((t) => t.key === v.targetKey)?.name ?? v.targetKey}
                </div>
              ))}
            </div>
          </Card>
        ) : null}
      </div>
      <div style={{ flex: 1, minWidth: 0 }}>
        {plan.data ? <DosagePanel city={city} plan={plan.data} /> : null}
      </div>
    </div>
  );
}
