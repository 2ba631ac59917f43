import type { PageMessages, Shape } from '../page';

/**
 * Messages of the places page (基础防控: the city map): the `places` i18n namespace. Plain data, registered by the page list
 * (pages/index.ts); components read them with `useTranslation('places')`.
 */
const zhCN = {
  /** The page's entry in the menu. */
  menu: '基础防控',
  map: {
    title: '城市地图',
    city: '城市',
    searchPlaceholder: '搜索地址、地点或道路',
    searchEmpty: '没有找到匹配的结果',
    searchFailed: '搜索失败：{{error}}',
    kind: { address: '地址', place: '地点', street: '道路' },
    isochrone: '1/3/5 分钟可达',
    isochroneHint: '点击地图选择起点',
    isochroneLoading: '正在计算可达范围…',
    isochroneFailed: '可达范围计算失败：{{error}}',
    isochroneLegend: '{{minutes}} 分钟',
    citiesFailed: '无法加载城市列表：{{error}}',
    noCity: '尚未导入城市数据',
    noCityHint: '请使用命令 citywatch import <文件.osm.pbf> 导入 OpenStreetMap 数据后刷新本页。',
    webglUnavailable: '当前浏览器无法创建 WebGL 画布，地图无法显示。',
  },
  point: {
    title: '所选位置',
    road: '道路',
    address: '地址',
    jurisdiction: '辖区',
    coordinates: '经纬度',
    none: '无',
    unnamedRoad: '未命名道路',
    distance: '相距 {{meters}} 米',
    loading: '查询中…',
    failed: '查询失败：{{error}}',
    close: '关闭',
  },
  roadClass: {
    motorway: '高速公路',
    trunk: '快速路',
    primary: '主干道',
    secondary: '次干道',
    tertiary: '支路',
    minor: '街巷',
    service: '内部道路',
    link: '匝道',
    other: '其他道路',
  },
};

export type PlacesMessages = Shape<typeof zhCN>;

const en: PlacesMessages = {
  menu: 'Places & community',
  map: {
    title: 'City map',
    city: 'City',
    searchPlaceholder: 'Search addresses, places or streets',
    searchEmpty: 'Nothing matches',
    searchFailed: 'Search failed: {{error}}',
    kind: { address: 'Address', place: 'Place', street: 'Street' },
    isochrone: 'Reach in 1/3/5 min',
    isochroneHint: 'Click the map to pick a start',
    isochroneLoading: 'Working out the reachable area…',
    isochroneFailed: 'Could not work out the reachable area: {{error}}',
    isochroneLegend: '{{minutes}} min',
    citiesFailed: 'Could not load the cities: {{error}}',
    noCity: 'No city imported yet',
    noCityHint: 'Import OpenStreetMap data with `citywatch import <file.osm.pbf>`, then reload this page.',
    webglUnavailable: 'This browser cannot create a WebGL canvas, so the map cannot be shown.',
  },
  point: {
    title: 'Selected point',
    road: 'Road',
    address: 'Address',
    jurisdiction: 'Jurisdiction',
    coordinates: 'Coordinates',
    none: 'None',
    unnamedRoad: 'Unnamed road',
    distance: '{{meters}} m away',
    loading: 'Looking up…',
    failed: 'Lookup failed: {{error}}',
    close: 'Close',
  },
  roadClass: {
    motorway: 'Motorway',
    trunk: 'Expressway',
    primary: 'Primary road',
    secondary: 'Secondary road',
    tertiary: 'Tertiary road',
    minor: 'Street',
    service: 'Service road',
    link: 'Slip road',
    other: 'Other road',
  },
};

export const placesMessages: PageMessages<typeof zhCN> = { 'zh-CN': zhCN, en };
