import { useTranslation } from 'react-i18next';

/** The texts of the plans and dosage panels, Chinese first, English second. */
const zh = {
  tabHotspots: '热点研判',
  tabPlans: '巡逻计划与到位率',
  plans: '巡逻计划',
  noPlans: '暂无巡逻计划。可从当前热点生成一份，再按需调整。',
  propose: '按热点生成计划',
  proposing: '正在生成…',
  proposeHint:
    '取未来 8 小时排名前 {n} 的热点为必巡点（每班至少 2 次，每次 10–16 分钟，间隔不超过 2 小时），巡区取本单位辖区，警力轮流分配。',
  noUnits: '本单位没有可分配的警力',
  noZones: '本单位没有辖区，无法生成巡区',
  noHotspots: '当前没有热点（请先导入历史警情）',
  importZones: '导入巡区/必巡点 GeoJSON',
  zonesImported: '已导入 {n} 个巡区、{t} 个必巡点，保存后生效',
  pasteZone: '粘贴 GeoJSON 巡区',
  pasteZoneHint:
    'Polygon、MultiPolygon（一个面）、Feature，或 QGIS / ogr2ogr 导出的 FeatureCollection（含 crs）；属性 name 作巡区名。',
  pasteZonePlaceholder:
    '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"…"},"geometry":{…}}]}',
  pasteZoneName: '巡区名称（留空取 name 属性）',
  datum: '坐标系',
  datums: { wgs84: 'WGS-84（GPS、天地图、OSM）', gcj02: 'GCJ-02（高德、腾讯）', bd09: 'BD-09（百度）' },
  pasteZoneAdd: '加入巡区',
  pasteZoneReplace: '替换全部巡区',
  pasteZoneNotJson: '不是有效的 JSON',
  pasteZoneAdded: '巡区“{name}”已加入草稿，保存后生效',
  save: '保存为新版本',
  saved: '已保存为第 {v} 版',
  refused: '计划未通过检查',
  version: '版本',
  latest: '最新',
  shift: '班次',
  zones: '巡区',
  targets: '必巡点',
  units: '警力',
  target: '必巡点',
  kind: '类型',
  visits: '每班次数',
  dwell: '停留（分钟）',
  revisit: '间隔上限（分钟）',
  schedule: '随机巡访顺序',
  dosage: '巡逻剂量（按班次）',
  asOf: '统计至 {t}',
  planned: '计划',
  received: '实际',
  dosed: '达标次数',
  missed: '缺巡',
  minutes: '分钟',
  gap: '最长间隔',
  coverage: '线路覆盖',
  kept: '间隔达标',
  yes: '是',
  no: '否',
  perUnit: '按警力',
  callSign: '呼号',
  zoneTime: '在区时长',
  fixes: '定位点：收到 {read}，采用 {accepted}，跳点剔除 {jump}，精度差剔除 {acc}，断档 {gaps}',
  rules:
    '规则：连续 2 个定位点进入半径（+精度，至多 30 米）才算到达，连续 2 个点离开才算离开；两点间隔超过 120 秒即断开；速度超过 180 km/h 的跳点剔除；停留达到目标时长才计为一次达标巡访。',
  legend: '实际/计划剂量',
  note: '修改说明',
};
const en: typeof zh = {
  tabHotspots: 'Hot spots',
  tabPlans: 'Patrol plans & dosage',
  plans: 'Patrol plans',
  noPlans: 'No patrol plan yet. Propose one from the current hot spots, then adjust it.',
  propose: 'Propose from hot spots',
  proposing: 'Proposing…',
  proposeHint:
    'Takes the top {n} hot spots of the next 8 hours as must-patrol points (at least 2 visits a shift, 10–16 min each, no gap over 2 h), zones from your station areas, units in turn.',
  noUnits: 'Your org has no unit to assign',
  noZones: 'Your org has no station area to make zones from',
  noHotspots: 'No hot spots now (import incident history first)',
  importZones: 'Import zones / targets (GeoJSON)',
  zonesImported: '{n} zones and {t} targets imported; they apply when saved',
  pasteZone: 'Paste a GeoJSON zone',
  pasteZoneHint:
    'A Polygon, a one-part MultiPolygon, a Feature, or a FeatureCollection exported by QGIS / ogr2ogr (with its crs); the name property names the zone.',
  pasteZonePlaceholder:
    '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"…"},"geometry":{…}}]}',
  pasteZoneName: 'Zone name (empty: the name property)',
  datum: 'Datum',
  datums: { wgs84: 'WGS-84 (GPS, Tianditu, OSM)', gcj02: 'GCJ-02 (AMap, Tencent)', bd09: 'BD-09 (Baidu)' },
  pasteZoneAdd: 'Add as a zone',
  pasteZoneReplace: 'Replace all zones',
  pasteZoneNotJson: 'Not valid JSON',
  pasteZoneAdded: 'Zone “{name}” added to the draft; it applies when saved',
  save: 'Save as new version',
  saved: 'Saved as version {v}',
  refused: 'The plan was refused',
  version: 'Version',
  latest: 'latest',
  shift: 'Shift',
  zones: 'Zones',
  targets: 'Targets',
  units: 'Units',
  target: 'Target',
  kind: 'Kind',
  visits: 'Visits / shift',
  dwell: 'Dwell (min)',
  revisit: 'Revisit ≤ (min)',
  schedule: 'Randomised visit order',
  dosage: 'Patrol dosage (per shift)',
  asOf: 'As of {t}',
  planned: 'Planned',
  received: 'Received',
  dosed: 'Dosed',
  missed: 'Missed',
  minutes: 'min',
  gap: 'Longest gap',
  coverage: 'Line coverage',
  kept: 'Revisit kept',
  yes: 'yes',
  no: 'no',
  perUnit: 'Per unit',
  callSign: 'Call sign',
  zoneTime: 'Time in zone',
  fixes: 'Fixes: {read} read, {accepted} used, {jump} jumps and {acc} inaccurate dropped, {gaps} gaps',
  rules:
    'Rules: arrival needs 2 consecutive fixes within the radius (+ accuracy, at most 30 m), departure 2 outside; fixes over 120 s apart split a visit; jumps over 180 km/h are dropped; a visit counts as a dose when it lasts the target dwell.',
  legend: 'Received / planned dose',
  note: 'Note on the change',
};

export type PlansText = typeof zh;

/** The texts in the language in use; `fill` puts values into `{name}` slots. */
export function usePlansText(): PlansText {
  const { i18n } = useTranslation();
  return i18n.language === 'en' ? en : zh;
}

export function fill(text: string, values: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (_, k: string) => String(values[k] ?? ''));
}
