import { DATUMS, type Datum, readArea } from '@citywatch/core/geo/geojson';
import { Alert, Button, Card, Input, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import type { PatrolZone } from './plans-api';
import { fill, usePlansText } from './plans-text';

/**
 * 粘贴 GeoJSON 巡区: a zone pasted as a GIS tool writes it (a Geometry, a Feature, or a QGIS /
 * ogr2ogr FeatureCollection with its `crs` member; a MultiPolygon of one part), in the datum of the
 * base map it was drawn on (WGS-84, GCJ-02 or BD-09). It is read as the server reads it
 * (core/geo/geojson readArea: its problems name the member and the rule, at once), converted to
 * WGS-84 with the right-hand rule, named by the feature's `name` property unless a name is typed,
 * and added to the plan's draft (or replaces its zones); the plan is saved as a new version.
 */
export function ZonePaste({
  taken,
  onZone,
}: {
  /** Keys already used by the plan's zones. */
  taken: readonly string[];
  onZone: (zone: PatrolZone, replace: boolean) => void;
}) {
  const L = usePlansText();
  const [text, setText] = useState('');
  const [name, setName] = useState('');
  const [datum, setDatum] = useState<Datum>('wgs84');
  const [problems, setProblems] = useState<string[]>([]);
  const [added, setAdded] = useState<string | null>(null);

  const read = (): PatrolZone | null => {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      setProblems([L.pasteZoneNotJson]);
      return null;
    }
    const result = readArea(json, { datum, single: true, field: 'geojson' });
    if (result.area === null) {
      setProblems(result.issues.map((i) => `${i.field}: ${i.message} (${i.rule})`));
      return null;
    }
    setProblems([]);
    let n = 1;
    while (taken.includes(`z${n}`)) n++;
    const geometry = result.area.geometry;
    if (geometry.type !== 'Polygon') return null; // `single` unwraps a one-part MultiPolygon
    return {
      key: `z${n}`,
      name: name.trim() || result.area.name || `${L.zones} ${n}`,
      geometry,
      source: 'imported',
    };
  };

  const apply = (replace: boolean) => {
    const zone = read();
    if (!zone) return;
    onZone(zone, replace);
    setAdded(fill(L.pasteZoneAdded, { name: zone.name }));
    setText('');
    setName('');
  };

  return (
    <Card size="small" title={L.pasteZone} style={{ marginTop: 8 }} data-testid="zone-paste">
      <Space orientation="vertical" style={{ width: '100%' }} size={6}>
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {L.pasteZoneHint}
        </Typography.Text>
        <Space wrap size={6}>
          <Input
            size="small"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder={L.pasteZoneName}
            style={{ width: 200 }}
            data-testid="zone-paste-name"
          />
          <Select<Datum>
            size="small"
            value={datum}
            onChange={setDatum}
            style={{ width: 220 }}
            prefix={L.datum}
            options={DATUMS.map((d) => ({ value: d, label: L.datums[d] }))}
            data-testid="zone-paste-datum"
          />
        </Space>
        <Input.TextArea
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setProblems([]);
            setAdded(null);
          }}
          autoSize={{ minRows: 3, maxRows: 8 }}
          placeholder={L.pasteZonePlaceholder}
          status={problems.length > 0 ? 'error' : undefined}
          style={{ fontFamily: 'monospace', fontSize: 12 }}
          data-testid="zone-paste-geojson"
        />
        {problems.length > 0 ? (
          <Alert
            type="error"
            showIcon
            title={problems.map((p) => <div key={p}>{p}</div>)}
            data-testid="zone-paste-problems"
          />
        ) : null}
        {added ? <Alert type="success" showIcon title={added} data-testid="zone-paste-added" /> : null}
        <Space>
          <Button
            size="small"
            disabled={!text.trim()}
            onClick={() => apply(false)}
            data-testid="zone-paste-add"
          >
            {L.pasteZoneAdd}
          </Button>
          <Button
            size="small"
            disabled={!text.trim()}
            onClick={() => apply(true)}
            data-testid="zone-paste-replace"
          >
            {L.pasteZoneReplace}
          </Button>
        </Space>
      </Space>
    </Card>
  );
}
