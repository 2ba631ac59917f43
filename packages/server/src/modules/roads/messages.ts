/** The roads module's texts, Chinese first. */
export const messages = {
  noRoadNearFrom: { zh: '起点附近 1 公里内没有可通行道路', en: 'No drivable road within 1 km of the start' },
  noRoadNearTo: { zh: '终点附近 1 公里内没有可通行道路', en: 'No drivable road within 1 km of the end' },
  noRoute: {
    zh: '两点之间没有可行驶路线（单行或禁止转弯）',
    en: 'No drivable route between the two points (one-way streets or turn restrictions)',
  },
};
