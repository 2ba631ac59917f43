import { AimOutlined, EnvironmentOutlined, SearchOutlined } from '@ant-design/icons';
import { PRIORITIES, type Priority } from '@citywatch/core/dispatch/incident';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  App,
  AutoComplete,
  Button,
  Card,
  Cascader,
  Form,
  Input,
  type InputRef,
  Radio,
  Space,
  Typography,
} from 'antd';
import { type KeyboardEvent, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/client';
import {
  type CreatedIncident,
  type CreateIncident,
  dispatchApi,
  dispatchKeys,
  type Incident,
  type IncidentCategory,
} from '../../api/dispatch';
import { type PlaceSearchHit, placesQueries } from '../../api/places';
import { useDebouncedValue } from '../../hooks/useDebouncedValue';
import { PRIORITY_COLORS } from './presentation';

type SearchHit = PlaceSearchHit;

/** Where the call is: from the address search or a click on the map (WGS-84). */
export type CallLocation = { lon: number; lat: number; label: string | null; source: 'search' | 'map' };

type Values = {
  category?: string[];
  priority: Priority;
  callerPhone?: string;
  narrative?: string;
};

const SEARCH_DEBOUNCE_MS = 200;
const PHONE_RE = /^\+?[0-9 -]{3,20}$/;
const DIGIT_CODES: Record<string, Priority> = {
  Digit1: 'P1',
  Digit2: 'P2',
  Digit3: 'P3',
  Digit4: 'P4',
  Numpad1: 'P1',
  Numpad2: 'P2',
  Numpad3: 'P3',
  Numpad4: 'P4',
};

function isTextEntry(target: EventTarget): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target instanceof HTMLTextAreaElement) return true;
  return target instanceof HTMLInputElement && !['radio', 'checkbox', 'button'].includes(target.type);
}

/**
 * The 110 intake form, built for speed from the keyboard: the address box has the focus, Enter takes
 * the first hit, the category cascader searches as one types, keys 1–4 set the priority (Alt+1–4
 * while typing), and Ctrl+Enter registers the call.
 */
export function IntakeForm({
  city,
  categories,
  location,
  onLocation,
  onCreated,
}: {
  city: string | undefined;
  categories: readonly IncidentCategory[];
  location: CallLocation | null;
  onLocation: (location: CallLocation | null) => void;
  onCreated: (created: CreatedIncident) => void;
}) {
  const { t, i18n } = useTranslation('dispatch', { keyPrefix: 'intake' });
  const language = i18n.language;
  const { message } = App.useApp();
  const cache = useQueryClient();
  const [form] = Form.useForm<Values>();
  const [text, setText] = useState('');
  const [locationError, setLocationError] = useState(false);
  const addressRef = useRef<InputRef>(null);
  const latest = useRef({ text, location });
  latest.current = { text, location };

  // What the box shows for the chosen location: its address, or its coordinates.
  const shown = location
    ? (location.label ?? `${location.lon.toFixed(5)}, ${location.lat.toFixed(5)}`)
    : null;

  // A point picked on the map shows its address (or coordinates) in the box.
  useEffect(() => {
    if (location?.source === 'map' && shown !== null) setText(shown);
    if (location) setLocationError(false);
  }, [location, shown]);

  // The address search, once typing pauses; nothing while the box shows the chosen location.
  const typed = text.trim();
  const query = useDebouncedValue(typed, SEARCH_DEBOUNCE_MS);
  // (The hits of the last pause stay listed while the next word is typed.)
  const searching = query !== '' && typed !== '' && typed !== shown;
  const search = useQuery({ ...placesQueries.search(query, city), enabled: searching });
  const hits: SearchHit[] = searching ? (search.data ?? []) : [];
  const searched = searching && search.isFetched && !search.isPlaceholderData;

  const options = useMemo(
    () =>
      categories.map((c) => ({
        value: c.code,
        label: language === 'en' ? c.en : c.zh,
        children: c.sub.map((s) => ({ value: s.code, label: language === 'en' ? s.en : s.zh })),
      })),
    [categories, language],
  );

  /** Enter in the address box: antd takes the highlighted hit when the list is open; else the first. */
  const onAddressEnter = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key !== 'Enter' || e.ctrlKey || e.metaKey) return;
    e.preventDefault(); // never submit the form from the address box
    const wanted = text.trim();
    setTimeout(() => {
      if (latest.current.location || !wanted) return;
      // The first hit for what was typed, when it comes (unless the dispatcher typed on meanwhile).
      cache
        .fetchQuery(placesQueries.search(wanted, city))
        .then((found) => {
          const first = found[0];
          const now = latest.current;
          if (first && !now.location && now.text.trim() === wanted) pick(first);
        })
        .catch(() => {});
    }, 0);
  };

  const pick = (hit: SearchHit) => {
    setText(hit.label);
    onLocation({ lon: hit.lon, lat: hit.lat, label: hit.label, source: 'search' });
  };

  const create = useMutation({
    mutationFn: (body: CreateIncident) => dispatchApi.create(body),
    onSuccess: (created) => {
      // In the queue at once; the server's list follows.
      cache.setQueryData<Incident[]>(dispatchKeys.incidents, (list) =>
        list && !list.some((i) => i.id === created.incident.id) ? [...list, created.incident] : list,
      );
      void cache.invalidateQueries({ queryKey: dispatchKeys.incidents });
      void message.success(t('created', { number: created.incident.number }));
      form.resetFields();
      setText('');
      onLocation(null);
      onCreated(created);
      addressRef.current?.focus();
    },
    onError: (err) => void message.error(t('failed', { error: errorText(err) })),
  });

  const submit = (values: Values) => {
    if (!location) {
      setLocationError(true);
      addressRef.current?.focus();
      return;
    }
    const [category, subcategory] = values.category ?? [];
    if (!category || !values.narrative) return;
    const phone = values.callerPhone?.trim();
    create.mutate({
      category,
      subcategory,
      priority: values.priority,
      lon: location.lon,
      lat: location.lat,
      crs: 'wgs84',
      addressLabel: location.label ?? undefined,
      callerPhone: phone ? phone : undefined,
      narrative: values.narrative.trim(),
      city,
    });
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      form.submit();
      return;
    }
    const priority = DIGIT_CODES[e.code];
    if (priority && !e.ctrlKey && !e.metaKey && (e.altKey || !isTextEntry(e.target))) {
      e.preventDefault();
      form.setFieldValue('priority', priority);
    }
  };

  const required = (field: string) => ({ required: true, message: t('required', { field }) });

  return (
    <Card
      size="small"
      title={t('title')}
      extra={
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t('submitHint')}
        </Typography.Text>
      }
      data-testid="intake"
    >
      {/* biome-ignore lint/a11y/noStaticElementInteractions: keyboard shortcuts of the whole form */}
      <div onKeyDown={onKeyDown}>
        <Form<Values>
          form={form}
          layout="vertical"
          size="middle"
          initialValues={{ priority: 'P3' }}
          onFinish={submit}
          requiredMark={false}
          style={{ display: 'flex', flexDirection: 'column', gap: 0 }}
          className="cw-intake-form"
        >
          <Form.Item
            label={t('address')}
            validateStatus={locationError ? 'error' : undefined}
            help={
              locationError ? (
                t('locationRequired')
              ) : location ? (
                <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="intake-location">
                  {location.source === 'map' ? <AimOutlined /> : <EnvironmentOutlined />}{' '}
                  {location.lon.toFixed(5)}, {location.lat.toFixed(5)}
                </Typography.Text>
              ) : undefined
            }
            style={{ marginBottom: 10 }}
          >
            <AutoComplete
              value={text}
              options={hits.map((h) => ({ value: h.id, label: h.label }))}
              onChange={(value: string) => {
                setText(value);
                if (location && value !== location.label) onLocation(null);
              }}
              onSelect={(id: string) => {
                const hit = hits.find((h) => h.id === id);
                if (hit) pick(hit);
              }}
              notFoundContent={searched ? t('addressEmpty') : null}
              defaultActiveFirstOption
              data-testid="intake-address"
            >
              <Input
                ref={addressRef}
                autoFocus
                onKeyDown={onAddressEnter}
                allowClear
                prefix={<SearchOutlined />}
                placeholder={t('addressPlaceholder')}
              />
            </AutoComplete>
          </Form.Item>
          <Form.Item
            name="category"
            label={t('category')}
            rules={[required(t('category'))]}
            style={{ marginBottom: 10 }}
          >
            <Cascader
              options={options}
              placeholder={t('categoryPlaceholder')}
              showSearch={{ matchInputWidth: false }}
              expandTrigger="hover"
              data-testid="intake-category"
            />
          </Form.Item>
          <Form.Item
            name="priority"
            label={t('priority')}
            tooltip={t('priorityHint')}
            style={{ marginBottom: 10 }}
          >
            <Radio.Group optionType="button" buttonStyle="solid" data-testid="intake-priority">
              {PRIORITIES.map((p) => (
                <Radio.Button key={p} value={p}>
                  <span style={{ color: PRIORITY_COLORS[p], fontWeight: 600 }} className="cw-priority-dot">
                    ●
                  </span>{' '}
                  {p}
                </Radio.Button>
              ))}
            </Radio.Group>
          </Form.Item>
          <Form.Item
            name="callerPhone"
            label={t('phone')}
            rules={[{ pattern: PHONE_RE, message: t('phoneInvalid') }]}
            style={{ marginBottom: 10 }}
          >
            <Input placeholder={t('phonePlaceholder')} inputMode="tel" data-testid="intake-phone" />
          </Form.Item>
          <Form.Item
            name="narrative"
            label={t('narrative')}
            rules={[required(t('narrative'))]}
            style={{ marginBottom: 12 }}
          >
            <Input.TextArea
              autoSize={{ minRows: 2, maxRows: 4 }}
              maxLength={2000}
              placeholder={t('narrativePlaceholder')}
              data-testid="intake-narrative"
            />
          </Form.Item>
          <Space>
            <Button type="primary" htmlType="submit" loading={create.isPending} data-testid="intake-submit">
              {t('submit')}
            </Button>
            <Button
              onClick={() => {
                form.resetFields();
                setText('');
                onLocation(null);
                addressRef.current?.focus();
              }}
            >
              {t('reset')}
            </Button>
          </Space>
        </Form>
      </div>
    </Card>
  );
}
