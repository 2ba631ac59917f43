import { REPORT_CATEGORIES, type ReportStatus } from './reports';

/**
 * Open311 GeoReport v2 as citywatch serves it: the services list from the report categories and a
 * service request from a report, with the spec's field names. A report is `open` until it is
 * rejected or its mediation case or 110 incident is closed.
 */

export interface Open311Service {
  service_code: string;
  service_name: string;
  description: string;
  metadata: boolean;
  type: 'realtime' | 'batch' | 'blackbox';
  keywords: string;
  group: string;
}

export function open311Services(lang: 'zh' | 'en'): Open311Service[] {
  return REPORT_CATEGORIES.map((c) => ({
    service_code: c.code,
    service_name: lang === 'en' ? c.en : c.zh,
    description:
      lang === 'en'
        ? `${c.description.en}; a decision is expected within ${c.slaHours} h`
        : `${c.description.zh}；预计 ${c.slaHours} 小时内受理`,
    metadata: false,
    type: 'realtime',
    keywords: c.code,
    group: lang === 'en' ? c.group.en : c.group.zh,
  }));
}

export interface Open311Request {
  service_request_id: string;
  status: 'open' | 'closed';
  status_notes: string | null;
  service_name: string;
  service_code: string;
  description: string;
  agency_responsible: string;
  service_notice: string | null;
  requested_datetime: string;
  updated_datetime: string;
  expected_datetime: string;
  address: string | null;
  address_id: null;
  zipcode: null;
  lat: number;
  long: number;
  media_url: string | null;
}

export interface Open311Source {
  id: string;
  category: string;
  status: ReportStatus;
  closed: boolean;
  statusNotes: string | null;
  description: string;
  agency: string;
  receivedAt: string;
  updatedAt: string;
  expectedAt: string;
  address: string | null;
  lon: number;
  lat: number;
  mediaUrl: string | null;
}

export function open311Request(r: Open311Source, lang: 'zh' | 'en'): Open311Request {
  const category = REPORT_CATEGORIES.find((c) => c.code === r.category);
  return {
    service_request_id: r.id,
    status: r.closed || r.status === 'rejected' ? 'closed' : 'open',
    status_notes: r.statusNotes,
    service_name: category ? (lang === 'en' ? category.en : category.zh) : r.category,
    service_code: r.category,
    description: r.description,
    agency_responsible: r.agency,
    service_notice: null,
    requested_datetime: r.receivedAt,
    updated_datetime: r.updatedAt,
    expected_datetime: r.expectedAt,
    address: r.address,
    address_id: null,
    zipcode: null,
    lat: r.lat,
    long: r.lon,
    media_url: r.mediaUrl,
  };
}

/** One error as the spec answers it (a list of these is the body). */
export interface Open311Error {
  code: number;
  description: string;
}
