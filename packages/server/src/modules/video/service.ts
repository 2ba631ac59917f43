import { cameraRules, isShared } from '@citywatch/core/video/camera';
import { codeDivision } from '@citywatch/core/video/code';
import { readCameraCsv } from '@citywatch/core/video/csv';
import type { Camera, CameraInput, CitizenMedia, ImportResult } from '@citywatch/core/video/schemas';
import { metresBetween } from '@citywatch/core/video/sector';
import type { Insertable, Kysely } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Transact } from '../../bus/outbox.js';
import type { Database } from '../../db/schema.js';
import { ProblemError } from '../../http/problem.js';
import { appendAudit } from '../../identity/audit.js';
import type { Actor } from '../../identity/service.js';
import type { CityRuntime } from '../roads/registry.js';
import { assertOrgInScope, type OrgScope } from '../scope.js';
import { type CheckpointsOf, CoverageService, type HotSpotsOf } from './coverage.js';
import { HotSpotCache } from './hotspot-cache.js';
import { CameraIndexCache } from './index-cache.js';
import { VIDEO_MESSAGES as M } from './messages.js';
import { PlaybackService, playbackSettings } from './playback.js';
import * as store from './store.js';
import type { CamerasTable } from './tables.js';
import { type CreateIncidentFn, type TourOversight, ToursService } from './tours.js';

/** The video module's settings (environment; README lists them). */
export interface VideoSettings {
  /** How often the stream probe runs; 0 turns it off. */
  probeEveryMs: number;
  /** How long one probe waits for a playlist before the camera counts as not answering. */
  probeTimeoutMs: number;
  /** Cameras probed per round (least recently probed first). */
  probeBatch: number;
  /** Offline this long: the camera is marked faulty (a fault ticket: status `fault`, `fault_at`). */
  faultAfterMs: number;
}

export function videoSettings(env: NodeJS.ProcessEnv = process.env): VideoSettings {
  const num = (v: string | undefined, d: number) =>
    v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) : d;
  return {
    probeEveryMs: num(env.CITYWATCH_VIDEO_PROBE_MS, 60_000),
    probeTimeoutMs: num(env.CITYWATCH_VIDEO_PROBE_TIMEOUT_MS, 3_000),
    probeBatch: num(env.CITYWATCH_VIDEO_PROBE_BATCH, 200),
    faultAfterMs: num(env.CITYWATCH_VIDEO_FAULT_MINUTES, 30) * 60_000,
  };
}

export interface VideoDeps {
  db: Kysely<Database>;
  now: () => Date;
  settings: VideoSettings;
  /** The default city's road network (nearest by road); absent in the CLI. */
  city?: () => Promise<CityRuntime | undefined>;
  /** The viewer's checkpoints (perimeter decides), for coverage; absent in the CLI. */
  checkpointsOf?: CheckpointsOf;
  /** The viewer's current hot spots (patrol decides), for coverage; absent in the CLI. */
  hotSpotsOf?: HotSpotsOf;
  /** Transactions whose events reach the bus (a missed tour to its org's commanders); absent in the CLI. */
  transact?: Transact;
  /** Creates an incident through dispatch (video patrol findings); absent in the CLI. */
  createIncident?: CreateIncidentFn;
  /** Whether an incident exists within a scope (dispatch decides); absent in the CLI. */
  incidentVisible?: (id: string, scope: OrgScope) => Promise<boolean>;
  /** Citizens' reports with media near a point (community decides, staff only); absent in the CLI. */
  citizenMediaNear?: (actor: Actor, lon: number, lat: number, maxM: number) => Promise<CitizenMedia[]>;
  /** Regulated units linked to cameras and video inspections (oversight decides); absent in the CLI. */
  oversight?: TourOversight;
}

/** A camera near a point: its view covers the point, and metres to it by road (or straight). */
export interface NearCameraOut {
  camera: Camera;
  covers: boolean;
  straightM: number;
  roadM: number | null;
}

/** How many candidates the index is asked for when k cameras are wanted (room for those scoped out). */
export const nearCandidates = (k: number) => Math.max(k * 3, 24);

/** Who acts, for audit rows: a person, or an operator's command (no session). */
type Who = Pick<Actor, 'userId' | 'username'> | null;

type CameraDbRow = store.CameraRow;

/** What leaves the server of a camera (stream addresses do not: they need an audited view). */
export function presentCamera(r: CameraDbRow): Camera {
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    lon: r.lon,
    lat: r.lat,
    heightM: r.height_m,
    headingDeg: r.heading_deg,
    fovDeg: r.fov_deg,
    rangeM: r.range_m,
    owner: r.owner,
    agreementRef: r.agreement_ref,
    shared: r.shared,
    hasHls: Boolean(r.has_hls),
    webrtcUrl: r.webrtc_url,
    rtspUrl: r.rtsp_url,
    hasPlayback: Boolean(r.has_playback),
    orgId: r.org_id,
    division: codeDivision(r.code)?.name ?? null,
    status: r.status,
    offlineSince: iso(r.offline_since),
    lastProbeAt: iso(r.last_probe_at),
    faultAt: iso(r.fault_at),
  };
}

function toRow(c: CameraInput, orgId: string, by: string | null, now: Date): Insertable<CamerasTable> {
  return {
    id: uuidv7(),
    code: c.code,
    name: c.name,
    lon: c.lon,
    lat: c.lat,
    height_m: c.heightM,
    heading_deg: c.headingDeg,
    fov_deg: c.fovDeg,
    range_m: c.rangeM,
    owner: c.owner,
    agreement_ref: c.agreementRef,
    shared: isShared(c.owner, c.agreementRef),
    hls_url: c.hlsUrl,
    webrtc_url: c.webrtcUrl,
    rtsp_url: c.rtspUrl,
    playback_template: c.playbackTemplate,
    org_id: orgId,
    status: 'unknown',
    offline_since: null,
    fault_at: null,
    last_probe_at: null,
    created_by: by,
    created_at: now,
  };
}

/**
 * The camera registry: cameras of one's org subtree and those shared into the network, entered one
 * by one or imported from CSV; the live view's stream address only with a purpose (audited by the
 * route); a periodic probe of each HLS stream keeps the status (online / offline since / fault).
 */
export class VideoService {
  readonly index: CameraIndexCache;
  readonly playback: PlaybackService;
  readonly tours: ToursService;
  readonly coverage: CoverageService;
  /** Patrol's hot spots per (org, day, history version); the module drops them on a history import. */
  readonly hotSpots: HotSpotCache | null;

  constructor(readonly deps: VideoDeps) {
    this.index = new CameraIndexCache(deps.db, deps.city ?? (async () => undefined));
    this.playback = new PlaybackService(
      deps.db,
      deps.now,
      playbackSettings(),
      deps.incidentVisible ?? (async () => false),
    );
    this.hotSpots = deps.hotSpotsOf ? new HotSpotCache(deps.hotSpotsOf, deps.now) : null;
    this.coverage = new CoverageService(
      deps.db,
      deps.city ?? (async () => undefined),
      deps.checkpointsOf ?? (async () => []),
      this.hotSpots?.get,
    );
    this.tours = new ToursService(
      deps.db,
      deps.now,
      deps.createIncident ??
        (async () => {
          throw new ProblemError('unavailable');
        }),
      deps.transact,
      deps.oversight,
    );
  }

  /** Citizens' photos and videos near the point, beside its cameras (community's scope and rules). */
  async citizenMedia(actor: Actor, lon: number, lat: number, maxM: number): Promise<CitizenMedia[]> {
    if (!this.deps.citizenMediaNear) throw new ProblemError('unavailable');
    return this.deps.citizenMediaNear(actor, lon, lat, maxM);
  }

  /**
   * The cameras the actor may see whose view covers the point, then the nearest by road (within
   * `maxM`), each once: covering ones first (nearest first), then the others by road distance.
   */
  async near(actor: OrgScope, lon: number, lat: number, k: number, maxM: number): Promise<NearCameraOut[]> {
    const found = await this.index.near(lon, lat, nearCandidates(k), maxM);
    const ids = [...new Set([...found.covering.map((c) => c.id), ...found.nearest.map((n) => n.item.id)])];
    const rows = new Map((await store.visibleAmong(this.db, ids, actor)).map((r) => [r.id, r]));
    const covering = new Set(found.covering.map((c) => c.id));
    const byId = new Map(found.nearest.map((n) => [n.item.id, n]));
    const out: NearCameraOut[] = [];
    for (const c of found.covering) {
      const row = rows.get(c.id);
      if (!row) continue;
      const n = byId.get(c.id);
      out.push({
        camera: presentCamera(row),
        covers: true,
        straightM: n?.straightM ?? metresBetween(lon, lat, c.lon, c.lat),
        roadM: n?.roadM ?? null,
      });
    }
    out.sort((a, b) => a.straightM - b.straightM);
    for (const n of found.nearest) {
      const row = rows.get(n.item.id);
      if (!row || covering.has(n.item.id)) continue;
      out.push({ camera: presentCamera(row), covers: false, straightM: n.straightM, roadM: n.roadM });
    }
    return out.slice(0, Math.max(k, out.filter((o) => o.covers).length));
  }

  private get db() {
    return this.deps.db;
  }

  async list(actor: OrgScope, f: store.CameraFilter): Promise<Camera[]> {
    return (await store.listCameras(this.db, actor, f)).map(presentCamera);
  }

  async get(actor: OrgScope, id: string): Promise<Camera> {
    const row = await store.findCamera(this.db, id, actor);
    if (!row) throw new ProblemError('not_found', M.noSuchCamera);
    return presentCamera(row);
  }

  async create(actor: Actor, input: CameraInput): Promise<Camera> {
    const broken = cameraRules(input);
    if (broken.length > 0) {
      throw new ProblemError(
        'validation',
        M.cameraRefused,
        broken.map((b) => ({ ...b, message: '' })),
      );
    }
    const orgId = input.orgId ?? actor.orgId;
    if (input.orgId) await assertOrgInScope(this.db, actor, input.orgId, 'orgId');
    if ((await store.existingCodes(this.db, [input.code])).size > 0) {
      throw new ProblemError('validation', M.codeTaken, [{ field: 'code', rule: 'unique', message: '' }]);
    }
    const row = toRow(input, orgId, actor.userId, this.deps.now());
    await store.insertCameras(this.db, [row]);
    this.index.invalidate();
    return this.get(actor, row.id);
  }

  async remove(actor: Actor, id: string): Promise<void> {
    const own = await store.findOwnCamera(this.db, id, actor);
    if (!own) throw new ProblemError('not_found', M.noSuchCamera);
    await store.deleteCamera(this.db, id);
    this.index.invalidate();
  }

  /** The HLS address of a camera the actor may see (the route audits the view with its purpose first). */
  async liveStream(actor: OrgScope, id: string): Promise<{ cameraId: string; code: string; hlsUrl: string }> {
    const row = await store.cameraStreams(this.db, id, actor);
    if (!row) throw new ProblemError('not_found', M.noSuchCamera);
    if (!row.hls_url) throw new ProblemError('conflict', M.noStream);
    return { cameraId: row.id, code: row.code, hlsUrl: row.hls_url };
  }

  /**
   * Imports the registry CSV (core/video/csv.ts rules; codes already registered refused `unique`)
   * into `orgCode`'s org, or each row's `org_code`, or the city bureau. An actor (when one imports
   * through the API) may only import into its own subtree. One transaction; one audit row naming
   * the import and the count.
   */
  async importCsv(
    text: string,
    who: Who,
    scope: OrgScope | null,
    defaultOrgCode?: string,
  ): Promise<ImportResult> {
    const { cameras, refused } = readCameraCsv(text);
    const taken = await store.existingCodes(
      this.db,
      cameras.map((c) => c.camera.code),
    );
    const now = this.deps.now();
    const orgIds = new Map<string, { id: string; path: string } | undefined>();
    const orgOf = async (code: string | null) => {
      const key = code ?? defaultOrgCode ?? '';
      if (!orgIds.has(key)) {
        orgIds.set(key, key === '' ? await store.rootOrg(this.db) : await store.orgByCode(this.db, key));
      }
      const org = orgIds.get(key);
      if (!org) return undefined;
      if (scope && !org.path.startsWith(scope.orgPath)) return undefined;
      return org;
    };
    const rows: Insertable<CamerasTable>[] = [];
    for (const c of cameras) {
      if (taken.has(c.camera.code)) {
        refused.push({ line: c.line, field: 'code', rule: 'unique' });
        continue;
      }
      const org = await orgOf(c.orgCode);
      if (!org) {
        refused.push({ line: c.line, field: 'org_code', rule: 'org_in_scope' });
        continue;
      }
      rows.push(toRow(c.camera, org.id, who?.userId ?? null, now));
    }
    refused.sort((a, b) => a.line - b.line);
    await this.db.transaction().execute(async (trx) => {
      await store.insertCameras(trx, rows);
      await appendAudit(
        trx,
        {
          userId: who?.userId ?? null,
          username: who?.username ?? 'citywatch cameras import',
          action: 'write',
          resource: 'cameras:import',
          detail: { imported: rows.length, refused: refused.length },
        },
        now,
      );
    });
    this.index.invalidate();
    return { imported: rows.length, refused };
  }

  // ---- the stream probe

  private probing = false;

  /**
   * One round of the probe: the least recently probed cameras' HLS playlists are fetched (a few at a
   * time, each with a timeout), and each camera's status set: online when the playlist answers
   * (`#EXTM3U`), else offline since the first miss, and fault once offline longer than the set
   * time. Pages read the stored status and never wait for a probe. Returns how many were probed.
   */
  async probeOnce(signal?: AbortSignal): Promise<number> {
    if (this.probing) return 0;
    this.probing = true;
    try {
      const batch = await store.camerasToProbe(this.db, this.deps.settings.probeBatch);
      const queue = [...batch];
      const worker = async () => {
        for (let cam = queue.shift(); cam; cam = queue.shift()) {
          if (signal?.aborted) return;
          const ok = await this.answers(cam.hls_url as string, signal);
          const now = this.deps.now();
          if (ok) {
            await store.setCameraStatus(this.db, cam.id, {
              status: 'online',
              offline_since: null,
              fault_at: null,
              last_probe_at: now,
            });
          } else {
            const since = cam.offline_since ? new Date(cam.offline_since) : now;
            const faulty = now.getTime() - since.getTime() >= this.deps.settings.faultAfterMs;
            await store.setCameraStatus(this.db, cam.id, {
              status: faulty ? 'fault' : 'offline',
              offline_since: since,
              fault_at: faulty ? (cam.fault_at ?? now) : null,
              last_probe_at: now,
            });
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(8, batch.length) }, worker));
      return batch.length;
    } finally {
      this.probing = false;
    }
  }

  private async answers(url: string, signal?: AbortSignal): Promise<boolean> {
    const timeout = AbortSignal.timeout(this.deps.settings.probeTimeoutMs);
    try {
      const r = await fetch(url, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
      if (!r.ok) return false;
      const text = await r.text();
      return text.trimStart().startsWith('#EXTM3U');
    } catch {
      return false;
    }
  }

  /** Starts the periodic probe; the returned function stops it (and aborts a round under way). */
  startProbe(onError: (error: unknown) => void): () => void {
    const every = this.deps.settings.probeEveryMs;
    if (every <= 0) return () => {};
    const abort = new AbortController();
    const timer = setInterval(() => {
      this.probeOnce(abort.signal).catch(onError);
    }, every);
    timer.unref();
    return () => {
      clearInterval(timer);
      abort.abort();
    };
  }
}
