import { EnvironmentOutlined, HomeOutlined, NodeIndexOutlined, SearchOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { AutoComplete, Input, Space, Typography } from 'antd';
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../api/client';
import { type PlaceSearchHit, placesQueries, type SearchHitKind } from '../../api/places';
import { useDebouncedValue } from '../../hooks/useDebouncedValue';
import { roadClassKey } from './roads';

type SearchHit = PlaceSearchHit;

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
  const { t } = useTranslation('places');
  const [text, setText] = useState('');
  const query = useDebouncedValue(text.trim(), DEBOUNCE_MS);
  const active = query !== '' && text.trim() !== '';
  const search = useQuery({ ...placesQueries.search(query, city), enabled: active });
  const hits: SearchHit[] = active && !search.isError ? (search.data ?? []) : [];
  const error = active && search.isError ? errorText(search.error) : null;
  const searched = active && search.isFetched && !search.isPlaceholderData;

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
