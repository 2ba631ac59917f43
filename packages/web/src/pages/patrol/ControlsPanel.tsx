import { UploadOutlined } from '@ant-design/icons';
import { Button, Card, Segmented, Select, Space, Tooltip, Typography, Upload } from 'antd';
import { useTranslation } from 'react-i18next';
import { formatDateTime, percent } from '../../format';
import {
  COVERAGES,
  type HistorySummary,
  type HotspotCollection,
  type HotspotModel,
  type PatrolUnit,
  UNITS,
} from './api';

export type WindowChoice = 'week' | 'day' | 'night';
export const WINDOWS: readonly WindowChoice[] = ['week', 'day', 'night'];
const MODELS_BY_UNIT: Record<PatrolUnit, readonly HotspotModel[]> = {
  'h3:9': ['prior_counts', 'kde', 'recent'],
  segment: ['prior_counts', 'kde', 'recent', 'network_kde'],
};

export function modelsFor(unit: PatrolUnit): readonly HotspotModel[] {
  return MODELS_BY_UNIT[unit];
}

export interface Controls {
  model: HotspotModel;
  unit: PatrolUnit;
  coverage: number;
  window: WindowChoice;
  categories: string[];
}

const day = (iso: string | null) => formatDateTime(iso).slice(0, 10);

/** Model, unit, coverage, window and categories; what the history holds and what the ranking used. */
export function ControlsPanel({
  controls,
  onChange,
  history,
  hotspots,
  canImport,
  importing,
  onImport,
}: {
  controls: Controls;
  onChange: (next: Controls) => void;
  history: HistorySummary | null;
  hotspots: HotspotCollection | null;
  canImport: boolean;
  importing: boolean;
  onImport: (file: File) => void;
}) {
  const { t } = useTranslation('patrol');
  const set = (patch: Partial<Controls>) => onChange({ ...controls, ...patch });
  const meta = hotspots?.meta;

  return (
    <Card
      size="small"
      title={t('controls.title')}
      data-testid="patrol-controls"
      extra={
        canImport ? (
          <Upload
            accept=".csv,.json,.geojson,.txt"
            showUploadList={false}
            beforeUpload={(file) => {
              onImport(file);
              return false;
            }}
          >
            <Button size="small" icon={<UploadOutlined />} loading={importing} data-testid="patrol-import">
              {importing ? t('controls.importing') : t('controls.import')}
            </Button>
          </Upload>
        ) : null
      }
      styles={{ body: { display: 'flex', flexDirection: 'column', gap: 10 } }}
    >
      <Field label={t('controls.unit')}>
        <Segmented
          block
          size="small"
          value={controls.unit}
          options={UNITS.map((u) => ({ value: u, label: t(u === 'segment' ? 'unit.segment' : 'unit.h3') }))}
          onChange={(unit) => {
            const next = unit as PatrolUnit;
            set({
              unit: next,
              model: modelsFor(next).includes(controls.model) ? controls.model : 'prior_counts',
            });
          }}
          data-testid="patrol-unit"
        />
      </Field>
      <Field label={t('controls.model')}>
        <Select
          size="small"
          style={{ width: '100%' }}
          value={controls.model}
          onChange={(model) => set({ model })}
          options={modelsFor(controls.unit).map((m) => ({
            value: m,
            label: (
              <Tooltip title={t(`modelHint.${m}`)} placement="right">
                <span>{t(`model.${m}`)}</span>
              </Tooltip>
            ),
          }))}
          data-testid="patrol-model"
        />
      </Field>
      <Field label={t('controls.coverage')}>
        <Segmented
          block
          size="small"
          value={controls.coverage}
          options={COVERAGES.map((c) => ({ value: c, label: `${Math.round(c * 100)}%` }))}
          onChange={(coverage) => set({ coverage: Number(coverage) })}
          data-testid="patrol-coverage"
        />
      </Field>
      <Field label={t('controls.window')}>
        <Segmented
          block
          size="small"
          value={controls.window}
          options={WINDOWS.map((w) => ({ value: w, label: t(`window.${w}`) }))}
          onChange={(window) => set({ window: window as WindowChoice })}
        />
      </Field>
      <Field label={t('controls.categories')}>
        <Select
          size="small"
          mode="multiple"
          allowClear
          style={{ width: '100%' }}
          placeholder={t('controls.allCategories')}
          value={controls.categories}
          onChange={(categories) => set({ categories })}
          options={(history?.categories ?? []).map((c) => ({
            value: c.category,
            label: `${c.category} (${c.count})`,
          }))}
          maxTagCount="responsive"
        />
      </Field>
      <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="patrol-summary">
        {history
          ? t('controls.history', { count: history.count, from: day(history.first), to: day(history.last) })
          : null}
        {meta ? (
          <>
            <br />
            {t('controls.training', {
              count: meta.trainIncidents,
              from: day(meta.trainFrom),
              to: day(meta.trainTo),
            })}
            {meta.trainOutside > 0 ? `；${t('controls.outside', { count: meta.trainOutside })}` : null}
            <br />
            <span data-testid="patrol-flagged" data-units={meta.flaggedUnits}>
              {t('controls.flagged', {
                units: meta.flaggedUnits,
                measure: meta.measureUnit === 'km2' ? t('controls.measureArea') : t('controls.measureLength'),
                share: percent(meta.flaggedMeasureShare),
                expected: percent(meta.flaggedExpectedShare),
              })}
            </span>
          </>
        ) : null}
      </Typography.Text>
    </Card>
  );
}

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <Space direction="vertical" size={2} style={{ width: '100%' }}>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {label}
      </Typography.Text>
      {children}
    </Space>
  );
}
