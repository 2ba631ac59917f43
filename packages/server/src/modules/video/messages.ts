/** The video module's texts, Chinese first. */
export const VIDEO_MESSAGES = {
  noSuchCamera: { zh: '摄像机不存在', en: 'No such camera' },
  cameraRefused: { zh: '摄像机信息不符合规则', en: 'The camera breaks a rule' },
  codeTaken: { zh: '该国标编码已登记', en: 'This device code is already registered' },
  noStream: { zh: '该摄像机没有可播放的 HLS 流', en: 'This camera has no playable HLS stream' },
  noSuchPlayback: { zh: '录像调阅申请不存在', en: 'No such playback request' },
  playbackWindow: { zh: '调阅时段不符合规则', en: 'The playback window breaks a rule' },
  noPlayback: { zh: '该摄像机没有录像回放地址模板', en: 'This camera has no NVR playback template' },
  secondPerson: { zh: '须由申请人以外的人审批', en: 'Someone other than the requester must decide' },
  alreadyDecided: { zh: '该申请已审批', en: 'This request has been decided already' },
  notApproved: { zh: '申请尚未批准', en: 'The request is not approved' },
  noSuchTour: { zh: '巡查路线不存在', en: 'No such tour' },
  noSuchRun: { zh: '巡查记录不存在', en: 'No such tour run' },
  notYourRun: { zh: '只能由开始巡查的人记录', en: 'Only the operator who started the run records it' },
  runFinished: { zh: '本次巡查已结束', en: 'This run is finished' },
  stepRecorded: { zh: '该摄像机已记录', en: 'This camera is recorded already' },
  runIncomplete: { zh: '还有摄像机未查看', en: 'Some cameras have not been looked at' },
  mayNotInspect: {
    zh: '填报监管检查须有要素管控检查权限',
    en: 'Filing an oversight inspection needs the oversight write permission',
  },
};

/** Rule texts of the video module's rules (a field error carries its own message). */
export const VIDEO_RULES: Record<string, { zh: string; en: string }> = {
  digits: { zh: '国标编码只能是数字', en: 'The device code must be digits only' },
  length: { zh: '国标编码须为 20 位', en: 'The device code must be 20 digits' },
  division_exists: {
    zh: '前 6 位不是现行的行政区划代码（GB/T 2260）',
    en: 'The first six digits are no existing administrative-division code (GB/T 2260)',
  },
  camera_type: {
    zh: '第 11–13 位设备类型须为 131 或 132（摄像机）',
    en: 'Digits 11–13 (device type) must be 131 or 132 (camera)',
  },
  fov_range: { zh: '视场角须在 1–360° 之间', en: 'The field of view must be 1–360°' },
  url_scheme: {
    zh: '流地址协议须为 http(s)、rtsp 或 webrtc（HLS 须为 http(s)）',
    en: 'Stream URLs must be http(s), rtsp or webrtc (HLS: http(s))',
  },
  url: { zh: '不是合法的地址', en: 'Not a valid URL' },
  range: { zh: '超出允许范围', en: 'Out of the allowed range' },
  unique: { zh: '该国标编码已登记', en: 'This device code is already registered' },
  after_from: { zh: '结束时间须晚于开始时间', en: 'The end must come after the start' },
  not_future: { zh: '调阅时段不能在未来', en: 'The window must not lie in the future' },
  max_window: { zh: '调阅时段超过允许的最长时长', en: 'The window is longer than allowed' },
  no_playback: { zh: '该摄像机没有录像回放地址模板', en: 'This camera has no NVR playback template' },
  second_person: { zh: '须由申请人以外的人审批', en: 'Someone other than the requester must decide' },
  every_camera: { zh: '每台摄像机都须记录结果', en: 'Every camera needs an outcome' },
  camera_not_linked: {
    zh: '该摄像机未关联任何您管辖的监管单位（按流地址）',
    en: 'This camera is linked to no regulated unit in your jurisdiction (by stream URL)',
  },
  choose_unit: {
    zh: '该摄像机关联多个监管单位，请指定其一',
    en: 'This camera is linked to several regulated units: name one',
  },
  not_found: { zh: '不存在或不在您的管辖范围内', en: 'Does not exist or is outside your jurisdiction' },
};

/** A field error of a video rule, with its text in the asker's language. */
export function videoFieldError(field: string, rule: string, lang: 'zh-CN' | 'en') {
  const m = VIDEO_RULES[rule];
  return { field, rule, message: m ? (lang === 'en' ? m.en : m.zh) : '' };
}
