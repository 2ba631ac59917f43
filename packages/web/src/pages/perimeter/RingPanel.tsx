import { PlusOutlined } from '@ant-design/icons';
import { DATUMS, type Datum, readArea } from '@citywatch/core/geo/geojson';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  Button,
  Card,
  Empty,
  Form,
  Input,
  Modal,
  Progress,
  Segmented,
  Select,
  Space,
  Tag,
  Typography,
} from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/client';
import { applyServerErrors } from '../../api/formErrors';
import {
  perimeterApi,
  perimeterKeys,
  perimeterQueries,
  type Ring,
  type RingAnalysis,
  type RingLevel,
} from '../../api/perimeter';
import { closureColor, RING_LEVELS } from './presentation';

/** A ring's analysis as the list shows it: computing, done, or failed. */
export type AnalysisState = { data?: RingAnalysis; error?: unknown };

const LEVEL_COLORS: Record<RingLevel, string> = { city: 'red', core: 'volcano', district: 'blue' };

/** The closure rate as a percentage bar: 100 % meets the standard (达标). */
export function ClosureRate({
  analysis,
  size = 'default',
}: {
  analysis: RingAnalysis;
  size?: 'small' | 'default';
}) {
  const { t } = useTranslation('perimeter');
  const percent = Math.round(analysis.closureRate * 1000) / 10;
  const meets = analysis.closureRate >= 1;
  return (
    <div data-testid="closure-rate" data-rate={analysis.closureRate}>
      <Space size={6} style={{ fontSize: 12 }} wrap>
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t('rings.closureRate')}
        </Typography.Text>
        <Typography.Text
          strong
          style={{ color: closureColor(analysis.closureRate) }}
          data-testid="closure-percent"
        >
          {percent}%
        </Typography.Text>
        <Tag color={meets ? 'success' : 'error'} style={{ marginInlineEnd: 0 }}>
          {meets ? t('rings.standard') : t('rings.belowStandard')}
        </Tag>
      </Space>
      <Progress
        percent={percent}
        showInfo={false}
        size={size === 'small' ? 'small' : 'default'}
        strokeColor={closureColor(analysis.closureRate)}
        status={meets ? 'success' : 'normal'}
      />
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {t('rings.crossings', { covered: analysis.covered, total: analysis.crossings })}
      </Typography.Text>
    </div>
  );
}

export function RingList({
  rings,
  analyses,
  selectedId,
  onSelect,
  canWrite,
  onCreate,
}: {
  rings: readonly Ring[];
  analyses: ReadonlyMap<string, AnalysisState>;
  selectedId: string | null;
  onSelect: (id: string) => void;
  canWrite: boolean;
  onCreate: () => void;
}) {
  const { t } = useTranslation('perimeter');
  return (
    <Card
      size="small"
      title={t('rings.title')}
      extra={
        canWrite ? (
          <Button
            size="small"
            type="primary"
            icon={<PlusOutlined />}
            onClick={onCreate}
            data-testid="ring-create"
          >
            {t('rings.create')}
          </Button>
        ) : null
      }
      styles={{ body: { padding: 8, overflow: 'auto', maxHeight: 330 } }}
      data-testid="ring-list"
    >
      {rings.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('rings.empty')} />
      ) : (
        rings.map((ring) => {
          const state = analyses.get(ring.id);
          const selected = ring.id === selectedId;
          return (
            <button
              type="button"
              key={ring.id}
              onClick={() => onSelect(ring.id)}
              data-testid={`ring-${ring.id}`}
              data-ring-name={ring.name}
              aria-pressed={selected}
              style={{
                display: 'block',
                width: '100%',
                textAlign: 'start',
                padding: '8px 10px',
                marginBottom: 6,
                borderRadius: 6,
                cursor: 'pointer',
                font: 'inherit',
                background: selected ? '#e6f4ff' : '#fff',
                border: `1px solid ${selected ? '#1677ff' : '#f0f0f0'}`,
              }}
            >
              <Space size={6} style={{ marginBottom: 4 }}>
                <Tag color={LEVEL_COLORS[ring.level]} style={{ marginInlineEnd: 0 }}>
                  {t(`level.${ring.level}`)}
                </Tag>
                <Typography.Text strong>{ring.name}</Typography.Text>
              </Space>
              {state?.data ? (
                <ClosureRate analysis={state.data} size="small" />
              ) : state?.error ? (
                <Typography.Text type="danger" style={{ fontSize: 12 }}>
                  {errorText(state.error)}
                </Typography.Text>
              ) : (
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {t('rings.analysing')}
                </Typography.Text>
              )}
            </button>
          );
        })
      )}
    </Card>
  );
}

type RingForm = { name: string; level: RingLevel; geometry?: string; datum: Datum };

/**
 * 新建圈层: a name, a level, and the area either pasted as GeoJSON or drawn on the map (the page
 * collects the clicked vertices while this modal is hidden, and opens it again when done).
 */
export function CreateRingModal({
  open,
  city,
  drawn,
  onStartDrawing,
  onCancel,
  onCreated,
}: {
  open: boolean;
  city: string | undefined;
  drawn: readonly [number, number][];
  onStartDrawing: () => void;
  onCancel: () => void;
  onCreated: (ring: Ring) => void;
}) {
  const { t } = useTranslation('perimeter');
  const cache = useQueryClient();
  const [form] = Form.useForm<RingForm>();
  const [source, setSource] = useState<'paste' | 'draw'>('paste');
  const [error, setError] = useState<string[]>([]);
  const create = useMutation({
    mutationFn: (body: { name: string; level: RingLevel; geometry: unknown; datum: Datum }) =>
      perimeterApi.createRing({ ...body, city }),
    onMutate: () => setError([]),
    onSuccess: (ring) => {
      // Listed (and chosen) at once; the server's list follows.
      cache.setQueryData(perimeterQueries.rings(city).queryKey, (list) =>
        list && !list.some((r) => r.id === ring.id) ? [...list, ring] : list,
      );
      void cache.invalidateQueries({ queryKey: perimeterKeys.rings });
      form.resetFields();
      setSource('paste');
      onCreated(ring);
    },
    onError: (err) => setError(applyServerErrors(form, err, ['name', 'level', 'geometry'])),
  });

  /**
   * A pasted file is read as the server reads it (core/geo/geojson: Geometry, Feature or a QGIS /
   * ogr2ogr FeatureCollection): its problems are shown at once, and its name and level fill the
   * fields left empty.
   */
  const readPasted = (text: string | undefined, datum: Datum) => {
    let json: unknown;
    try {
      json = JSON.parse(text ?? '');
    } catch {
      return { json: undefined, problems: [t('createRing.geojsonInvalid')] };
    }
    const read = readArea(json, { datum });
    if (read.area === null) return { json, problems: read.issues.map((i) => `${i.message} (${i.field})`) };
    const { name, level } = read.area;
    if (name && !form.getFieldValue('name')) form.setFieldValue('name', name);
    if (level && (RING_LEVELS as readonly string[]).includes(level) && !form.isFieldTouched('level'))
      form.setFieldValue('level', level);
    return { json, problems: [] };
  };

  // Coming back from drawing: the drawn polygon is the area.
  useEffect(() => {
    if (open && drawn.length > 0) setSource('draw');
  }, [open, drawn.length]);

  const submit = async () => {
    // A field left wrong: the form shows it next to the field, nothing more to do.
    const values = await form.validateFields().catch(() => null);
    if (!values) return;
    setError([]);
    let geometry: unknown;
    if (source === 'paste') {
      const pasted = readPasted(values.geometry, values.datum);
      if (pasted.problems.length > 0) {
        form.setFields([{ name: 'geometry', errors: pasted.problems }]);
        return;
      }
      geometry = pasted.json;
    } else {
      if (drawn.length < 3) {
        setError([t('createRing.geometryRequired')]);
        return;
      }
      geometry = { type: 'Polygon', coordinates: [[...drawn, drawn[0]]] };
    }
    // A drawn ring was clicked on the map, which is WGS-84.
    const datum = source === 'paste' ? values.datum : 'wgs84';
    create.mutate({ name: values.name, level: values.level, datum, geometry });
  };

  return (
    <Modal
      open={open}
      title={t('createRing.title')}
      onCancel={onCancel}
      onOk={() => void submit()}
      okButtonProps={{ loading: create.isPending }}
      width={560}
    >
      <Form
        form={form}
        layout="vertical"
        initialValues={{ level: 'district', datum: 'wgs84' }}
        requiredMark
        onValuesChange={(changed: Partial<RingForm>, all: RingForm) => {
          // Name and level from a pasted file's properties, and its problems, as soon as it is pasted.
          if ('geometry' in changed && all.geometry?.trim()) {
            const { problems } = readPasted(all.geometry, all.datum);
            form.setFields([{ name: 'geometry', errors: problems }]);
          }
        }}
      >
        <Form.Item
          name="name"
          label={t('createRing.name')}
          rules={[
            {
              required: true,
              whitespace: true,
              message: t('createRing.required', { field: t('createRing.name') }),
            },
          ]}
        >
          <Input maxLength={200} data-testid="ring-name" />
        </Form.Item>
        <Form.Item name="level" label={t('createRing.level')} rules={[{ required: true }]}>
          <Select options={RING_LEVELS.map((l) => ({ value: l, label: t(`levelLong.${l}`) }))} />
        </Form.Item>
        <Form.Item label={t('createRing.source')}>
          <Segmented
            value={source}
            onChange={(v) => setSource(v as 'paste' | 'draw')}
            options={[
              { value: 'paste', label: t('createRing.paste') },
              { value: 'draw', label: t('createRing.draw') },
            ]}
          />
        </Form.Item>
        {source === 'paste' ? (
          <Form.Item name="datum" label={t('createRing.datum')}>
            <Select
              data-testid="ring-datum"
              options={DATUMS.map((d) => ({ value: d, label: t(`createRing.datums.${d}`) }))}
            />
          </Form.Item>
        ) : null}
        {source === 'paste' ? (
          <Form.Item
            name="geometry"
            label={t('createRing.geojson')}
            rules={[{ required: true, message: t('createRing.geometryRequired') }]}
          >
            <Input.TextArea
              rows={6}
              placeholder={t('createRing.geojsonPlaceholder')}
              style={{ fontFamily: 'monospace', fontSize: 12 }}
              data-testid="ring-geojson"
            />
          </Form.Item>
        ) : (
          <Space orientation="vertical" style={{ width: '100%' }}>
            <Typography.Text type="secondary">{t('createRing.drawHint')}</Typography.Text>
            <Space>
              <Button onClick={onStartDrawing}>
                {drawn.length > 0 ? t('createRing.redraw') : t('createRing.startDrawing')}
              </Button>
              {drawn.length > 0 ? (
                <Tag color="magenta">{t('createRing.drawn', { count: drawn.length })}</Tag>
              ) : null}
            </Space>
          </Space>
        )}
        {error.length > 0 ? (
          <Alert type="error" showIcon style={{ marginTop: 12 }} title={error.join('；')} />
        ) : null}
      </Form>
    </Modal>
  );
}
