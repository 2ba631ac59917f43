import { videoPanelEn, videoPanelZh } from '../../video/messages';
import type { PageMessages, Shape } from '../page';

/** Messages of the video page (视频巡查) and the camera panel: the `video` i18n namespace. */
const zhCN = {
  menu: '视频巡查',
  page: {
    title: '视频资源',
    loadFailed: '加载失败：{{error}}',
    noCity: '尚未导入城市数据',
    webglUnavailable: '当前浏览器无法创建 WebGL 画布，地图无法显示。',
    count: '摄像机 {{count}} 台',
    clickHint: '在地图上点击一处，列出覆盖该处或按道路最近的摄像机',
    legend: '扇形为视域（朝向、视场角、距离；不计遮挡）',
    attribution: '路网 © OpenStreetMap contributors；行政区划代码：国家统计局 2023',
  },
  panel: videoPanelZh,
};

const en: Shape<typeof zhCN> = {
  menu: 'Video patrol',
  page: {
    title: 'Video resources',
    loadFailed: 'Failed to load: {{error}}',
    noCity: 'No city imported yet',
    webglUnavailable: 'This browser cannot create a WebGL canvas: the map cannot be shown.',
    count: '{{count}} cameras',
    clickHint: 'Click a place on the map to list the cameras covering it or nearest by road',
    legend: 'Sectors are views (heading, field of view, range; obstructions not counted)',
    attribution: 'Roads © OpenStreetMap contributors; division codes: National Bureau of Statistics 2023',
  },
  panel: videoPanelEn,
};

export const videoMessages: PageMessages<typeof zhCN> = { 'zh-CN': zhCN, en };
