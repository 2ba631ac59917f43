import type { CalendarEntry } from '@citywatch/core/oversight/cases';
import { CHECKLISTS } from '@citywatch/core/oversight/checklists';
import {
  type CreateUnit,
  INDUSTRIES,
  INTERNAL_SECURITY,
  type Industry,
  RISK_LEVELS,
  type Unit,
  type UpdateUnit,
} from '@citywatch/core/oversight/schemas';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Badge,
  Button,
  type ButtonProps,
  Calendar,
  Checkbox,
  DatePicker,
  Drawer,
  Form,
  type FormInstance,
  Input,
  InputNumber,
  Modal,
  Radio,
  Select,
  Space,
  Typography,
} from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api } from '../../api/client';
import { formatDateTime } from '../../format';

const base = '/api/oversight';
const KEY = ['oversight'] as const;

const errorText = (e: unknown) =>
  e instanceof ApiError
    ? [e.display, ...e.errors.map((x) => `${x.field}: ${x.message || x.rule}`)].join(' · ')
    : String(e);

/** A problem's field errors shown on the form's own fields (`cameras.0.streamUrl` → that input). */
function showFieldErrors(form: FormInstance, e: unknown): boolean {
  if (!(e instanceof ApiError) || e.errors.length === 0) return false;
  const names = new Set(
    Object.keys(form.getFieldsValue(true) as Record<string, unknown>).concat(['lon', 'lat', 'cameras']),
  );
  const fields = e.errors
    .filter((x) => names.has(x.field.split('.')[0]))
    .map((x) => ({
      name: x.field.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)),
      errors: [x.message || x.rule],
    }));
  form.setFields(fields);
  return fields.length === e.errors.length;
}

/** A file as base64 (photos travel in JSON). */
function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

type UnitForm = {
  industry: Industry;
  name: string;
  licenceNo?: string;
  licenceValidFrom?: Dayjs | null;
  licenceValidUntil?: Dayjs | null;
  address?: string;
  lon?: number | null;
  lat?: number | null;
  riskLevel: Unit['riskLevel'];
  responsibleName?: string;
  responsiblePhone?: string;
  cameras?: { name: string; streamUrl: string }[];
};

const blank = (s: string | undefined) => (s?.trim() ? s.trim() : undefined);

const day = (d: Dayjs | null | undefined) => (d ? d.format('YYYY-MM-DD') : null);

/**
 * The fields of a correction that differ from the unit as listed. The responsible person is not
 * listed (reading it needs a purpose): a filled field replaces it, a blank one keeps it.
 */
function unitChanges(unit: Unit, v: UnitForm): UpdateUnit {
  const patch: UpdateUnit = {};
  const name = v.name.trim();
  if (name !== unit.name) patch.name = name;
  const licenceNo = blank(v.licenceNo) ?? null;
  if (licenceNo !== unit.licenceNo) patch.licenceNo = licenceNo;
  if (day(v.licenceValidFrom) !== unit.licenceValidFrom) patch.licenceValidFrom = day(v.licenceValidFrom);
  if (day(v.licenceValidUntil) !== unit.licenceValidUntil) patch.licenceValidUntil = day(v.licenceValidUntil);
  const address = blank(v.address);
  if (address && address !== unit.address) patch.address = address;
  if (typeof v.lon === 'number' && typeof v.lat === 'number' && (v.lon !== unit.lon || v.lat !== unit.lat)) {
    patch.lon = v.lon;
    patch.lat = v.lat;
  }
  if (v.riskLevel !== unit.riskLevel) patch.riskLevel = v.riskLevel;
  const responsibleName = blank(v.responsibleName);
  if (responsibleName) patch.responsibleName = responsibleName;
  const responsiblePhone = blank(v.responsiblePhone);
  if (responsiblePhone) patch.responsiblePhone = responsiblePhone;
  return patch;
}

/**
 * Registers a regulated unit (industry, licence and validity, address or point, risk, cameras),
 * or, given one, corrects it: the industry stays, cameras and staff are not edited here.
 */
export function UnitDrawer({ open, onClose, unit }: { open: boolean; onClose: () => void; unit?: Unit }) {
  const { t } = useTranslation('oversight');
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<UnitForm>();
  const [problem, setProblem] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: (v: UnitForm) => {
      if (unit) {
        const patch = unitChanges(unit, v);
        if (Object.keys(patch).length === 0) return Promise.resolve(null);
        return api<Unit>(`${base}/units/${unit.id}`, { method: 'PATCH', body: patch });
      }
      const body: CreateUnit = {
        industry: v.industry,
        name: v.name.trim(),
        licenceNo: blank(v.licenceNo),
        licenceValidFrom: v.licenceValidFrom?.format('YYYY-MM-DD'),
        licenceValidUntil: v.licenceValidUntil?.format('YYYY-MM-DD'),
        address: blank(v.address),
        ...(typeof v.lon === 'number' && typeof v.lat === 'number' ? { lon: v.lon, lat: v.lat } : {}),
        riskLevel: v.riskLevel,
        responsibleName: blank(v.responsibleName),
        responsiblePhone: blank(v.responsiblePhone),
        cameras: (v.cameras ?? [])
          .filter((c) => c?.name?.trim() || c?.streamUrl?.trim())
          .map((c) => ({ name: c.name?.trim() ?? '', streamUrl: c.streamUrl?.trim() ?? '' })),
      };
      return api<Unit>(`${base}/units`, { method: 'POST', body });
    },
    onSuccess: (u) => {
      if (u === null) message.info(t('unitForm.nothingChanged'));
      else message.success(t(unit ? 'unitForm.saved' : 'unitForm.done', { name: u.name }));
      void qc.invalidateQueries({ queryKey: KEY });
      form.resetFields();
      setProblem(null);
      onClose();
    },
    onError: (e) => setProblem(showFieldErrors(form, e) ? null : errorText(e)),
  });
  return (
    <Drawer
      open={open}
      width={560}
      title={unit ? t('unitForm.editTitle', { name: unit.name }) : t('unitForm.title')}
      onClose={onClose}
      destroyOnHidden
      extra={
        <Button
          type="primary"
          loading={save.isPending}
          onClick={() => form.submit()}
          data-testid="unit-submit"
        >
          {t('action.submit')}
        </Button>
      }
    >
      {problem && <Alert type="error" showIcon message={problem} style={{ marginBottom: 12 }} />}
      <Form<UnitForm>
        form={form}
        layout="vertical"
        initialValues={
          unit
            ? {
                industry: unit.industry,
                name: unit.name,
                licenceNo: unit.licenceNo ?? undefined,
                licenceValidFrom: unit.licenceValidFrom ? dayjs(unit.licenceValidFrom) : null,
                licenceValidUntil: unit.licenceValidUntil ? dayjs(unit.licenceValidUntil) : null,
                address: unit.address ?? undefined,
                lon: unit.lon,
                lat: unit.lat,
                riskLevel: unit.riskLevel,
              }
            : { industry: 'hotel', riskLevel: 'low', cameras: [] }
        }
        onFinish={(v) => {
          setProblem(null);
          save.mutate(v);
        }}
      >
        <Form.Item name="industry" label={t('col.industry')} rules={[{ required: true }]}>
          <Select
            disabled={Boolean(unit)}
            data-testid="unit-industry"
            options={INDUSTRIES.map((i) => ({ value: i, label: t(`industry.${i}`) }))}
          />
        </Form.Item>
        <Form.Item name="name" label={t('col.name')} rules={[{ required: true, whitespace: true, max: 200 }]}>
          <Input data-testid="unit-name" />
        </Form.Item>
        <Space.Compact block>
          <Form.Item
            name="licenceNo"
            label={t('unitForm.licenceNo')}
            style={{ flex: 2 }}
            rules={[{ max: 64 }]}
          >
            <Input data-testid="unit-licence" />
          </Form.Item>
          <Form.Item name="licenceValidFrom" label={t('unitForm.validFrom')} style={{ flex: 1 }}>
            <DatePicker style={{ width: '100%' }} data-testid="unit-valid-from" />
          </Form.Item>
          <Form.Item
            name="licenceValidUntil"
            label={t('unitForm.validUntil')}
            style={{ flex: 1 }}
            dependencies={['licenceValidFrom']}
            rules={[
              ({ getFieldValue }) => ({
                validator: (_, v: Dayjs | null | undefined) => {
                  const from = getFieldValue('licenceValidFrom') as Dayjs | null | undefined;
                  return !v || !from || !v.isBefore(from, 'day')
                    ? Promise.resolve()
                    : Promise.reject(new Error(t('unitForm.untilBeforeFrom')));
                },
              }),
            ]}
          >
            <DatePicker style={{ width: '100%' }} data-testid="unit-valid-until" />
          </Form.Item>
        </Space.Compact>
        <Form.Item name="address" label={t('unitForm.address')} extra={t('unitForm.addressHelp')}>
          <Input data-testid="unit-address" maxLength={300} />
        </Form.Item>
        <Space>
          <Form.Item
            name="lon"
            label={t('unitForm.lon')}
            dependencies={['lat']}
            rules={[
              ({ getFieldValue }) => ({
                validator: (_, v) =>
                  (typeof v === 'number') === (typeof getFieldValue('lat') === 'number')
                    ? Promise.resolve()
                    : Promise.reject(new Error(t('unitForm.lonLat'))),
              }),
            ]}
          >
            <InputNumber min={-180} max={180} step={0.0001} style={{ width: 160 }} data-testid="unit-lon" />
          </Form.Item>
          <Form.Item name="lat" label={t('unitForm.lat')}>
            <InputNumber min={-90} max={90} step={0.0001} style={{ width: 160 }} data-testid="unit-lat" />
          </Form.Item>
        </Space>
        <Form.Item name="riskLevel" label={t('col.risk')}>
          <Radio.Group>
            {RISK_LEVELS.map((r) => (
              <Radio key={r} value={r}>
                {t(`risk.${r}`)}
              </Radio>
            ))}
          </Radio.Group>
        </Form.Item>
        <Space>
          <Form.Item name="responsibleName" label={t('unit.responsible')} rules={[{ max: 50 }]}>
            <Input placeholder={unit ? t('unitForm.keepBlank') : undefined} data-testid="unit-responsible" />
          </Form.Item>
          <Form.Item
            name="responsiblePhone"
            label={t('unitForm.phone')}
            rules={[{ pattern: /^[0-9+\- ]{5,20}$/, message: t('unitForm.phoneRule') }]}
          >
            <Input placeholder={unit ? t('unitForm.keepBlank') : undefined} data-testid="unit-phone" />
          </Form.Item>
        </Space>
        {!unit && (
          <div>
            <Typography.Text strong>{t('unitForm.cameras')}</Typography.Text>
          </div>
        )}
        {!unit && (
          <Form.List name="cameras">
            {(fields, { add, remove }) => (
              <>
                {fields.map((f) => (
                  <Space key={f.key} align="baseline" style={{ display: 'flex' }}>
                    <Form.Item name={[f.name, 'name']} rules={[{ required: true, whitespace: true }]}>
                      <Input placeholder={t('unitForm.cameraName')} data-testid={`camera-name-${f.name}`} />
                    </Form.Item>
                    <Form.Item
                      name={[f.name, 'streamUrl']}
                      rules={[
                        { required: true },
                        { pattern: /^(rtsp|rtmp|https?):\/\/\S+$/, message: t('unitForm.streamRule') },
                      ]}
                    >
                      <Input
                        placeholder="rtsp://…"
                        style={{ width: 300 }}
                        data-testid={`camera-url-${f.name}`}
                      />
                    </Form.Item>
                    <Button type="link" danger onClick={() => remove(f.name)}>
                      {t('unitForm.remove')}
                    </Button>
                  </Space>
                ))}
                <Button
                  type="dashed"
                  onClick={() => add({ name: '', streamUrl: '' })}
                  block
                  data-testid="camera-add"
                  style={{ marginTop: 8 }}
                >
                  {t('unitForm.addCamera')}
                </Button>
              </>
            )}
          </Form.List>
        )}
      </Form>
    </Drawer>
  );
}

type Fix = { lon: number; lat: number; accuracy: number; at: string };

/** The browser's position now (the inspector's phone), or the reason it has none. */
function usePosition(active: boolean) {
  const [fix, setFix] = useState<Fix | null>(null);
  const [error, setError] = useState<'unsupported' | 'denied' | 'unavailable' | null>(null);
  const [busy, setBusy] = useState(false);
  const locate = useCallback(() => {
    if (!navigator.geolocation) {
      setError('unsupported');
      return;
    }
    setBusy(true);
    setError(null);
    navigator.geolocation.getCurrentPosition(
      (p) => {
        setBusy(false);
        setFix({
          lon: p.coords.longitude,
          lat: p.coords.latitude,
          accuracy: p.coords.accuracy,
          at: new Date(p.timestamp || Date.now()).toISOString(),
        });
      },
      (e) => {
        setBusy(false);
        setError(e.code === e.PERMISSION_DENIED ? 'denied' : 'unavailable');
      },
      { enableHighAccuracy: true, timeout: 10_000, maximumAge: 60_000 },
    );
  }, []);
  useEffect(() => {
    if (active) locate();
  }, [active, locate]);
  return { fix, error, busy, locate };
}

type InspectForm = {
  kind: 'video' | 'onsite';
  results: Record<string, 'ok' | 'fail' | undefined>;
  description?: string;
  severity: 'minor' | 'serious';
};

const MAX_PHOTOS = 6;
const MAX_PHOTO_BYTES = 2 * 1024 * 1024;

/**
 * Files a check. On site: the checklist, photos, and the inspector's position and time from the
 * browser (no position, no on-site check: the unit's registered point is not where the inspector
 * stood). A described finding opens a notice (minor) or an order (serious).
 */
export function InspectModal({ unit, onClose }: { unit: Unit; onClose: () => void }) {
  const { t, i18n } = useTranslation('oversight');
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<InspectForm>();
  const kind = Form.useWatch('kind', form) ?? 'video';
  const position = usePosition(kind === 'onsite');
  const [photos, setPhotos] = useState<File[]>([]);
  const [photoError, setPhotoError] = useState<string | null>(null);
  const checklist = CHECKLISTS[unit.industry] ?? [];
  const save = useMutation({
    mutationFn: async (v: InspectForm) =>
      api(`${base}/inspections`, {
        method: 'POST',
        body: {
          unitId: unit.id,
          kind: v.kind,
          ...(v.kind === 'onsite' && position.fix
            ? { lon: position.fix.lon, lat: position.fix.lat, at: position.fix.at }
            : {}),
          results: Object.entries(v.results ?? {})
            .filter(([, r]) => r !== undefined)
            .map(([item, r]) => ({ item, ok: r === 'ok' })),
          photos:
            v.kind === 'onsite'
              ? await Promise.all(
                  photos.map(async (f) => ({ name: f.name, type: f.type, data: await readBase64(f) })),
                )
              : [],
          findings: v.description?.trim()
            ? [{ description: v.description.trim(), severity: v.severity }]
            : [],
        },
      }),
    onSuccess: () => {
      message.success(t('inspect.done'));
      void qc.invalidateQueries({ queryKey: KEY });
      onClose();
    },
    onError: (e) => message.error(errorText(e)),
  });
  const onsiteBlocked = kind === 'onsite' && !position.fix;
  return (
    <Modal
      open
      width={640}
      title={t('inspect.title', { name: unit.name })}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t('action.submit')}
      okButtonProps={
        { loading: save.isPending, disabled: onsiteBlocked, 'data-testid': 'inspect-submit' } as ButtonProps
      }
    >
      <Form
        form={form}
        layout="vertical"
        initialValues={{ kind: 'video', severity: 'minor', results: {} }}
        onFinish={save.mutate}
      >
        <Form.Item name="kind" label={t('inspect.kind')}>
          <Radio.Group>
            <Radio value="video">{t('inspect.video')}</Radio>
            <Radio value="onsite" data-testid="kind-onsite">
              {t('inspect.onsite')}
            </Radio>
          </Radio.Group>
        </Form.Item>
        {kind === 'onsite' && (
          <>
            <Alert
              style={{ marginBottom: 12 }}
              type={position.fix ? 'success' : position.error ? 'error' : 'info'}
              showIcon
              data-testid="inspect-position"
              message={
                position.fix
                  ? t('inspect.position', {
                      lon: position.fix.lon.toFixed(5),
                      lat: position.fix.lat.toFixed(5),
                      accuracy: Math.round(position.fix.accuracy),
                      at: formatDateTime(position.fix.at),
                    })
                  : position.error
                    ? t(`inspect.positionError.${position.error}`)
                    : t('inspect.locating')
              }
              action={
                <Button size="small" loading={position.busy} onClick={position.locate}>
                  {t('inspect.relocate')}
                </Button>
              }
            />
            <Form.Item
              label={t('inspect.photos', { max: MAX_PHOTOS })}
              validateStatus={photoError ? 'error' : undefined}
              help={photoError ?? photos.map((f) => f.name).join('、')}
            >
              <input
                type="file"
                accept="image/jpeg,image/png"
                capture="environment"
                multiple
                data-testid="inspect-photos"
                onChange={(e) => {
                  const files = [...(e.target.files ?? [])];
                  const wrong = files.find(
                    (f) => !['image/jpeg', 'image/png'].includes(f.type) || f.size > MAX_PHOTO_BYTES,
                  );
                  if (files.length > MAX_PHOTOS) setPhotoError(t('inspect.tooMany', { max: MAX_PHOTOS }));
                  else if (wrong) setPhotoError(t('inspect.badPhoto', { name: wrong.name }));
                  else setPhotoError(null);
                  setPhotos(files.length <= MAX_PHOTOS && !wrong ? files : []);
                }}
              />
            </Form.Item>
          </>
        )}
        {checklist.length > 0 && (
          <Form.Item label={t('inspect.checklist')}>
            {checklist.map((c) => (
              <div key={c.id} style={{ display: 'flex', justifyContent: 'space-between', padding: '2px 0' }}>
                <span>{i18n.language === 'en' ? c.en : c.text}</span>
                <Form.Item name={['results', c.id]} noStyle>
                  <Radio.Group size="small" data-testid={`check-${c.id}`}>
                    <Radio.Button value="ok">{t('inspect.ok')}</Radio.Button>
                    <Radio.Button value="fail">{t('inspect.fail')}</Radio.Button>
                  </Radio.Group>
                </Form.Item>
              </div>
            ))}
          </Form.Item>
        )}
        <Form.Item name="description" label={t('inspect.finding')}>
          <Input.TextArea rows={3} placeholder={t('inspect.none')} data-testid="finding" />
        </Form.Item>
        <Form.Item name="severity" label={t('inspect.severity')}>
          <Radio.Group>
            <Radio value="minor">{t('inspect.minor')}</Radio>
            <Radio value="serious" data-testid="severity-serious">
              {t('inspect.serious')}
            </Radio>
          </Radio.Group>
        </Form.Item>
      </Form>
    </Modal>
  );
}

type AssessForm = {
  population?: number | null;
  guards: number;
  closedCampus: boolean;
  alarmLinked: boolean;
  alarmTestedOn?: Dayjs | null;
  videoCoveragePct: number;
};

/** Internal-security compliance (内保): guards per pupils/beds, closed campus, 110 alarm, video. */
export function ComplianceModal({ unit, onClose }: { unit: Unit; onClose: () => void }) {
  const { t } = useTranslation('oversight');
  const { message, modal } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<AssessForm>();
  const withPopulation = unit.industry === 'school' || unit.industry === 'hospital';
  const save = useMutation({
    mutationFn: (v: AssessForm) =>
      api<{ compliant: boolean; caseIds: string[] }>(`${base}/units/${unit.id}/compliance`, {
        method: 'PUT',
        body: {
          ...(withPopulation && typeof v.population === 'number' ? { population: v.population } : {}),
          guards: v.guards,
          closedCampus: Boolean(v.closedCampus),
          alarmLinked: Boolean(v.alarmLinked),
          alarmTestedOn: v.alarmTestedOn ? v.alarmTestedOn.format('YYYY-MM-DD') : null,
          videoCoveragePct: v.videoCoveragePct,
        },
      }),
    onSuccess: (r) => {
      void qc.invalidateQueries({ queryKey: KEY });
      onClose();
      if (r.compliant) message.success(t('assess.compliant'));
      else modal.warning({ title: t('assess.failing', { cases: r.caseIds.length }) });
    },
    onError: (e) => {
      if (!showFieldErrors(form, e)) message.error(errorText(e));
    },
  });
  return (
    <Modal
      open
      title={t('assess.title', { name: unit.name })}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t('action.submit')}
      okButtonProps={{ loading: save.isPending, 'data-testid': 'assess-submit' } as ButtonProps}
    >
      <Form<AssessForm>
        form={form}
        layout="vertical"
        initialValues={{ guards: 0, closedCampus: false, alarmLinked: false, videoCoveragePct: 0 }}
        onFinish={save.mutate}
      >
        {withPopulation && (
          <Form.Item
            name="population"
            label={unit.industry === 'school' ? t('assess.pupils') : t('assess.beds')}
            rules={[{ required: true }]}
          >
            <InputNumber min={0} max={1_000_000} precision={0} data-testid="assess-population" />
          </Form.Item>
        )}
        <Form.Item name="guards" label={t('assess.guards')} rules={[{ required: true }]}>
          <InputNumber min={0} max={10_000} precision={0} data-testid="assess-guards" />
        </Form.Item>
        <Form.Item name="closedCampus" valuePropName="checked">
          <Checkbox data-testid="assess-closed">{t('assess.closed')}</Checkbox>
        </Form.Item>
        <Form.Item name="alarmLinked" valuePropName="checked">
          <Checkbox data-testid="assess-alarm">{t('assess.alarm')}</Checkbox>
        </Form.Item>
        <Form.Item name="alarmTestedOn" label={t('assess.alarmTested')}>
          <DatePicker data-testid="assess-alarm-tested" disabledDate={(d) => d.isAfter(dayjs(), 'day')} />
        </Form.Item>
        <Form.Item name="videoCoveragePct" label={t('assess.video')} rules={[{ required: true }]}>
          <InputNumber min={0} max={100} addonAfter="%" data-testid="assess-video" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** Internal-security units get the compliance form; others do not. */
export const isInternalSecurity = (u: Unit) => INTERNAL_SECURITY.includes(u.industry);

/** The inspection calendar as a month: each day lists the units due (overdue in red). */
export function DueCalendar({ items }: { items: CalendarEntry[] }) {
  const { t } = useTranslation('oversight');
  const byDay = new Map<string, CalendarEntry[]>();
  for (const e of items) byDay.set(e.due, [...(byDay.get(e.due) ?? []), e]);
  const byMonth = new Map<string, number>();
  for (const e of items) byMonth.set(e.due.slice(0, 7), (byMonth.get(e.due.slice(0, 7)) ?? 0) + 1);
  return (
    <Calendar
      data-testid="due-calendar"
      cellRender={(d, info) => {
        if (info.type === 'month') {
          const n = byMonth.get(d.format('YYYY-MM'));
          return n ? <Badge status="processing" text={t('calendar.dueCount', { n })} /> : null;
        }
        if (info.type !== 'date') return info.originNode;
        const due = byDay.get(d.format('YYYY-MM-DD')) ?? [];
        return (
          <ul
            style={{ listStyle: 'none', margin: 0, padding: 0 }}
            data-testid={`due-${d.format('YYYY-MM-DD')}`}
          >
            {due.map((e) => (
              <li key={e.unitId} title={`${t(`industry.${e.industry}`)} · ${t(`risk.${e.riskLevel}`)}`}>
                <Badge
                  status={e.overdue ? 'error' : e.riskLevel === 'high' ? 'warning' : 'success'}
                  text={e.unitName}
                />
              </li>
            ))}
          </ul>
        );
      }}
    />
  );
}
