import type { UnitKind } from './incident';

/**
 * The two-level incident classification a dispatcher picks from. Each top-level category says
 * whether it is police business (non-police calls go to the 12345 hotline) and which unit
 * capabilities it needs. Bureaus replace this table with their own (DISPATCH_CATEGORIES is data).
 */
export interface IncidentCategory {
  code: string;
  zh: string;
  en: string;
  police: boolean;
  /** Capabilities a unit must have to be recommended. */
  needs: readonly string[];
  sub: readonly { code: string; zh: string; en: string }[];
}

export const DISPATCH_CATEGORIES: readonly IncidentCategory[] = [
  {
    code: 'criminal',
    zh: '刑事案件',
    en: 'Criminal',
    police: true,
    needs: ['patrol'],
    sub: [
      { code: 'robbery', zh: '抢劫', en: 'Robbery' },
      { code: 'theft', zh: '盗窃', en: 'Theft' },
      { code: 'assault', zh: '故意伤害', en: 'Assault' },
      { code: 'fraud', zh: '诈骗', en: 'Fraud' },
    ],
  },
  {
    code: 'public_order',
    zh: '治安案件',
    en: 'Public order',
    police: true,
    needs: ['patrol'],
    sub: [
      { code: 'fight', zh: '打架斗殴', en: 'Fight' },
      { code: 'disturbance', zh: '寻衅滋事', en: 'Disturbance' },
      { code: 'gambling', zh: '赌博', en: 'Gambling' },
    ],
  },
  {
    code: 'traffic',
    zh: '交通事故',
    en: 'Traffic',
    police: true,
    needs: ['traffic'],
    sub: [
      { code: 'collision', zh: '交通事故', en: 'Collision' },
      { code: 'congestion', zh: '交通堵塞', en: 'Congestion' },
      { code: 'drunk_driving', zh: '酒驾', en: 'Drunk driving' },
    ],
  },
  {
    code: 'fire_rescue',
    zh: '火灾与救援',
    en: 'Fire and rescue',
    police: true,
    needs: ['patrol'],
    sub: [
      { code: 'fire', zh: '火灾', en: 'Fire' },
      { code: 'trapped', zh: '被困求助', en: 'Person trapped' },
    ],
  },
  {
    code: 'dispute',
    zh: '纠纷',
    en: 'Dispute',
    police: true,
    needs: ['patrol'],
    sub: [
      { code: 'neighbour', zh: '邻里纠纷', en: 'Neighbours' },
      { code: 'family', zh: '家庭纠纷', en: 'Family' },
      { code: 'labour', zh: '劳资纠纷', en: 'Labour' },
      { code: 'commercial', zh: '经济纠纷', en: 'Commercial' },
    ],
  },
  {
    code: 'assistance',
    zh: '群众求助',
    en: 'Assistance',
    police: true,
    needs: ['patrol'],
    sub: [
      { code: 'missing_person', zh: '走失人员', en: 'Missing person' },
      { code: 'lost_property', zh: '遗失物品', en: 'Lost property' },
    ],
  },
  {
    code: 'non_police',
    zh: '非警务求助',
    en: 'Non-police',
    police: false,
    needs: [],
    sub: [
      { code: 'utilities', zh: '水电气故障', en: 'Utilities' },
      { code: 'noise', zh: '噪音扰民', en: 'Noise' },
      { code: 'consumer', zh: '消费投诉', en: 'Consumer complaint' },
      { code: 'municipal', zh: '市政设施', en: 'Municipal facilities' },
    ],
  },
];

export function findCategory(code: string): IncidentCategory | undefined {
  return DISPATCH_CATEGORIES.find((c) => c.code === code);
}

/** What each kind of unit can do by default. */
export const UNIT_KIND_CAPABILITIES: Record<UnitKind, readonly string[]> = {
  patrol_car: ['patrol'],
  foot_patrol: ['patrol'],
  motorcycle: ['patrol', 'traffic'],
  traffic: ['traffic'],
  special_police: ['patrol', 'armed'],
  checkpoint_team: ['checkpoint'],
  police_post: ['patrol'],
};

export function unitCanServe(capabilities: readonly string[], needs: readonly string[]): boolean {
  return needs.every((n) => capabilities.includes(n));
}
