/** The connectors module's texts, Chinese first. */
export const CONNECTOR_MESSAGES = {
  noSuchConnector: { zh: '数据接入配置不存在', en: 'No such connector' },
  mappingRefused: {
    zh: '映射配置不合法：引用了不存在的列、类型不符或缺少必填字段，未读取任何数据',
    en: 'The mapping is refused (a missing column, a wrong type or a required field unmapped); no row was read',
  },
  sourceUnreadable: { zh: '数据源内容无法解析', en: 'The source could not be read' },
  sourceMismatch: { zh: '该数据源类型不支持此操作', en: 'This kind of source does not support that' },
  contentRequired: {
    zh: '文件型数据接入须随运行提交文件内容',
    en: 'A file connector needs the file content with the run',
  },
  immutable: {
    zh: '数据源类型与目标不能修改，请新建一个数据接入',
    en: 'The source kind and the target cannot change; make a new connector',
  },
  runGoingOn: {
    zh: '该数据接入正在运行，请稍后再删除',
    en: 'A run of this connector is going on; delete it later',
  },
  targetPermission: {
    zh: '您没有写入该目标模块数据的权限',
    en: 'You may not write into this target module',
  },
};

/** What each mapping rule means, for the field errors of a refused mapping. */
export const RULE_TEXT: Record<string, { zh: string; en: string }> = {
  unknown_field: { zh: '目标表没有该字段', en: 'The target has no such field' },
  type_mismatch: { zh: '类型与目标字段不符', en: 'The type differs from the target field' },
  required: { zh: '目标必填字段未映射', en: 'A required target field is not mapped' },
  missing_column: { zh: '数据源中没有该列', en: 'The source has no such column' },
  column_type: {
    zh: '数据源列的类型不能转换为目标类型',
    en: "The source column's type cannot hold the target type",
  },
  time_zone: { zh: '未知时区', en: 'Unknown time zone' },
};
