import { EnvironmentOutlined, HomeOutlined, NodeIndexOutlined, SearchOutlined } from '@ant-design/icons';
import { AutoComplete, Input, Space, Typography } from 'antd';
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { ApiError } from '../../api/client';
import { placesApi, type SearchHit, type SearchHitKind } from './api';
import { roadClassKey } from './roads';
import { usePlacesT } from './usePlacesT';

const KIND_ICONS: Record<SearchHitKind, ReactNode> = {
  address: <HomeOutlined />,
  place: <EnvironmentOutlined />,
  street: <NodeIndexOutlined />,
};

/** Waits this long after the last keystroke before asking the server. */
const DEBOUNCE_MS = 250;

/** Search box for addresses, places and streets of the city; picking a hit hands it to onPick. */
export function PlaceSearch({
  city,
  onPick,
}: {
  city: string | undefined;
  onPick: (hit: SearchHit) => void;
}) {
  const t = usePlacesT();
  const [text, setText] = useState('');
  const [hits, setHits] = useState<SearchHit[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [searched, setSearched] = useState(false);
  const pending = useRef<AbortController | null>(null);

  useEffect(() => {
    const q = text.trim();
    if (!q) {
      setHits([]);
      setSearched(false);
      setError(null);
      return;
    }
    const timer = setTimeout(() => {
      pending.current?.abort();
      const controller = new AbortController();
      pending.current = controller;
      placesApi
        .search(q, city, controller.signal)
        .then((res) => {
          setHits(res.items);
          setError(null);
          setSearched(true);
        })
        .catch((err: unknown) => {
          if (controller.signal.aborted) return;
          setHits([]);
          setError(err instanceof ApiError ? err.display : String(err));
          setSearched(true);
        });
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text, city]);

  useEffect(() => () => pending.current?.abort(), []);

  // A street's category is its OSM highway value, shown as the road class; others stay as tagged.
  const categoryLabel = (hit: SearchHit) =>
    hit.kind === 'street' && hit.category ? t(`roadClass.${roadClassKey(hit.category)}`) : hit.category;

  const options = hits.map((hit) => ({
    value: hit.id,
    label: (
      <Space size={8} align="start">
        <span style={{ color: '#8c8c8c' }}>{KIND_ICONS[hit.kind]}</span>
        <span>
          <Typography.Text>{hit.label}</Typography.Text>
          <br />
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t(`map.kind.${hit.kind}`)}
            {hit.category ? ` · ${categoryLabel(hit)}` : ''}
          </Typography.Text>
        </span>
      </Space>
    ),
  }));

  return (
    <AutoComplete
      style={{ width: '100%' }}
      value={text}
      options={options}
      // Typing and picking both land here; a pick's id is replaced by its label in onSelect.
      onChange={setText}
      onSelect={(id: string) => {
        const hit = hits.find((h) => h.id === id);
        if (!hit) return;
        setText(hit.label);
        onPick(hit);
      }}
      notFoundContent={
        error ? (
          <Typography.Text type="danger">{t('map.searchFailed', { error })}</Typography.Text>
        ) : searched ? (
          t('map.searchEmpty')
        ) : null
      }
      data-testid="place-search"
    >
      <Input allowClear prefix={<SearchOutlined />} placeholder={t('map.searchPlaceholder')} />
    </AutoComplete>
  );
}
