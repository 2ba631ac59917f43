import { useQuery } from '@tanstack/react-query';
import { Spin, Tabs } from 'antd';
import { useState } from 'react';
import { defaultCity, placesQueries } from '../../api/places';
import { PatrolPage } from './PatrolPage';
import { PlansPanel } from './PlansPanel';
import { usePlansText } from './plans-text';

/**
 * 单元防控 as two tabs: 热点研判 (hot spots and their evaluation, PatrolPage) and 巡逻计划与到位率
 * (plans proposed from the hot spots, edited and versioned, and their dosage from AVL).
 */
export function PlansTabs() {
  const L = usePlansText();
  const [tab, setTab] = useState('hotspots');
  const cities = useQuery(placesQueries.cities());
  const city = defaultCity(cities.data);
  return (
    <Tabs
      activeKey={tab}
      onChange={setTab}
      size="small"
      style={{ marginTop: -8 }}
      tabBarStyle={{ marginBottom: 8 }}
      destroyOnHidden
      items={[
        { key: 'hotspots', label: L.tabHotspots, children: <PatrolPage /> },
        {
          key: 'plans',
          label: L.tabPlans,
          children: (
            <div style={{ height: 'calc(100vh - 150px)', minHeight: 600 }}>
              {city ? <PlansPanel city={city} /> : <Spin />}
            </div>
          ),
        },
      ]}
    />
  );
}
