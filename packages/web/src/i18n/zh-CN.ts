/** Simplified Chinese: the primary language. Every key here must exist in en.ts (checked by its type). */
export const zhCN = {
  app: {
    name: 'citywatch 社会治安防控平台',
    shortName: 'citywatch',
    subtitle: '社会治安防控平台',
  },
  common: {
    ok: '确定',
    cancel: '取消',
    save: '保存',
    create: '新建',
    edit: '编辑',
    refresh: '刷新',
    search: '查询',
    reset: '重置',
    actions: '操作',
    yes: '是',
    no: '否',
    loading: '加载中…',
    loadMore: '加载更多',
    noMore: '没有更多记录',
    loadFailed: '加载失败',
    saved: '已保存',
    forbidden: '无权访问',
    forbiddenDetail: '当前账号没有访问此页面的权限。',
    notFound: '页面不存在',
    backHome: '返回首页',
    networkError: '无法连接服务器，请检查网络后重试。',
  },
  lang: {
    label: '语言',
    'zh-CN': '中文',
    en: 'English',
  },
  login: {
    title: '用户登录',
    username: '用户名',
    password: '密码',
    submit: '登录',
    usernameRequired: '请输入用户名',
    passwordRequired: '请输入密码',
    badCredentials: '用户名或密码错误',
    locked: '登录失败次数过多，账号已锁定，请 10 分钟后再试',
    notice: '本系统仅限授权人员使用，所有操作均记录审计日志。',
  },
  password: {
    title: '设置新密码',
    why: '初始密码或他人重置的密码须由本人更换后才能使用系统。',
    current: '当前密码',
    new: '新密码',
    confirm: '再次输入新密码',
    required: '请输入密码',
    rule: '新密码须为 10 至 128 个字符',
    mismatch: '两次输入的新密码不一致',
    submit: '保存新密码',
  },
  shell: {
    logout: '退出登录',
    logoutConfirm: '确定退出登录吗？',
    org: '所属单位',
    collapse: '收起菜单',
    expand: '展开菜单',
  },
  /** Menu groups; each page's own entry is the `menu` message of its namespace. */
  menu: {
    system: '系统管理',
  },
  placeholder: {
    title: '建设中',
    subtitle: '「{{module}}」模块正在建设中，敬请期待。',
  },
  roles: {
    admin: '系统管理员',
    commander: '指挥长',
    dispatcher: '接处警员',
    patrol_officer: '巡逻民警',
    industry_inspector: '行业监管民警',
    community_officer: '社区民警',
    mediator: '调解员',
    auditor: '审计员',
    enterprise: '企业用户',
  },
  orgKinds: {
    city_bureau: '市局',
    branch_bureau: '分局',
    police_station: '派出所',
    team: '警组/中队',
  },
} as const;

type Widen<T> = { [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };
/** The shape every other language must fill in, key for key. */
export type Messages = Widen<typeof zhCN>;
