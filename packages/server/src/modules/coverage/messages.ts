/** The coverage module's texts, Chinese first. */
export const messages = {
  outsideCity: (city: string) => ({ zh: `坐标不在${city}范围内`, en: `The point lies outside ${city}` }),
  noSuchOrg: { zh: '所属单位不存在', en: 'No such org' },
  notAnEditablePost: (id: string) => ({
    zh: `点位不存在或为派出所（请在组织机构中修改）：${id}`,
    en: `No such post, or it is a police-station org (edit it as an org): ${id}`,
  }),
};
