import type { PageMessages, Shape } from '../page';

/** Messages of the smart-community devices page (智慧安防小区): the `sensors` i18n namespace. */
const zhCN = {
  menu: '智慧安防',
  page: {
    loadFailed: '加载失败：{{error}}',
    noCity: '尚未导入城市数据',
    webglUnavailable: '当前浏览器无法创建 WebGL 画布，地图无法显示。',
    attribution: '路网 © OpenStreetMap contributors',
    legend: '绿色在线，灰色离线，红色有告警；人群区域按密度着色（正常/预警/告警）',
  },
  communities: {
    title: '社区设备在线率',
    empty: '暂无社区',
    rate: '在线 {{online}}/{{devices}}（{{rate}}）',
    alarms: '告警 {{count}}',
  },
  alarms: {
    title: '设备告警',
    empty: '暂无未清除的告警',
    acknowledge: '确认',
    clear: '清除',
    repeats: '重复 {{count}} 次',
    escalated: '已升级',
    incident: '已生成警情',
    ticket: '已派故障工单',
    status: {
      active_unack: '未确认',
      active_ack: '已确认',
      cleared_unack: '已清除未确认',
      cleared_ack: '已清除',
    },
    severity: { critical: '紧急', major: '重要', minor: '次要', warning: '警告', indeterminate: '未定' },
    type: {
      alarm_button: '一键报警',
      smoke: '烟感报警',
      door_forced: '门禁被强开',
      gate_stuck: '道闸故障',
      tamper: '设备被破坏',
      offline: '设备离线',
      crowd_density: '人群密度超限',
    },
  },
  crowd: {
    title: '人群密度',
    empty: '暂无人群区域',
    count: '{{count}} 人',
    density: '{{density}} 人/㎡',
    trend: '趋势 {{trend}} 人/分',
    level: { normal: '正常', warning: '预警', alarm: '告警' },
    expires: '{{at}} 后删除',
    chart: '近 60 分钟计数（仅计数，无图像）',
  },
  kinds: {
    alarm_button: '一键报警柱',
    smoke: '烟感',
    door: '门禁',
    gate: '道闸',
    camera: '摄像机',
    crowd_counter: '人数统计',
  },
};

const en: Shape<typeof zhCN> = {
  menu: 'Smart communities',
  page: {
    loadFailed: 'Failed to load: {{error}}',
    noCity: 'No city imported yet',
    webglUnavailable: 'This browser cannot create a WebGL canvas: the map cannot be shown.',
    attribution: 'Roads © OpenStreetMap contributors',
    legend:
      'Green online, grey offline, red with an alarm; crowd areas coloured by density (normal / warning / alarm)',
  },
  communities: {
    title: 'Devices online per community',
    empty: 'No communities yet',
    rate: 'Online {{online}}/{{devices}} ({{rate}})',
    alarms: '{{count}} alarms',
  },
  alarms: {
    title: 'Device alarms',
    empty: 'No alarms that are not cleared',
    acknowledge: 'Acknowledge',
    clear: 'Clear',
    repeats: 'Repeated {{count}} times',
    escalated: 'Escalated',
    incident: 'Incident raised',
    ticket: 'Fault ticket opened',
    status: {
      active_unack: 'Unacknowledged',
      active_ack: 'Acknowledged',
      cleared_unack: 'Cleared, unacknowledged',
      cleared_ack: 'Cleared',
    },
    severity: {
      critical: 'Critical',
      major: 'Major',
      minor: 'Minor',
      warning: 'Warning',
      indeterminate: 'Indeterminate',
    },
    type: {
      alarm_button: 'Alarm button',
      smoke: 'Smoke',
      door_forced: 'Door forced',
      gate_stuck: 'Gate stuck',
      tamper: 'Tampering',
      offline: 'Device offline',
      crowd_density: 'Crowd density',
    },
  },
  crowd: {
    title: 'Crowd density',
    empty: 'No crowd areas',
    count: '{{count}} people',
    density: '{{density}} people/m²',
    trend: 'Trend {{trend}} people/min',
    level: { normal: 'Normal', warning: 'Warning', alarm: 'Alarm' },
    expires: 'Deleted after {{at}}',
    chart: 'Counts over the last 60 minutes (counts only, no images)',
  },
  kinds: {
    alarm_button: 'Alarm button',
    smoke: 'Smoke detector',
    door: 'Door access',
    gate: 'Gate barrier',
    camera: 'Camera',
    crowd_counter: 'Crowd counter',
  },
};

export const sensorsMessages: PageMessages<typeof zhCN> = { 'zh-CN': zhCN, en };
