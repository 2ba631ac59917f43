import { ImportOutlined, UploadOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Input, InputNumber, Space, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, errorText } from '../../api/client';
import { type CreatedIncident, dispatchApi, dispatchKeys, type Incident } from '../../api/dispatch';
import type { CallLocation } from './IntakeForm';

type Placement = { lon: number; lat: number };

/** What the server said when the EIDO has no geodetic position: the member and its civic address. */
function unplaced(error: unknown): { field: string; message: string } | null {
  if (!(error instanceof ApiError)) return null;
  const e = error.errors.find((x) => x.rule === 'no_geodetic_location');
  return e ? { field: e.field, message: e.message } : null;
}

/** The civic address the server quotes in its `no_geodetic_location` message, if any. */
function civicOf(message: string): string | null {
  const m = /civic address: ([^)]*)\)/.exec(message);
  return m && m[1] !== 'none' ? m[1] : null;
}

/**
 * 转入 EIDO: a call transferred from a neighbouring centre as NENA's EIDO (NENA-STA-021.1b),
 * pasted or read from a file, opens an incident (POST /api/dispatch/eido). An EIDO that locates the
 * call by a civic address only (NENA's own sample does) cannot be put on the map by the server:
 * the panel then asks the dispatcher to click the call's place on the map (or type it) and
 * sends it again with ?lon=&lat=.
 */
export function EidoImport({
  location,
  onCreated,
}: {
  location: CallLocation | null;
  onCreated: (created: CreatedIncident) => void;
}) {
  const { t } = useTranslation('dispatch', { keyPrefix: 'eido' });
  const { message } = App.useApp();
  const cache = useQueryClient();
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [parseError, setParseError] = useState<string | null>(null);
  const [needsPlace, setNeedsPlace] = useState<{ field: string; message: string } | null>(null);
  const [place, setPlace] = useState<Partial<Placement>>({});
  const fileRef = useRef<HTMLInputElement>(null);

  // A point clicked on the map while the panel asks for one fills the coordinates.
  useEffect(() => {
    if (needsPlace && location) setPlace({ lon: location.lon, lat: location.lat });
  }, [needsPlace, location]);

  const importing = useMutation({
    mutationFn: ({ eido, at }: { eido: Record<string, unknown>; at?: Placement }) =>
      dispatchApi.importEido(eido, at),
    onSuccess: (created) => {
      cache.setQueryData<Incident[]>(dispatchKeys.incidents, (list) =>
        list && !list.some((i) => i.id === created.incident.id) ? [...list, created.incident] : list,
      );
      void cache.invalidateQueries({ queryKey: dispatchKeys.incidents });
      void message.success(t('imported', { number: created.incident.number }));
      setText('');
      setNeedsPlace(null);
      setPlace({});
      setOpen(false);
      onCreated(created);
    },
    onError: (error) => {
      const missing = unplaced(error);
      if (missing) setNeedsPlace(missing);
    },
  });

  const parse = (): Record<string, unknown> | null => {
    try {
      const value: unknown = JSON.parse(text);
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        setParseError(null);
        return value as Record<string, unknown>;
      }
    } catch {
      // falls through to the message
    }
    setParseError(t('notJson'));
    return null;
  };

  const submit = () => {
    const eido = parse();
    if (!eido) return;
    const at =
      needsPlace && place.lon !== undefined && place.lat !== undefined
        ? { lon: place.lon, lat: place.lat }
        : undefined;
    importing.mutate({ eido, at });
  };

  const onFile = async (file: File | undefined) => {
    if (!file) return;
    setText(await file.text());
    setNeedsPlace(null);
    setParseError(null);
    importing.reset();
  };

  if (!open) {
    return (
      <Button block icon={<ImportOutlined />} onClick={() => setOpen(true)} data-testid="eido-open">
        {t('open')}
      </Button>
    );
  }

  const otherError = importing.error && !unplaced(importing.error) ? errorText(importing.error) : null;
  const fieldErrors =
    importing.error instanceof ApiError && !unplaced(importing.error) ? importing.error.errors : [];
  const civic = needsPlace ? civicOf(needsPlace.message) : null;
  const placed = place.lon !== undefined && place.lat !== undefined;

  return (
    <Card
      size="small"
      title={t('title')}
      extra={
        <Button
          size="small"
          type="text"
          onClick={() => {
            setOpen(false);
            setNeedsPlace(null);
            importing.reset();
          }}
        >
          {t('close')}
        </Button>
      }
      data-testid="eido-import"
    >
      <Space orientation="vertical" style={{ width: '100%' }} size={8}>
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t('hint')}
        </Typography.Text>
        <Input.TextArea
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setNeedsPlace(null);
            setParseError(null);
          }}
          autoSize={{ minRows: 4, maxRows: 8 }}
          placeholder={t('placeholder')}
          status={parseError ? 'error' : undefined}
          style={{ fontFamily: 'monospace', fontSize: 12 }}
          data-testid="eido-text"
        />
        <input
          ref={fileRef}
          type="file"
          accept=".json,application/json"
          style={{ display: 'none' }}
          onChange={(e) => void onFile(e.target.files?.[0])}
          data-testid="eido-file"
        />
        {parseError ? <Alert type="error" showIcon title={parseError} /> : null}
        {needsPlace ? (
          <Alert
            type="warning"
            showIcon
            data-testid="eido-needs-place"
            title={t('needsPlace')}
            description={
              <Space orientation="vertical" size={6} style={{ width: '100%' }}>
                <span>{civic ? t('needsPlaceCivic', { address: civic }) : t('needsPlaceNone')}</span>
                <span>{t('needsPlaceHow')}</span>
                <Space size={6} wrap>
                  <InputNumber
                    size="small"
                    min={-180}
                    max={180}
                    step={0.0001}
                    value={place.lon}
                    onChange={(v) => setPlace((p) => ({ ...p, lon: v ?? undefined }))}
                    prefix={t('lon')}
                    style={{ width: 150 }}
                    data-testid="eido-lon"
                  />
                  <InputNumber
                    size="small"
                    min={-90}
                    max={90}
                    step={0.0001}
                    value={place.lat}
                    onChange={(v) => setPlace((p) => ({ ...p, lat: v ?? undefined }))}
                    prefix={t('lat')}
                    style={{ width: 150 }}
                    data-testid="eido-lat"
                  />
                </Space>
              </Space>
            }
          />
        ) : null}
        {otherError ? (
          <Alert
            type="error"
            showIcon
            data-testid="eido-error"
            title={t('failed', { error: otherError })}
            description={
              fieldErrors.length > 0 ? (
                <ul style={{ margin: 0, paddingInlineStart: 18, fontSize: 12 }}>
                  {fieldErrors.slice(0, 5).map((e) => (
                    <li key={`${e.field}-${e.rule}`}>
                      <code>{e.field}</code>: {e.message || e.rule}
                    </li>
                  ))}
                </ul>
              ) : undefined
            }
          />
        ) : null}
        <Space>
          <Button
            type="primary"
            onClick={submit}
            loading={importing.isPending}
            disabled={!text.trim() || (needsPlace !== null && !placed)}
            data-testid="eido-submit"
          >
            {needsPlace ? t('submitPlaced') : t('submit')}
          </Button>
          <Button icon={<UploadOutlined />} onClick={() => fileRef.current?.click()}>
            {t('upload')}
          </Button>
        </Space>
      </Space>
    </Card>
  );
}
