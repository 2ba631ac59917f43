import type { Shape } from '../pages/page';

/**
 * Texts of the camera panel and the map's camera layer, shared by the pages that show cameras
 * (the video page, the dispatch console): the `video` namespace's `panel` part.
 */
export const videoPanelZh = {
  title: '周边视频',
  none: '附近 500 米内没有可查看的摄像机',
  loadFailed: '加载失败：{{error}}',
  covers: '视域覆盖',
  road: '道路距离 {{metres}} 米',
  straight: '直线距离 {{metres}} 米',
  status: { unknown: '未检测', online: '在线', offline: '离线', fault: '故障' },
  shared: '共享',
  view: '实时查看',
  purpose: '查看用途（必填，将记入审计）',
  purposePlaceholder: '如：核查警情 J20261129-0001',
  open: '打开',
  close: '关闭',
  viewing: '正在查看：{{name}}（用途：{{purpose}}）',
  viewFailed: '无法打开视频：{{error}}',
  noStream: '无 HLS 流',
  media: {
    title: '群众上传的照片和视频（500 米内）',
    none: '附近没有群众上传的照片或视频',
    distance: '{{metres}} 米',
    received: '收到 {{at}}',
    taken: '拍摄 {{at}}',
  },
};

export const videoPanelEn: Shape<typeof videoPanelZh> = {
  title: 'Cameras nearby',
  none: 'No camera you may view within 500 m',
  loadFailed: 'Failed to load: {{error}}',
  covers: 'View covers it',
  road: '{{metres}} m by road',
  straight: '{{metres}} m straight',
  status: { unknown: 'Not probed', online: 'Online', offline: 'Offline', fault: 'Fault' },
  shared: 'Shared',
  view: 'Live view',
  purpose: 'Purpose of viewing (required, audited)',
  purposePlaceholder: 'e.g. verify incident J20261129-0001',
  open: 'Open',
  close: 'Close',
  viewing: 'Viewing: {{name}} (purpose: {{purpose}})',
  viewFailed: 'Cannot open the video: {{error}}',
  noStream: 'No HLS stream',
  media: {
    title: 'Photos and videos from citizens (within 500 m)',
    none: 'No photo or video from citizens nearby',
    distance: '{{metres}} m',
    received: 'received {{at}}',
    taken: 'taken {{at}}',
  },
};
