/**
 * Video patrol tours (视频巡查): ordered cameras looked at for `dwellSeconds` each, scheduled per
 * shift. An operator starts a run (for the current shift), records for each camera "nothing to
 * note" or a finding — which becomes an incident through the dispatch service (at the camera's
 * place), or a patrol request — and finishes it. The report gives, per scheduled shift occurrence,
 * tour and operator, whether the tour was completed, cameras seen and findings; an occurrence that
 * ended without a completed run is missed and escalated (flagged to the tour org's commanders in
 * the report). Every read and write is scoped to the actor's org subtree in the query.
 */
import type { CreateIncident } from '@citywatch/core/dispatch/schemas';
import type { Tour, TourInput, TourReport, TourRun, TourStepInput } from '@citywatch/core/video/schemas';
import { shiftAt, shiftsBetween } from '@citywatch/core/video/tours';
import type { Kysely, Transaction } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Transact } from '../../bus/outbox.js';
import type { Database } from '../../db/schema.js';
import { ProblemError } from '../../http/problem.js';
import { appendAudit } from '../../identity/audit.js';
import type { Actor } from '../../identity/service.js';
import { type OrgScope, orgsUnder } from '../scope.js';
import { VIDEO_MESSAGES as M } from './messages.js';
import * as store from './store.js';

/**
 * Creates an incident through dispatch; `alongWith` runs in the incident's own transaction with
 * its id (the tour step that found it), so a step is never recorded twice with two incidents.
 */
export type CreateIncidentFn = (
  actor: Actor,
  req: CreateIncident,
  alongWith?: (trx: Transaction<Database>, incidentId: string) => Promise<void>,
) => Promise<{ id: string }>;

/**
 * Oversight, for findings at regulated premises: the units in the actor's scope one of whose
 * cameras has one of these stream URLs, and filing a video inspection with one finding.
 */
export interface TourOversight {
  mayInspect(actor: Actor): boolean;
  linkedUnits(actor: Actor, streamUrls: readonly string[]): Promise<{ id: string; name: string }[]>;
  inspect(
    actor: Actor,
    unitId: string,
    finding: { description: string; severity: 'minor' | 'serious' },
  ): Promise<string>;
}

const bad = (field: string, rule: string) => [{ field, rule, message: '' }];

export class ToursService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => Date,
    private readonly createIncident: CreateIncidentFn,
    /** Runs an escalation and stages its `video.tour_missed` event with it (outbox). */
    private readonly transact: Transact = (work) =>
      db.transaction().execute((trx) => work(trx, async () => {})),
    private readonly oversight?: TourOversight,
  ) {}

  /**
   * Escalates every shift occurrence of the last day that ended without a completed run of a tour
   * scheduled for it, once each (a system job over all orgs; each event goes to its tour's org).
   * Returns how many were escalated.
   */
  async escalateMissed(): Promise<number> {
    const now = this.now();
    const from = new Date(now.getTime() - 24 * 3_600_000);
    const tours = await this.db
      .selectFrom('video_tours')
      .select(['id', 'name', 'org_id', 'shifts', 'created_at'])
      .execute();
    let count = 0;
    for (const tour of tours) {
      for (const occ of shiftsBetween(from, now, tour.shifts as Tour['shifts'])) {
        if (occ.end.getTime() > now.getTime()) continue;
        // A shift that ended before the tour existed was never due.
        if (occ.end.getTime() <= new Date(tour.created_at).getTime()) continue;
        const done = await this.db
          .selectFrom('video_tour_runs')
          .select('id')
          .where('tour_id', '=', tour.id)
          .where('shift_start', '=', occ.start)
          .where('finished_at', 'is not', null)
          .executeTakeFirst();
        if (done) continue;
        // The escalation and its event commit together: a node dying in between neither loses
        // the commanders' alert nor (the row being written) sends it twice.
        const escalated = await this.transact(async (trx, publish) => {
          const r = await trx
            .insertInto('video_tour_escalations')
            .values({ tour_id: tour.id, shift_start: occ.start, escalated_at: now })
            .onConflict((oc) => oc.doNothing())
            .returning('tour_id')
            .executeTakeFirst();
          if (!r) return false;
          await publish('video.tour_missed', tour.org_id, {
            tourId: tour.id,
            tourName: tour.name,
            shift: occ.shift,
            shiftStart: occ.start.toISOString(),
          });
          return true;
        });
        if (escalated) count++;
      }
    }
    return count;
  }

  async list(scope: OrgScope): Promise<Tour[]> {
    const tours = await this.db
      .selectFrom('video_tours')
      .select(['id', 'name', 'org_id', 'dwell_seconds', 'shifts'])
      .where('org_id', 'in', orgsUnder(this.db, scope))
      .orderBy('name')
      .execute();
    if (tours.length === 0) return [];
    const cams = await this.db
      .selectFrom('video_tour_cameras as tc')
      .innerJoin('cameras as c', 'c.id', 'tc.camera_id')
      .select(['tc.tour_id', 'tc.position', 'c.id', 'c.name', 'c.lon', 'c.lat'])
      .select((eb) => eb('c.hls_url', 'is not', null).as('has_hls'))
      .where(
        'tc.tour_id',
        'in',
        tours.map((t) => t.id),
      )
      .orderBy('tc.position')
      .execute();
    return tours.map((t) => ({
      id: t.id,
      name: t.name,
      orgId: t.org_id,
      dwellSeconds: t.dwell_seconds,
      shifts: t.shifts as Tour['shifts'],
      cameras: cams
        .filter((c) => c.tour_id === t.id)
        .map((c) => ({ id: c.id, name: c.name, hasHls: Boolean(c.has_hls), lon: c.lon, lat: c.lat })),
    }));
  }

  async get(scope: OrgScope, id: string): Promise<Tour> {
    const tour = (await this.list(scope)).find((t) => t.id === id);
    if (!tour) throw new ProblemError('not_found', M.noSuchTour);
    return tour;
  }

  async create(actor: Actor, input: TourInput): Promise<Tour> {
    const visible = await store.visibleAmong(this.db, [...new Set(input.cameraIds)], actor);
    const ok = new Set(visible.map((c) => c.id));
    const missing = input.cameraIds.findIndex((id) => !ok.has(id));
    if (missing >= 0)
      throw new ProblemError('validation', M.noSuchCamera, bad(`cameraIds.${missing}`, 'not_found'));
    const id = uuidv7();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('video_tours')
        .values({
          id,
          org_id: actor.orgId,
          name: input.name,
          dwell_seconds: input.dwellSeconds,
          shifts: [...new Set(input.shifts)],
          created_by: actor.userId,
          created_at: this.now(),
        })
        .execute();
      await trx
        .insertInto('video_tour_cameras')
        .values(input.cameraIds.map((camera_id, position) => ({ tour_id: id, position, camera_id })))
        .execute();
    });
    return this.get(actor, id);
  }

  private async run(scope: OrgScope, id: string): Promise<TourRun & { operatorId: string }> {
    const run = await this.db
      .selectFrom('video_tour_runs')
      .selectAll()
      .where('id', '=', id)
      .where('org_id', 'in', orgsUnder(this.db, scope))
      .executeTakeFirst();
    if (!run) throw new ProblemError('not_found', M.noSuchRun);
    const steps = await this.db
      .selectFrom('video_tour_steps')
      .selectAll()
      .where('run_id', '=', id)
      .orderBy('position')
      .execute();
    return {
      id: run.id,
      tourId: run.tour_id,
      operatorId: run.operator_id,
      shift: run.shift,
      shiftStart: new Date(run.shift_start).toISOString(),
      startedAt: new Date(run.started_at).toISOString(),
      finishedAt: run.finished_at ? new Date(run.finished_at).toISOString() : null,
      steps: steps.map((s) => ({
        position: s.position,
        cameraId: s.camera_id,
        result: s.result,
        note: s.note,
        incidentId: s.incident_id,
        patrolRequest: s.patrol_request,
        inspectionId: s.inspection_id,
      })),
    };
  }

  async getRun(scope: OrgScope, id: string): Promise<TourRun> {
    const { operatorId: _, ...run } = await this.run(scope, id);
    return run;
  }

  /** Starts a run of the tour for the current shift (the tour's org's run, by this operator). */
  async start(actor: Actor, tourId: string): Promise<TourRun> {
    const tour = await this.get(actor, tourId);
    const now = this.now();
    const shift = shiftAt(now);
    const id = uuidv7();
    await this.db
      .insertInto('video_tour_runs')
      .values({
        id,
        tour_id: tour.id,
        org_id: tour.orgId,
        operator_id: actor.userId,
        shift: shift.shift,
        shift_start: shift.start,
        started_at: now,
        finished_at: null,
      })
      .execute();
    return this.getRun(actor, id);
  }

  /** Records one camera's outcome; a finding may become an incident (dispatch) or a patrol request. */
  async step(actor: Actor, runId: string, input: TourStepInput): Promise<TourRun> {
    const run = await this.run(actor, runId);
    if (run.operatorId !== actor.userId) throw new ProblemError('forbidden', M.notYourRun);
    if (run.finishedAt) throw new ProblemError('conflict', M.runFinished);
    const tour = await this.get(actor, run.tourId);
    const camera = tour.cameras[input.position];
    if (!camera) throw new ProblemError('validation', undefined, bad('position', 'not_found'));
    if (run.steps.some((s) => s.position === input.position)) {
      throw new ProblemError('conflict', M.stepRecorded);
    }
    let incident: CreateIncident | null = null;
    let patrolRequest: string | null = null;
    let inspectionId: string | null = null;
    if (input.result === 'finding') {
      const note = input.note?.trim() ?? '';
      if (note.length < 2) throw new ProblemError('validation', undefined, bad('note', 'required'));
      if (input.action === 'incident') {
        if (!input.category) throw new ProblemError('validation', undefined, bad('category', 'required'));
        incident = {
          category: input.category,
          subcategory: input.subcategory,
          priority: input.priority ?? 'P3',
          lon: camera.lon,
          lat: camera.lat,
          crs: 'wgs84',
          narrative: `【视频巡查 ${tour.name} · ${camera.name}】${note}`,
        };
      } else if (input.action === 'patrol_request') {
        patrolRequest = `请巡逻力量前往 ${camera.name} 附近核查：${note}`;
      } else if (input.action === 'inspection') {
        inspectionId = await this.inspectionFinding(actor, run.id, camera, tour.name, note, input);
      }
    }
    const record = async (db: Kysely<Database>, incidentId: string | null) => {
      await db
        .insertInto('video_tour_steps')
        .values({
          run_id: run.id,
          position: input.position,
          camera_id: camera.id,
          result: input.result,
          note: input.note ?? null,
          incident_id: incidentId,
          patrol_request: patrolRequest,
          inspection_id: inspectionId,
          recorded_at: this.now(),
        })
        .execute();
    };
    // A finding that becomes an incident is recorded in the incident's transaction: the same step
    // sent twice at once makes one incident (the second fails on the step's key and makes none).
    if (incident) await this.createIncident(actor, incident, (trx, id) => record(trx, id));
    else await record(this.db, null);
    return this.getRun(actor, runId);
  }

  /**
   * Files the finding as an oversight inspection (kind video) of the regulated unit the camera is
   * linked to: a unit in the actor's scope listing one of the camera's stream URLs (HLS, WebRTC,
   * RTSP) among its cameras. Needs oversight's write permission besides the video one.
   */
  private async inspectionFinding(
    actor: Actor,
    runId: string,
    camera: { id: string; name: string },
    tourName: string,
    note: string,
    input: TourStepInput,
  ): Promise<string> {
    if (!this.oversight?.mayInspect(actor)) throw new ProblemError('forbidden', M.mayNotInspect);
    const urls = await this.db
      .selectFrom('cameras')
      .select(['hls_url', 'webrtc_url', 'rtsp_url'])
      .where('id', '=', camera.id)
      .executeTakeFirst();
    const streams = [urls?.hls_url, urls?.webrtc_url, urls?.rtsp_url].flatMap((u) => (u ? [u.trim()] : []));
    const units = streams.length ? await this.oversight.linkedUnits(actor, streams) : [];
    if (units.length === 0)
      throw new ProblemError('validation', undefined, bad('position', 'camera_not_linked'));
    const unit = input.unitId
      ? units.find((u) => u.id === input.unitId)
      : units.length === 1
        ? units[0]
        : null;
    if (!unit)
      throw new ProblemError(
        'validation',
        undefined,
        bad('unitId', input.unitId ? 'not_found' : 'choose_unit'),
      );
    const id = await this.oversight.inspect(actor, unit.id, {
      description: `【视频巡查 ${tourName} · ${camera.name}】${note}`,
      severity: input.severity ?? 'minor',
    });
    // The hook audits the step as run:<id>; this row names the inspection it filed.
    await this.db.transaction().execute((trx) =>
      appendAudit(
        trx,
        {
          userId: actor.userId,
          username: actor.username,
          action: 'write',
          resource: `inspection:${id}`,
          detail: { via: 'video_tour', run: runId, camera: camera.id, unit: unit.id },
        },
        this.now(),
      ),
    );
    return id;
  }

  /** Finishes a run: complete when every camera of the tour has an outcome. */
  async finish(actor: Actor, runId: string): Promise<TourRun> {
    const run = await this.run(actor, runId);
    if (run.operatorId !== actor.userId) throw new ProblemError('forbidden', M.notYourRun);
    const tour = await this.get(actor, run.tourId);
    if (run.steps.length < tour.cameras.length) {
      throw new ProblemError('validation', M.runIncomplete, bad('steps', 'every_camera'));
    }
    await this.db
      .updateTable('video_tour_runs')
      .set({ finished_at: this.now() })
      .where('id', '=', runId)
      .where('finished_at', 'is', null)
      .execute();
    return this.getRun(actor, runId);
  }

  /**
   * Per scheduled shift occurrence in [from, to) and tour: the runs (operator, completed, cameras
   * seen, findings), and a missed row where an occurrence ended without a completed run (escalated
   * once the job has published it). A shift that ended before the tour was made was never due. The
   * summary totals the window per tour, per shift occurrence (scheduled = occurrences due and begun;
   * done, missed, escalated of those) and per operator (runs).
   */
  async report(scope: OrgScope, from: Date, to: Date): Promise<TourReport> {
    const tours = await this.list(scope);
    const runs = await this.db
      .selectFrom('video_tour_runs as r')
      .innerJoin('users as u', 'u.id', 'r.operator_id')
      .leftJoin('video_tour_steps as s', 's.run_id', 'r.id')
      .select(['r.id', 'r.tour_id', 'r.shift', 'r.shift_start', 'r.finished_at', 'u.username'])
      .select((eb) => [
        eb.fn.count<string>('s.position').as('seen'),
        eb.fn.count<string>('s.position').filterWhere('s.result', '=', 'finding').as('findings'),
      ])
      .where('r.org_id', 'in', orgsUnder(this.db, scope))
      .where('r.shift_start', '>=', new Date(from.getTime() - 12 * 3_600_000))
      .where('r.shift_start', '<', to)
      .groupBy(['r.id', 'r.tour_id', 'r.shift', 'r.shift_start', 'r.finished_at', 'u.username'])
      .execute();
    const escalations = tours.length
      ? await this.db
          .selectFrom('video_tour_escalations as e')
          .innerJoin('video_tours as t', 't.id', 'e.tour_id')
          .select(['e.tour_id', 'e.shift_start'])
          .where('t.org_id', 'in', orgsUnder(this.db, scope))
          .where('e.shift_start', '>=', from)
          .where('e.shift_start', '<', to)
          .execute()
      : [];
    const escalated = new Set(escalations.map((e) => `${e.tour_id}|${new Date(e.shift_start).getTime()}`));
    const created = new Map(
      (tours.length
        ? await this.db
            .selectFrom('video_tours')
            .select(['id', 'created_at'])
            .where(
              'id',
              'in',
              tours.map((x) => x.id),
            )
            .execute()
        : []
      ).map((x) => [x.id, new Date(x.created_at).getTime()]),
    );
    const now = this.now();
    const rows: TourReport['rows'] = [];
    const byTour = new Map<string, TourReport['summary']['byTour'][number]>();
    const byShift = new Map<number, TourReport['summary']['byShift'][number]>();
    const byOperator = new Map<string, TourReport['summary']['byOperator'][number]>();
    const tally = { scheduled: 0, done: 0, missed: 0, escalated: 0, findings: 0 };
    for (const tour of tours) {
      const perTour = { tourId: tour.id, tourName: tour.name, ...tally };
      byTour.set(tour.id, perTour);
      for (const occ of shiftsBetween(from, to, tour.shifts)) {
        // Due: begun by now, and not over before the tour existed.
        if (occ.start.getTime() > now.getTime()) continue;
        if (occ.end.getTime() <= (created.get(tour.id) ?? 0)) continue;
        let perShift = byShift.get(occ.start.getTime());
        if (!perShift) {
          perShift = { shift: occ.shift, shiftStart: occ.start.toISOString(), ...tally };
          byShift.set(occ.start.getTime(), perShift);
        }
        const mine = runs.filter(
          (r) => r.tour_id === tour.id && new Date(r.shift_start).getTime() === occ.start.getTime(),
        );
        for (const r of mine) {
          const findings = Number(r.findings);
          rows.push({
            tourId: tour.id,
            tourName: tour.name,
            shift: occ.shift,
            shiftStart: occ.start.toISOString(),
            operator: r.username,
            completed: r.finished_at !== null,
            camerasSeen: Number(r.seen),
            findings,
            missed: false,
            escalated: false,
          });
          perTour.findings += findings;
          perShift.findings += findings;
          const op = byOperator.get(r.username) ?? {
            operator: r.username,
            runs: 0,
            done: 0,
            unfinished: 0,
            camerasSeen: 0,
            findings: 0,
          };
          op.runs++;
          if (r.finished_at !== null) op.done++;
          else op.unfinished++;
          op.camerasSeen += Number(r.seen);
          op.findings += findings;
          byOperator.set(r.username, op);
        }
        const completed = mine.some((r) => r.finished_at !== null);
        const missed = !completed && occ.end.getTime() <= now.getTime();
        const wasEscalated = missed && escalated.has(`${tour.id}|${occ.start.getTime()}`);
        for (const group of [perTour, perShift]) {
          group.scheduled++;
          if (completed) group.done++;
          if (missed) group.missed++;
          if (wasEscalated) group.escalated++;
        }
        if (missed) {
          rows.push({
            tourId: tour.id,
            tourName: tour.name,
            shift: occ.shift,
            shiftStart: occ.start.toISOString(),
            operator: null,
            completed: false,
            camerasSeen: 0,
            findings: 0,
            missed: true,
            escalated: wasEscalated,
          });
        }
      }
    }
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      rows,
      summary: {
        byTour: [...byTour.values()],
        byShift: [...byShift.values()].sort((x, y) => x.shiftStart.localeCompare(y.shiftStart)),
        byOperator: [...byOperator.values()].sort((x, y) => x.operator.localeCompare(y.operator)),
      },
    };
  }
}
