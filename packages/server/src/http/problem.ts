import type { FastifyReply, FastifyRequest } from 'fastify';

export type Lang = 'zh-CN' | 'en';

/** The user's language from Accept-Language: English only when English is preferred; Chinese first. */
export function pickLanguage(acceptLanguage: string | undefined): Lang {
  if (!acceptLanguage) return 'zh-CN';
  const ranked = acceptLanguage
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: tag.toLowerCase(), q: q ? Number(q.slice(2)) || 0 : 1 };
    })
    .filter((x) => x.tag)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    if (tag.startsWith('zh')) return 'zh-CN';
    if (tag.startsWith('en')) return 'en';
  }
  return 'zh-CN';
}

/** Every kind of problem the API answers with, and its title in each language. */
export const PROBLEMS = {
  validation: { status: 400, zh: '请求参数不合法', en: 'The request is invalid' },
  malformed_json: { status: 400, zh: '请求体不是合法的 JSON', en: 'The request body is not valid JSON' },
  unsupported_media_type: { status: 415, zh: '不支持的内容类型', en: 'Unsupported content type' },
  payload_too_large: { status: 413, zh: '请求体过大', en: 'The request body is too large' },
  unauthenticated: { status: 401, zh: '未登录或会话已失效', en: 'Not signed in or session expired' },
  bad_credentials: { status: 401, zh: '用户名或密码错误', en: 'Wrong username or password' },
  account_locked: { status: 423, zh: '账号已被临时锁定', en: 'The account is temporarily locked' },
  forbidden: { status: 403, zh: '无权执行此操作', en: 'You are not allowed to do this' },
  password_change_required: {
    status: 403,
    zh: '请先修改初始密码',
    en: 'Change your initial password first',
  },
  origin_not_allowed: { status: 403, zh: '来源不被允许', en: 'Origin not allowed' },
  not_found: { status: 404, zh: '资源不存在', en: 'Not found' },
  method_not_allowed: { status: 405, zh: '不支持的请求方法', en: 'Method not allowed' },
  conflict: { status: 409, zh: '与现有数据冲突', en: 'Conflicts with existing data' },
  purpose_required: {
    status: 428,
    zh: '查看个人信息须说明用途',
    en: 'A purpose is required to read personal data',
  },
  rate_limited: { status: 429, zh: '请求过于频繁', en: 'Too many requests' },
  internal: { status: 500, zh: '服务器内部错误', en: 'Internal server error' },
  unavailable: { status: 503, zh: '服务暂不可用', en: 'Service unavailable' },
} as const satisfies Record<string, { status: number; zh: string; en: string }>;
export type ProblemCode = keyof typeof PROBLEMS;

export interface FieldError {
  /** Dotted path of the offending field, e.g. `password` or `roles.0`. */
  field: string;
  /** The rule it broke, e.g. `too_small`, `required`, `invalid_format`, `unrecognized_key`. */
  rule: string;
  /** The rule explained in the user's language. */
  message: string;
}

/** A thing that went wrong which the user should be told about, as RFC 9457 problem details. */
export class ProblemError extends Error {
  constructor(
    readonly code: ProblemCode,
    readonly detail?: { zh: string; en: string },
    readonly errors?: FieldError[],
    readonly statusOverride?: number,
    /** Response headers the answer needs, e.g. Retry-After on 429 and 503. */
    readonly headers?: Record<string, string>,
  ) {
    super(detail?.en ?? PROBLEMS[code].en);
    this.name = 'ProblemError';
  }
  get status(): number {
    return this.statusOverride ?? PROBLEMS[this.code].status;
  }
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
}

export function problemBody(
  code: ProblemCode,
  lang: Lang,
  options: {
    detail?: { zh: string; en: string };
    errors?: FieldError[];
    instance?: string;
    status?: number;
  } = {},
): ProblemBody {
  const p = PROBLEMS[code];
  const body: ProblemBody = {
    type: `/problems/${code.replaceAll('_', '-')}`,
    title: lang === 'en' ? p.en : p.zh,
    status: options.status ?? p.status,
  };
  if (options.detail) body.detail = lang === 'en' ? options.detail.en : options.detail.zh;
  if (options.instance) body.instance = options.instance;
  if (options.errors?.length) body.errors = options.errors;
  return body;
}

/** Messages for rules that services name without text (zod's own rules are described in validation.ts). */
const RULE_MESSAGES: Record<string, { zh: string; en: string }> = {
  required: { zh: '必填', en: 'Required' },
  wrong_password: { zh: '当前密码不正确', en: 'The current password is wrong' },
  same_as_current: {
    zh: '新密码不能与当前密码相同',
    en: 'The new password must differ from the current one',
  },
  separation_of_duties: {
    zh: '账号管理与布控审批不能由同一账号兼任',
    en: 'Account management and hotlist approval cannot be held by one account',
  },
  reference: { zh: '引用的数据不存在', en: 'Refers to something that does not exist' },
  constraint: { zh: '不符合数据规则', en: 'Breaks a data rule' },
  invalid_value: { zh: '取值不合法', en: 'Invalid value' },
  control_character: {
    zh: '不能包含控制字符（如 NUL）',
    en: 'Must not contain control characters (such as NUL)',
  },
  lone_surrogate: { zh: '包含无效的 Unicode 字符', en: 'Contains an invalid Unicode character' },
  unique: { zh: '该值已被使用', en: 'This value is already in use' },
  org_in_scope: { zh: '机构不存在或不在您的管辖范围内', en: 'No such org within your jurisdiction' },
  unit_in_scope: {
    zh: '该警力不属于您的单位及下属单位，不能由您调派',
    en: 'The unit belongs to no org of yours: you may not send it',
  },
  city_level: { zh: '仅限市局层级人员', en: 'City-level staff only' },
  own_unit: {
    zh: '该警力属于本单位，请直接调派',
    en: 'The unit is your own: send it directly',
  },
  demo_mix: {
    zh: '演示警力只处置演示警情，真实警力只处置真实警情',
    en: 'Demo units serve demo calls only, real units real calls only',
  },
  not_self: { zh: '不能对自己执行此操作', en: 'Not allowed on your own account' },
  below_parent: {
    zh: '下级机构的层级必须低于上级机构',
    en: 'A child org must be of a lower level than its parent',
  },
  // GeoJSON areas (rings, patrol zones, crowd areas, station areas: core/geo/geojson, perimeter/ring).
  unsupported_type: { zh: '必须是 Polygon 或 MultiPolygon', en: 'Must be a Polygon or MultiPolygon' },
  malformed: { zh: '坐标结构不正确', en: 'The coordinates are malformed' },
  invalid_position: {
    zh: '坐标点必须是 [经度, 纬度]，经度在 −180～180、纬度在 −90～90 之间',
    en: 'A position must be [lon, lat] with lon in [−180, 180] and lat in [−90, 90]',
  },
  too_few_positions: {
    zh: '闭合环至少需要 4 个坐标点（首尾相同）',
    en: 'A linear ring needs at least 4 positions (first = last)',
  },
  // Explosives month close (月结) done already; not_closed is a ring's (a GeoJSON rule).
  already_closed: { zh: '该月已月结', en: 'This month is already closed' },
  not_closed: { zh: '环未闭合：最后一个点必须与第一个点相同', en: 'The last position must repeat the first' },
  zero_area: { zh: '外环面积为零', en: 'The outer ring encloses no area' },
  self_intersecting: {
    zh: '边界自相交（或折返），请检查坐标顺序',
    en: 'The boundary crosses or turns back on itself',
  },
  hole_outside_shell: { zh: '内环（洞）必须位于外环之内', en: 'A hole must lie inside its outer ring' },
  too_many_holes: { zh: '内环（洞）过多', en: 'Too many holes in one polygon' },
  too_many_polygons: { zh: '多边形个数超出限制（此处只允许一个面）', en: 'Too many polygons here' },
  too_many_positions: { zh: '单个环的坐标点过多', en: 'Too many positions in one ring' },
  too_many_positions_in_total: { zh: '坐标点总数过多', en: 'Too many positions in all' },
  ambiguous_feature: {
    zh: '文件中必须恰好有一个 Polygon 或 MultiPolygon 要素',
    en: 'The file must hold exactly one Polygon or MultiPolygon feature',
  },
  unsupported_crs: {
    zh: '坐标必须是经纬度（CRS84 或 EPSG:4326），请先转换（ogr2ogr -t_srs EPSG:4326）',
    en: 'Coordinates must be longitude/latitude (CRS84 or EPSG:4326); reproject first (ogr2ogr -t_srs EPSG:4326)',
  },
  invalid_level: {
    zh: '圈层级别必须是 city（全市）、core（核心）或 district（分局）之一',
    en: 'The ring level must be one of city, core, district',
  },
  // Registry records (oversight units, explosives permits): cross-field rules.
  invalid_date: { zh: '日期不存在或格式不正确（YYYY-MM-DD）', en: 'Not a calendar date (YYYY-MM-DD)' },
  circle_or_polygon: { zh: '区域只能是圆形或多边形之一', en: 'A notice has a circle or a polygon, not both' },
  immutable: { zh: '创建后不能修改', en: 'Cannot be changed once created' },
  run_in_progress: {
    zh: '正在运行，请待本次运行结束后再操作',
    en: 'A run is in progress: try again when it ends',
  },
  empty_patch: { zh: '至少需要修改一个字段', en: 'Change at least one field' },
  lon_and_lat: { zh: '经度和纬度必须同时提供', en: 'Give lon and lat together' },
  after_valid_from: { zh: '有效期止不能早于有效期起', en: 'Must not be before the start of validity' },
  unsupported_datum: {
    zh: '坐标系必须是 wgs84、gcj02 或 bd09 之一',
    en: 'The datum must be one of wgs84, gcj02, bd09',
  },
};

export function localiseFieldErrors(errors: FieldError[] | undefined, lang: Lang): FieldError[] | undefined {
  return errors?.map((e) => {
    if (e.message) return e;
    const m = RULE_MESSAGES[e.rule];
    return { ...e, message: m ? (lang === 'en' ? m.en : m.zh) : e.rule };
  });
}

export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  code: ProblemCode,
  options: { detail?: { zh: string; en: string }; errors?: FieldError[]; status?: number } = {},
) {
  const lang = pickLanguage(request.headers['accept-language']);
  const errors = localiseFieldErrors(options.errors, lang);
  const body = problemBody(code, lang, { ...options, errors, instance: request.url.split('?')[0] });
  return reply.code(body.status).type('application/problem+json; charset=utf-8').send(body);
}
