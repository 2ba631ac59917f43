/** The places module's texts, Chinese first. */
export const messages = {
  noSuchCity: (name: string) => ({ zh: `城市不存在：${name}`, en: `No such city: ${name}` }),
  noCityYet: { zh: '尚未导入任何城市', en: 'No city has been imported yet' },
  outsideCity: (city: string) => ({ zh: `坐标不在${city}范围内`, en: `The point lies outside ${city}` }),
  noRoadNearby: { zh: '附近 1 公里内没有可通行道路', en: 'No drivable road within 1 km' },
};
