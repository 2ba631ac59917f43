import type { Industry, RiskLevel } from './schemas.js';

/** One item of an inspection checklist. */
export interface ChecklistItem {
  id: string;
  text: string;
  en: string;
}

const item = (id: string, text: string, en: string): ChecklistItem => ({ id, text, en });

/** Items every regulated unit is checked for. */
const COMMON: ChecklistItem[] = [
  item('licence', '许可证照齐全有效并悬挂', 'Licence valid and displayed'),
  item('responsible', '治安保卫负责人落实', 'Security officer in place'),
  item('video', '视频监控正常运行、存储不少于30天', 'Video working, kept ≥ 30 days'),
  item('fire', '消防器材完好、通道畅通', 'Fire equipment in order, exits clear'),
];

/** Per-industry checklists (the items that industry's regulations name). */
export const CHECKLISTS: Record<Industry, ChecklistItem[]> = {
  hotel: [
    ...COMMON,
    item('register', '旅客住宿实名登记并上传', 'Guests registered by real name and uploaded'),
    item('visitors', '访客登记', 'Visitors registered'),
  ],
  scrap_metal: [
    ...COMMON,
    item('seller_id', '收购生产性废旧金属查验出售人身份并登记', 'Seller identity checked and recorded'),
    item('suspicious', '发现赃物嫌疑物品及时报告', 'Suspected stolen goods reported'),
  ],
  seal_engraving: [
    ...COMMON,
    item('approval', '刻制印章凭公安备案', 'Seals engraved only with police filing'),
    item('seal_register', '印章刻制登记、印模留存', 'Seal orders registered, impressions kept'),
  ],
  logistics: [
    ...COMMON,
    item('real_name', '寄递实名收寄', 'Senders identified by real name'),
    item('open_check', '收寄验视', 'Parcels opened and inspected'),
    item('xray', '过机安检', 'X-ray screening'),
  ],
  motor_repair: [
    ...COMMON,
    item('repair_register', '承修车辆登记', 'Vehicles under repair registered'),
    item('accident_report', '肇事、可疑车辆报告', 'Accident-damaged or suspicious vehicles reported'),
  ],
  second_hand: [
    ...COMMON,
    item('pawn_register', '典当、收购物品查验登记', 'Pawned and bought goods checked and registered'),
    item('suspicious', '发现赃物嫌疑物品及时报告', 'Suspected stolen goods reported'),
  ],
  entertainment: [
    ...COMMON,
    item('staff_register', '从业人员登记', 'Staff registered'),
    item('drugs_gambling', '无涉黄涉赌涉毒', 'No prostitution, gambling or drugs'),
    item('hours', '营业时间符合规定', 'Opening hours as allowed'),
  ],
  explosives: [
    ...COMMON,
    item('ledger', '出入库登记、账物相符', 'In/out registered, books match stock'),
    item('magazine', '库房技防物防人防落实', 'Magazine guarded (technical, physical, people)'),
    item('personnel', '爆破作业人员持证', 'Blasting staff licensed'),
  ],
  hazardous_chemicals: [
    ...COMMON,
    item('storage', '储存场所符合要求、专人管理', 'Storage as required, custodian named'),
    item('flow', '流向登记', 'Sales and transfers registered'),
  ],
  school: [
    ...COMMON,
    item('guards', '专职保安员配备达标', 'Full-time guards as required'),
    item('closed_campus', '封闭式管理', 'Closed campus'),
    item('alarm_110', '一键式报警与110联网', 'One-button alarm linked to 110'),
  ],
  hospital: [
    ...COMMON,
    item('guards', '专职保安员配备达标', 'Full-time guards as required'),
    item('alarm_110', '一键式报警与110联网', 'One-button alarm linked to 110'),
    item('police_room', '警务室设置', 'Police room in place'),
  ],
  internal_other: [
    ...COMMON,
    item('guards', '专职保安员配备达标', 'Full-time guards as required'),
    item('alarm_110', '一键式报警与110联网', 'One-button alarm linked to 110'),
  ],
};

/** Days between inspections by risk level: the calendar follows the unit's risk. */
export const INSPECTION_INTERVAL_DAYS: Record<RiskLevel, number> = { low: 90, medium: 30, high: 7 };
