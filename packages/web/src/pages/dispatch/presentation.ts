import type { IncidentStatus } from '@citywatch/core/dispatch/incident';
import type { Incident, IncidentCategory, Unit } from '../../api/dispatch';

export const PRIORITY_COLORS: Record<Incident['priority'], string> = {
  P1: '#cf1322',
  P2: '#fa8c16',
  P3: '#1677ff',
  P4: '#8c8c8c',
};

/** antd Tag colours of incident statuses. */
export const STATUS_TAG_COLORS: Record<IncidentStatus, string> = {
  received: 'red',
  dispatched: 'orange',
  en_route: 'gold',
  on_scene: 'blue',
  cleared: 'green',
  closed: 'default',
  cancelled: 'default',
  merged: 'purple',
  diverted: 'cyan',
};

/** Unit colours on the map and in lists: available green, on the way orange, on scene red. */
export const UNIT_COLORS: Record<Unit['status'], string> = {
  available: '#389e0d',
  dispatched: '#fa8c16',
  en_route: '#fa8c16',
  on_scene: '#cf1322',
  out_of_service: '#8c8c8c',
};

/** The category's (and subcategory's) name in the UI language. */
export function categoryLabel(
  categories: readonly IncidentCategory[],
  code: string,
  sub: string | null,
  language: string,
): string {
  const cat = categories.find((c) => c.code === code);
  if (!cat) return sub ? `${code}/${sub}` : code;
  const name = (x: { zh: string; en: string }) => (language === 'en' ? x.en : x.zh);
  const s = sub ? cat.sub.find((x) => x.code === sub) : undefined;
  return s ? `${name(cat)} / ${name(s)}` : name(cat);
}
