import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  extensionMatches,
  isVideo,
  MEDIA_EXTENSIONS,
  MediaFormatError,
  type MediaType,
  sniffMedia,
  stripMetadata,
} from '@citywatch/core/community/media';
import {
  expectedAt,
  findReportCategory,
  MEDIA_LIMITS,
  REPORT_RATE,
  type Report,
  type ReportDecision,
  type ReportTracking,
  reportNumber,
} from '@citywatch/core/community/reports';
import { localDay } from '@citywatch/core/dispatch/incident';
import { haversineMetres } from '@citywatch/core/roads/osm-to-graph';
import exifr from 'exifr';
import { latLngToCell } from 'h3-js';
import type { Kysely, Transaction } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { StagePublish } from '../../bus/outbox.js';
import type { Database } from '../../db/schema.js';
import { ProblemError } from '../../http/problem.js';
import type { Actor } from '../../identity/service.js';
import type { Deps } from '../module.js';
import type { OrgScope } from '../scope.js';
import { COMMUNITY_MESSAGES as M } from './messages.js';
import * as store from './store.js';

export type ReportsDeps = Pick<
  Deps<'places' | 'dispatch'>,
  'db' | 'now' | 'transact' | 'places' | 'dispatch' | 'config'
>;

/** A change made in a new mediation case's transaction (see `CasesService.create`). */
export type AlongWithCase = (
  trx: Transaction<Database>,
  publish: StagePublish,
  made: { id: string; number: string },
) => Promise<void>;

/** An upload as it arrived: the bytes, the name and type the client claimed. */
export interface Upload {
  bytes: Uint8Array;
  fileName: string;
  declaredType: string | undefined;
}

export interface NewReport {
  source: 'page' | 'open311';
  category: string;
  description: string;
  lon?: number;
  lat?: number;
  positionSource?: 'device' | 'pin';
  address?: string;
  fingerprint?: string;
  media?: Upload;
  mediaUrl?: string;
  /** The client's address (rate limit; stored hashed). */
  clientAddress: string;
}

/** What EXIF said about a photo before it was stripped. */
interface ExifFacts {
  takenAt: Date | null;
  lon: number | null;
  lat: number | null;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const HOUR = 3_600_000;

/**
 * Citizen reports (群众上报): the public page's and Open311 clients' submissions (type checked by
 * content, EXIF read then stripped, rate-limited per address and device), the intake queue of an
 * org subtree, and a dispatcher's decision — a 110 incident or a 12345 hand-off through the
 * dispatch module's service, a mediation case, or a rejection with its reason.
 */
export class ReportsService {
  private readonly db: Kysely<Database>;
  readonly mediaDir: string;
  /** Makes a mediation case from a report (set by the cases part). */
  caseFromReport?: (
    actor: Actor,
    report: Report,
    note: string | undefined,
    /** Runs in the case's own transaction (the report's decision). */
    alongWith: AlongWithCase,
  ) => Promise<{ id: string; number: string }>;

  constructor(private readonly deps: ReportsDeps) {
    this.db = deps.db.kysely;
    this.mediaDir = path.join(deps.config.dataDir, 'community', 'media');
  }

  async submit(req: NewReport): Promise<{ id: string; number: string; token: string; expectedAt: string }> {
    const category = findReportCategory(req.category);
    if (!category) {
      throw new ProblemError('validation', M.unknownCategory, [
        { field: 'category', rule: 'unknown_category', message: '' },
      ]);
    }
    const now = this.deps.now();
    const addressHash = sha256(`addr:${req.clientAddress}`);
    const fingerprintHash = req.fingerprint ? sha256(`fp:${req.fingerprint}`) : null;
    const counts = await store.recentCounts(
      this.db,
      addressHash,
      fingerprintHash,
      new Date(now.getTime() - HOUR),
    );
    if (
      counts.byAddress >= REPORT_RATE.perAddressPerHour ||
      counts.byFingerprint >= REPORT_RATE.perFingerprintPerHour
    ) {
      throw new ProblemError('rate_limited', M.rateLimited, undefined, undefined, { 'retry-after': '3600' });
    }
    const media = req.media ? await this.prepareMedia(req.media) : null;
    let lon = req.lon;
    let lat = req.lat;
    let positionSource: store.ReportRow['position_source'] =
      req.source === 'open311' ? 'open311' : (req.positionSource ?? 'device');
    if ((lon === undefined || lat === undefined) && media?.exif.lon != null && media.exif.lat != null) {
      lon = media.exif.lon;
      lat = media.exif.lat;
      positionSource = 'exif';
    }
    if (lon === undefined || lat === undefined) {
      throw new ProblemError('validation', M.positionRequired, [
        { field: 'lon', rule: 'required', message: '' },
        { field: 'lat', rule: 'required', message: '' },
      ]);
    }
    const org = await store.orgAt(this.db, this.deps.places, lon, lat);
    const id = uuidv7();
    const token = randomBytes(24).toString('base64url');
    const expected = expectedAt(category, now);
    let mediaFile: string | null = null;
    if (media) {
      mediaFile = `${id}.${MEDIA_EXTENSIONS[media.type]}`;
      await mkdir(this.mediaDir, { recursive: true });
      await writeFile(path.join(this.mediaDir, mediaFile), media.stored);
    }
    const day = localDay(now);
    // The event is staged with the report (outbox): a node dying after the commit does not lose it.
    const number = await this.deps.transact(async (trx, publish) => {
      const made = await store.insertReport(
        trx,
        day,
        {
          id,
          token_hash: sha256(token),
          source: req.source,
          category: category.code,
          description: req.description,
          lon,
          lat,
          h3: latLngToCell(lat, lon, 9),
          position_source: positionSource,
          address: req.address ?? null,
          org_id: org,
          status: 'received',
          status_notes: M.notes.received.zh,
          closed: false,
          media_file: mediaFile,
          media_type: media?.type ?? null,
          media_bytes: media?.stored.length ?? null,
          exif_taken_at: media?.exif.takenAt ?? null,
          exif_lon: media?.exif.lon ?? null,
          exif_lat: media?.exif.lat ?? null,
          media_url: req.mediaUrl ?? null,
          address_hash: addressHash,
          fingerprint_hash: fingerprintHash,
          received_at: now,
          expected_at: expected,
          updated_at: now,
          decided_by: null,
          decided_at: null,
          incident_id: null,
          case_id: null,
        },
        (seq) => reportNumber(day, seq),
      );
      await publish('community.report_received', org, {
        reportId: id,
        number: made,
        category: category.code,
      });
      return made;
    });
    return { id, number, token, expectedAt: expected.toISOString() };
  }

  /** Checks an upload by its bytes, reads its EXIF, and strips its metadata. */
  private async prepareMedia(
    upload: Upload,
  ): Promise<{ type: MediaType; stored: Uint8Array; exif: ExifFacts }> {
    const type = sniffMedia(upload.bytes);
    if (!type)
      throw new ProblemError('unsupported_media_type', M.mediaType, [
        { field: 'media', rule: 'media_type', message: '' },
      ]);
    const declared = upload.declaredType?.split(';')[0].trim().toLowerCase();
    const declaredOk =
      !declared ||
      declared === 'application/octet-stream' ||
      declared === type ||
      (declared === 'image/jpg' && type === 'image/jpeg');
    if (!declaredOk || !extensionMatches(upload.fileName, type)) {
      throw new ProblemError('unsupported_media_type', M.mediaForged, [
        { field: 'media', rule: 'media_forged', message: '' },
      ]);
    }
    const limit = isVideo(type) ? MEDIA_LIMITS.videoBytes : MEDIA_LIMITS.imageBytes;
    if (upload.bytes.length > limit) {
      throw new ProblemError('payload_too_large', M.mediaTooLarge(limit / 1024 / 1024), [
        { field: 'media', rule: 'too_big', message: '' },
      ]);
    }
    const exif = isVideo(type) ? { takenAt: null, lon: null, lat: null } : await readExif(upload.bytes);
    try {
      return { type, stored: stripMetadata(upload.bytes, type), exif };
    } catch (error) {
      if (error instanceof MediaFormatError) {
        throw new ProblemError('validation', M.mediaBroken, [
          { field: 'media', rule: 'media_broken', message: '' },
        ]);
      }
      throw error;
    }
  }

  /** The intake queue (or every report) of the scope's subtree. */
  async list(scope: OrgScope, status?: string): Promise<Report[]> {
    return (await store.listReports(this.db, scope, status, 500)).map(present);
  }

  async report(id: string, scope: OrgScope | null): Promise<Report> {
    const row = await store.findReport(this.db, id, scope);
    if (!row) throw new ProblemError('not_found', M.noSuchReport);
    return present(row);
  }

  /** Open311 reads: reports by id, whoever asks (the id is the reporter's). */
  async byIds(ids: string[]) {
    const rows = ids.length ? await store.findReports(this.db, ids) : [];
    return rows.map((r) => ({ ...present(r), closed: r.closed, agency: agencyOf(r) }));
  }

  /** The reporter's view through the token link. */
  async track(token: string): Promise<ReportTracking> {
    const row = await store.findReportByToken(this.db, sha256(token));
    if (!row) throw new ProblemError('not_found', M.noSuchToken);
    return {
      number: row.number,
      category: row.category,
      status: row.status,
      statusNotes: row.status_notes,
      agency: agencyOf(row),
      receivedAt: iso(row.received_at),
      expectedAt: iso(row.expected_at),
      updatedAt: iso(row.updated_at),
    };
  }

  /**
   * Reports of the scope's subtree with a stored attachment within `maxM` (straight line) of a
   * point, nearest first, with their distance (the video module lists them beside the cameras).
   */
  async withMediaNear(
    scope: OrgScope,
    lon: number,
    lat: number,
    maxM: number,
    limit = 20,
  ): Promise<(Report & { distanceM: number })[]> {
    const dLat = maxM / 111_320;
    const dLon = maxM / (111_320 * Math.max(0.01, Math.cos((lat * Math.PI) / 180)));
    const rows = await store.reportsWithMediaIn(
      this.db,
      scope,
      { minLon: lon - dLon, maxLon: lon + dLon, minLat: lat - dLat, maxLat: lat + dLat },
      500,
    );
    return rows
      .map((r) => ({ ...present(r), distanceM: Math.round(haversineMetres(lon, lat, r.lon, r.lat)) }))
      .filter((r) => r.distanceM <= maxM)
      .sort((a, b) => a.distanceM - b.distanceM)
      .slice(0, limit);
  }

  /** The stored (stripped) attachment of a report of the scope's subtree. */
  async media(id: string, scope: OrgScope): Promise<{ type: string; bytes: Buffer }> {
    const row = await store.findReport(this.db, id, scope);
    if (!row) throw new ProblemError('not_found', M.noSuchReport);
    if (!row.media_file || !row.media_type) throw new ProblemError('not_found', M.noMedia);
    return {
      type: row.media_type,
      bytes: await readFile(path.join(this.mediaDir, path.basename(row.media_file))),
    };
  }

  /** A dispatcher's decision on a report of their subtree still in the queue. */
  async decide(actor: Actor, id: string, decision: ReportDecision): Promise<Report> {
    const report = await this.report(id, actor);
    if (report.status !== 'received') throw new ProblemError('conflict', M.alreadyDecided);
    const now = this.deps.now();
    const change = {
      decided_by: actor.userId,
      decided_at: now,
      updated_at: now,
      closed: false,
      incident_id: null as string | null,
      case_id: null as string | null,
    };
    // The decision is written in the same transaction as what it makes (the incident, the case):
    // two dispatchers deciding one report at once make one incident or case, and the second gets
    // 409 with nothing made.
    const decided =
      (status: Report['status'], notes: string, extra: Partial<typeof change> = {}) =>
      async (trx: Transaction<Database>, publish: StagePublish) => {
        if (!(await store.decideReport(trx, id, { ...change, ...extra, status, status_notes: notes })))
          throw new ProblemError('conflict', M.alreadyDecided);
        await publish('community.report_decided', report.org.id, {
          reportId: id,
          number: report.number,
          status,
        });
      };
    const narrative = `【群众上报 ${report.number}】${report.description}`;
    // Where and what, for an incident made from the report (either kind).
    const atReport = (note: string | undefined) => ({
      lon: report.lon,
      lat: report.lat,
      crs: 'wgs84' as const,
      addressLabel: report.address ?? undefined,
      narrative: note ? `${narrative}\n${note}` : narrative,
    });
    const category = findReportCategory(report.category)!;
    if (decision.action === 'incident') {
      await this.deps.dispatch.createIncident(
        actor,
        {
          ...atReport(decision.note),
          category: decision.category ?? category.incidentCategory,
          priority: decision.priority,
        },
        (trx, publish, made) =>
          decided('incident', M.notes.incident(made.number, made.jurisdictionName ?? report.org.name).zh, {
            incident_id: made.id,
          })(trx, publish),
      );
    } else if (decision.action === 'hotline') {
      // The hand-off goes the way dispatch diverts non-police calls: a call record, diverted, and
      // the 12345 forwarder delivers it.
      const { incident } = await this.deps.dispatch.createIncident(
        actor,
        {
          ...atReport(decision.note),
          category: 'non_police',
          priority: 'P4',
        },
        (trx, publish, made) =>
          decided('hotline', M.notes.hotline.zh, { incident_id: made.id, closed: true })(trx, publish),
      );
      await this.deps.dispatch.transition(actor, incident.id, 'diverted', decision.note);
    } else if (decision.action === 'case') {
      if (!this.caseFromReport) throw new ProblemError('unavailable');
      await this.caseFromReport(actor, report, decision.note, (trx, publish, made) =>
        decided('case', M.notes.case(made.number).zh, { case_id: made.id })(trx, publish),
      );
    } else {
      await this.deps.transact(decided('rejected', M.notes.rejected(decision.reason).zh, { closed: true }));
    }
    return this.report(id, null);
  }

  /** An incident made from reports was closed: those reports are closed too. */
  closeForIncident(incidentId: string): Promise<number> {
    return store.closeReportsOf(this.db, { incidentId }, this.deps.now());
  }

  /** In the transaction that closes the case, when one is given. */
  closeForCase(caseId: string, db: Kysely<Database> = this.db): Promise<number> {
    return store.closeReportsOf(db, { caseId }, this.deps.now());
  }
}

async function readExif(bytes: Uint8Array): Promise<ExifFacts> {
  try {
    const tags = (await exifr.parse(Buffer.from(bytes), {
      gps: true,
      tiff: true,
      exif: true,
      pick: undefined,
    })) as { latitude?: number; longitude?: number; DateTimeOriginal?: Date; CreateDate?: Date } | undefined;
    const parsed = tags?.DateTimeOriginal ?? tags?.CreateDate;
    // EXIF times carry no zone (OffsetTimeOriginal is rare): a phone writes its wall clock, which
    // is the city's (Asia/Shanghai, UTC+8). exifr built the Date from it in the server's zone.
    const taken =
      parsed instanceof Date
        ? new Date(parsed.getTime() - parsed.getTimezoneOffset() * 60_000 - 8 * 3_600_000)
        : undefined;
    const ok = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);
    return {
      takenAt: taken instanceof Date && !Number.isNaN(taken.getTime()) ? taken : null,
      lon: ok(tags?.longitude) && Math.abs(tags.longitude) <= 180 ? tags.longitude : null,
      lat: ok(tags?.latitude) && Math.abs(tags.latitude) <= 90 ? tags.latitude : null,
    };
  } catch {
    // No EXIF, or EXIF that cannot be read: nothing to learn from it (it is stripped all the same).
    return { takenAt: null, lon: null, lat: null };
  }
}

const iso = (d: Date | string) => new Date(d).toISOString();

function agencyOf(r: store.ReportRow): string {
  return r.status === 'hotline' ? M.hotlineAgency : r.org_name;
}

function present(r: store.ReportRow): Report {
  return {
    id: r.id,
    number: r.number,
    category: r.category,
    description: r.description,
    lon: r.lon,
    lat: r.lat,
    positionSource: r.position_source,
    address: r.address,
    org: { id: r.org_id, name: r.org_name },
    status: r.status,
    statusNotes: r.status_notes,
    source: r.source,
    media: r.media_type
      ? {
          type: r.media_type,
          bytes: r.media_bytes ?? 0,
          takenAt: r.exif_taken_at ? iso(r.exif_taken_at) : null,
        }
      : null,
    mediaUrl: r.media_url,
    exif: r.exif_lon != null && r.exif_lat != null ? { lon: r.exif_lon, lat: r.exif_lat } : null,
    incidentId: r.incident_id,
    caseId: r.case_id,
    receivedAt: iso(r.received_at),
    expectedAt: iso(r.expected_at),
    updatedAt: iso(r.updated_at),
  };
}
