/**
 * Playback requests (录像调阅): camera, window, purpose, linked incident or case. A window that
 * ends in the future or is longer than the configured maximum is refused naming the field and rule.
 * Where approval is required (CITYWATCH_VIDEO_PLAYBACK_APPROVAL, on by default) a second person —
 * not the requester — with video.approve approves or rejects; only then is the NVR URL, built from
 * the camera's template, handed out, as a personal-data read audited with the request's purpose.
 */
import { playbackUrl } from '@citywatch/core/video/camera';
import type { PlaybackRequest, PlaybackRequestInput } from '@citywatch/core/video/schemas';
import type { Kysely } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Database } from '../../db/schema.js';
import { ProblemError } from '../../http/problem.js';
import type { Actor } from '../../identity/service.js';
import { type OrgScope, orgsUnder } from '../scope.js';
import { VIDEO_MESSAGES as M } from './messages.js';
import * as store from './store.js';

export interface PlaybackSettings {
  /** The longest window one request may ask for. */
  maxWindowMs: number;
  /** A second person approves before the URL is handed out. */
  approval: boolean;
}

export function playbackSettings(env: NodeJS.ProcessEnv = process.env): PlaybackSettings {
  const hours = Number(env.CITYWATCH_VIDEO_PLAYBACK_MAX_HOURS ?? 24);
  return {
    maxWindowMs: (Number.isFinite(hours) && hours > 0 ? hours : 24) * 3_600_000,
    approval: (env.CITYWATCH_VIDEO_PLAYBACK_APPROVAL ?? 'on') !== 'off',
  };
}

const field = (f: string, rule: string) => [{ field: f, rule, message: '' }];

export class PlaybackService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => Date,
    readonly settings: PlaybackSettings,
    /** Whether an incident exists within the scope (the dispatch module decides). */
    private readonly incidentVisible: (id: string, scope: OrgScope) => Promise<boolean>,
  ) {}

  private query(scope: OrgScope) {
    return this.db
      .selectFrom('video_playback_requests as p')
      .innerJoin('cameras as c', 'c.id', 'p.camera_id')
      .innerJoin('users as u', 'u.id', 'p.requested_by')
      .leftJoin('users as d', 'd.id', 'p.decided_by')
      .select([
        'p.id',
        'p.camera_id',
        'c.name as camera_name',
        'p.from_at',
        'p.to_at',
        'p.purpose',
        'p.incident_id',
        'p.case_ref',
        'p.status',
        'p.requested_by',
        'u.username as requested_by_name',
        'p.requested_at',
        'd.username as decided_by_name',
        'p.decided_at',
        'p.org_id',
      ])
      .where('p.org_id', 'in', orgsUnder(this.db, scope));
  }

  private present(
    r: Awaited<ReturnType<ReturnType<PlaybackService['query']>['execute']>>[number],
  ): PlaybackRequest {
    const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
    return {
      id: r.id,
      cameraId: r.camera_id,
      cameraName: r.camera_name,
      from: new Date(r.from_at).toISOString(),
      to: new Date(r.to_at).toISOString(),
      purpose: r.purpose,
      incidentId: r.incident_id,
      caseRef: r.case_ref,
      status: r.status,
      requestedBy: r.requested_by_name,
      requestedAt: new Date(r.requested_at).toISOString(),
      decidedBy: r.decided_by_name,
      decidedAt: iso(r.decided_at),
    };
  }

  async list(scope: OrgScope): Promise<PlaybackRequest[]> {
    const rows = await this.query(scope).orderBy('p.requested_at', 'desc').limit(200).execute();
    return rows.map((r) => this.present(r));
  }

  async get(scope: OrgScope, id: string): Promise<PlaybackRequest> {
    const row = await this.query(scope).where('p.id', '=', id).executeTakeFirst();
    if (!row) throw new ProblemError('not_found', M.noSuchPlayback);
    return this.present(row);
  }

  async request(actor: Actor, input: PlaybackRequestInput): Promise<PlaybackRequest> {
    const from = new Date(input.from);
    const to = new Date(input.to);
    const now = this.now();
    if (to.getTime() <= from.getTime())
      throw new ProblemError('validation', M.playbackWindow, field('to', 'after_from'));
    if (to.getTime() > now.getTime())
      throw new ProblemError('validation', M.playbackWindow, field('to', 'not_future'));
    if (to.getTime() - from.getTime() > this.settings.maxWindowMs) {
      throw new ProblemError('validation', M.playbackWindow, field('to', 'max_window'));
    }
    const camera = await store.cameraStreams(this.db, input.cameraId, actor);
    if (!camera) throw new ProblemError('validation', M.noSuchCamera, field('cameraId', 'not_found'));
    if (!camera.playback_template) {
      throw new ProblemError('validation', M.noPlayback, field('cameraId', 'no_playback'));
    }
    if (input.incidentId && !(await this.incidentVisible(input.incidentId, actor))) {
      throw new ProblemError('validation', undefined, field('incidentId', 'not_found'));
    }
    const id = uuidv7();
    await this.db
      .insertInto('video_playback_requests')
      .values({
        id,
        camera_id: camera.id,
        org_id: actor.orgId,
        requested_by: actor.userId,
        requested_at: now,
        from_at: from,
        to_at: to,
        purpose: input.purpose,
        incident_id: input.incidentId ?? null,
        case_ref: input.caseRef ?? null,
        status: this.settings.approval ? 'pending' : 'approved',
        decided_by: null,
        decided_at: null,
        decision_note: null,
      })
      .execute();
    return this.get(actor, id);
  }

  /** A second person decides: never the requester (separation of duties, also in the table). */
  async decide(
    actor: Actor,
    id: string,
    approve: boolean,
    note: string | undefined,
  ): Promise<PlaybackRequest> {
    const row = await this.query(actor).where('p.id', '=', id).executeTakeFirst();
    if (!row) throw new ProblemError('not_found', M.noSuchPlayback);
    if (row.requested_by === actor.userId) {
      throw new ProblemError('forbidden', M.secondPerson, field('approve', 'second_person'));
    }
    if (row.status !== 'pending') throw new ProblemError('conflict', M.alreadyDecided);
    await this.db
      .updateTable('video_playback_requests')
      .set({
        status: approve ? 'approved' : 'rejected',
        decided_by: actor.userId,
        decided_at: this.now(),
        decision_note: note ?? null,
      })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .execute();
    return this.get(actor, id);
  }

  /** The NVR URL of an approved request (the route audits the opening with the request's purpose). */
  async url(
    actor: Actor,
    id: string,
  ): Promise<{ id: string; url: string; purpose: string; cameraId: string }> {
    const row = await this.query(actor).where('p.id', '=', id).executeTakeFirst();
    if (!row) throw new ProblemError('not_found', M.noSuchPlayback);
    if (row.status !== 'approved') throw new ProblemError('conflict', M.notApproved);
    const camera = await this.db
      .selectFrom('cameras')
      .select(['code', 'playback_template'])
      .where('id', '=', row.camera_id)
      .executeTakeFirst();
    if (!camera?.playback_template) throw new ProblemError('conflict', M.noPlayback);
    return {
      id,
      url: playbackUrl(camera.playback_template, camera.code, new Date(row.from_at), new Date(row.to_at)),
      purpose: row.purpose,
      cameraId: row.camera_id,
    };
  }
}
