/**
 * 数据融合 — the connectors module's service: connectors (source, mapping, target), their runs with
 * a quality report, the schedule of HTTP pulls (retried with backoff when they fail) and MQTT
 * topics taken in batches.
 *
 * A run reads the source, checks the mapping against the source's columns (refused before any row
 * is read), maps the rows (core/connectors/mapping.ts) and writes the accepted rows in batches
 * through the owning module's own import: patrol's incident-history import, oversight's unit
 * import. Each of those writes its batch in one transaction, so a failing batch writes nothing and
 * the run stops there, reported as failed with what the earlier batches wrote.
 *
 * Need to know: a connector and its runs belong to an org; people read and run those of their org's
 * subtree (in the query). A run writes as a person: the one who started it, or for scheduled and
 * MQTT runs the connector's owner (their scope and roles, checked again at every run).
 */
import {
  addTargetRejections,
  batches,
  checkMapping,
  checkMappingDefinition,
  type MappedRow,
  type Mapping,
  type MappingIssue,
  mapRows,
  type QualityReport,
  retryDelayMs,
  TARGETS,
  type TargetId,
  toCsv,
} from '@citywatch/core/connectors/mapping';
import { RecordReadError, readRecords } from '@citywatch/core/patrol/records';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Database } from '../../db/schema.js';
import { ProblemError } from '../../http/problem.js';
import { appendAudit, recordAudit } from '../../identity/audit.js';
import type { Actor } from '../../identity/service.js';
import type { Deps } from '../module.js';
import type { AddressRecord } from '../places/addresses.js';
import { assertOrgInScope, orgsUnder } from '../scope.js';
import { writeSensorDevices } from './devices-target.js';
import { CONNECTOR_MESSAGES, RULE_TEXT } from './messages.js';
import type {
  ConnectorRunsTable,
  ConnectorsTable,
  RunError,
  RunTrigger,
  SourceConfig,
  SourceKind,
} from './tables.js';

/** Failed scheduled runs are retried this many times (backoff 1, 2, 4, 8, 16 min), then wait for the next interval. */
export const MAX_RETRIES = 5;
export const RETRY_BASE_MS = 60_000;
export const DEFAULT_TIMEOUT_MS = 30_000;
/** The largest source an HTTP pull reads (bytes). */
export const MAX_SOURCE_BYTES = 32 * 1024 * 1024;

/** The permission a person needs to write into each target (the owning module's write permission). */
export const TARGET_PERMISSION: Record<TargetId, string> = {
  'patrol.incidents': 'patrol.write',
  'oversight.units': 'oversight.write',
  'places.addresses': 'places.write',
  'sensors.devices': 'sensors.write',
};

export interface CreateConnector {
  name: string;
  orgId?: string;
  source: { kind: SourceKind; url?: string; timeoutMs?: number; topic?: string };
  mapping: Mapping;
  city?: string;
  batchSize: number;
  intervalMinutes?: number;
}

/** A change of a connector: only what is given changes (`null` clears city or schedule). */
export interface UpdateConnector {
  name?: string;
  source?: { kind: SourceKind; url?: string; timeoutMs?: number; topic?: string };
  mapping?: Mapping;
  city?: string | null;
  batchSize?: number;
  intervalMinutes?: number | null;
}

export interface Connector {
  id: string;
  orgId: string;
  orgName: string;
  ownerId: string;
  name: string;
  source: { kind: SourceKind; url?: string; timeoutMs?: number; topic?: string };
  /** The source's columns at its last read (a mapping change is checked against them); null before. */
  sourceColumns: string[] | null;
  target: TargetId;
  mapping: Mapping;
  city: string | null;
  batchSize: number;
  intervalMinutes: number | null;
  enabled: boolean;
  nextRunAt: string | null;
  failures: number;
  createdAt: string;
}

export interface Run {
  id: string;
  connectorId: string;
  connectorName: string;
  orgId: string;
  trigger: RunTrigger;
  attempt: number;
  status: ConnectorRunsTable['status'];
  startedAt: string;
  finishedAt: string | null;
  report: QualityReport | null;
  written: number;
  batchesWritten: number;
  error: RunError | null;
  retryAt: string | null;
}

/** What writing one batch did: rows written, and rows the owning module refused by reason. */
interface BatchResult {
  written: number;
  rejected: Record<string, number>;
}

/** A batch writer: the owning module's import of one batch (one transaction there). */
export type BatchWriter = (
  connector: Selectable<ConnectorsTable>,
  actor: Actor,
  rows: MappedRow[],
) => Promise<BatchResult>;

/** The reasons of the owning modules that mean "already there" (counted as duplicates). */
const DUPLICATE_REASONS = ['duplicate_id', 'duplicate_licence', 'duplicate_address', 'duplicate_device'];

/** A run that could not go on: the source unreachable or unreadable, the mapping refused. */
class RunStop extends Error {
  constructor(
    readonly status: 'failed' | 'refused',
    readonly runError: RunError,
  ) {
    super(runError.message);
  }
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export class ConnectorsService {
  private readonly db: Kysely<Database>;
  /** The batch writers by target; tests may wrap them. */
  readonly writers: Record<TargetId, BatchWriter>;

  constructor(private readonly deps: Deps<'patrol' | 'oversight' | 'places' | 'sensors'>) {
    this.db = deps.db.kysely;
    this.writers = {
      'patrol.incidents': async (connector, actor, rows) => {
        const csv = toCsv('patrol.incidents', rows);
        // The canonical CSV's columns are named after patrol's own roles (id, time, category, …).
        const used = TARGETS['patrol.incidents'].fields
          .map((x) => x.name)
          .filter((n) => rows.some((r) => r[n] !== undefined));
        const map = Object.fromEntries(used.map((n) => [n, n]));
        const city = await deps.patrol.city(connector.city ?? undefined);
        const report = await deps.patrol.importFile(
          city,
          { fileName: `connector:${connector.name}`, content: csv, map, dateFormat: 'iso', tz: 'UTC' },
          actor,
        );
        return { written: report.imported, rejected: report.rejected };
      },
      'oversight.units': async (_connector, actor, rows) => {
        // The header oversight's unit import reads (core/oversight/csv.ts).
        const csv = toCsv('oversight.units', rows, { licenceNo: 'licence_no' });
        const result = await deps.oversight.units.importCsv(actor, csv);
        return { written: result.imported, rejected: result.reasons };
      },
      'places.addresses': async (connector, actor, rows) => {
        const records = rows.map((r) => r as unknown as AddressRecord);
        const result = await deps.places.importAddresses(connector.city ?? undefined, actor, records);
        return { written: result.written, rejected: result.rejected as Record<string, number> };
      },
      'sensors.devices': (_connector, actor, rows) => writeSensorDevices(deps.sensors, actor, rows),
    };
  }

  // ---- connectors

  async list(actor: Actor): Promise<Connector[]> {
    const rows = await this.select()
      .where('c.org_id', 'in', orgsUnder(this.db, actor))
      .orderBy('c.created_at', 'desc')
      .execute();
    return rows.map((r) => this.toConnector(r));
  }

  async get(actor: Actor, id: string): Promise<Connector> {
    return this.toConnector(await this.visible(actor, id));
  }

  async create(actor: Actor, input: CreateConnector): Promise<Connector> {
    this.assertTargetPermission(actor, input.mapping.target, 'mapping.target');
    const issues = checkMappingDefinition(input.mapping);
    if (issues.length) throw mappingProblem(issues);
    if (input.source.kind === 'http' && !input.source.url)
      throw new ProblemError('validation', undefined, [
        { field: 'source.url', rule: 'required', message: '' },
      ]);
    if (input.source.kind === 'mqtt' && !input.source.topic)
      throw new ProblemError('validation', undefined, [
        { field: 'source.topic', rule: 'required', message: '' },
      ]);
    if (input.intervalMinutes !== undefined && input.source.kind !== 'http')
      throw new ProblemError('validation', CONNECTOR_MESSAGES.sourceMismatch, [
        { field: 'intervalMinutes', rule: 'http_only', message: '' },
      ]);
    const orgId = input.orgId ?? actor.orgId;
    if (input.orgId) await assertOrgInScope(this.db, actor, input.orgId, 'orgId');
    const now = this.deps.now();
    const id = uuidv7();
    const source: SourceConfig =
      input.source.kind === 'http'
        ? { url: input.source.url, timeoutMs: input.source.timeoutMs ?? DEFAULT_TIMEOUT_MS }
        : input.source.kind === 'mqtt'
          ? { topic: input.source.topic }
          : {};
    await this.db
      .insertInto('connectors')
      .values({
        id,
        org_id: orgId,
        owner_id: actor.userId,
        name: input.name,
        source_kind: input.source.kind,
        source: JSON.stringify(source),
        target: input.mapping.target,
        mapping: JSON.stringify(input.mapping),
        city: input.city ?? null,
        batch_size: input.batchSize,
        interval_minutes: input.intervalMinutes ?? null,
        enabled: true,
        next_run_at: input.intervalMinutes ? now : null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    return this.get(actor, id);
  }

  /**
   * Changes a connector, checked as a new one is (target permission, the mapping against its
   * target, http-only schedule) and more: the source kind and the target stay (a different source
   * or target is a different connector: its runs' reports would mean something else), and a changed
   * mapping is checked against the columns the source had at its last read (`source.columns`), so
   * that one naming a missing column or a column of the wrong type is refused here (400 naming the
   * field and rule), not at the next run. Audited with what changed, in the change's transaction.
   */
  async update(actor: Actor, id: string, input: UpdateConnector): Promise<Connector> {
    await this.db.transaction().execute((trx) => this.updateLocked(trx, actor, id, input));
    return this.get(actor, id);
  }

  private async updateLocked(trx: Transaction<Database>, actor: Actor, id: string, input: UpdateConnector) {
    // The row is locked before it is read: two edits of one connector take turns, and the second
    // builds on what the first wrote instead of writing back fields it read before that commit.
    const row = await this.visible(actor, id, trx, true);
    const target = row.target as TargetId;
    this.assertTargetPermission(actor, target, 'id');
    const kind = row.source_kind;
    const old = row.source as unknown as SourceConfig;
    if (input.source && input.source.kind !== kind)
      throw new ProblemError('validation', CONNECTOR_MESSAGES.immutable, [
        { field: 'source.kind', rule: 'immutable', message: '' },
      ]);
    if (input.mapping) {
      if (input.mapping.target !== target)
        throw new ProblemError('validation', CONNECTOR_MESSAGES.immutable, [
          { field: 'mapping.target', rule: 'immutable', message: '' },
        ]);
      const issues = old.columns
        ? checkMapping(input.mapping, old.columns.fields, old.columns.types)
        : checkMappingDefinition(input.mapping);
      if (issues.length) throw mappingProblem(issues);
    }
    if (input.intervalMinutes != null && kind !== 'http')
      throw new ProblemError('validation', CONNECTOR_MESSAGES.sourceMismatch, [
        { field: 'intervalMinutes', rule: 'http_only', message: '' },
      ]);
    const source: SourceConfig = { ...old };
    if (input.source?.kind === 'http') {
      source.url = input.source.url;
      if (input.source.timeoutMs !== undefined) source.timeoutMs = input.source.timeoutMs;
      // Another URL may answer other columns.
      if (input.source.url !== old.url) delete source.columns;
    }
    if (input.source?.kind === 'mqtt') {
      source.topic = input.source.topic;
      if (input.source.topic !== old.topic) delete source.columns;
    }
    const now = this.deps.now();
    const interval = input.intervalMinutes === undefined ? row.interval_minutes : input.intervalMinutes;
    const next = {
      name: input.name ?? row.name,
      source,
      mapping: input.mapping ?? (row.mapping as unknown as Mapping),
      city: input.city === undefined ? row.city : input.city,
      batch_size: input.batchSize ?? row.batch_size,
      interval_minutes: interval,
    };
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    const shown = (k: string, v: unknown) => (k === 'source' ? auditedSource(v as SourceConfig) : v);
    const was: Record<string, unknown> = {
      name: row.name,
      source: old,
      mapping: row.mapping,
      city: row.city,
      batch_size: row.batch_size,
      interval_minutes: row.interval_minutes,
    };
    for (const [k, v] of Object.entries(next))
      if (JSON.stringify(shown(k, v)) !== JSON.stringify(shown(k, was[k]))) {
        before[k] = shown(k, was[k]);
        after[k] = shown(k, v);
      }
    if (Object.keys(after).length === 0) return;
    await trx
      .updateTable('connectors')
      .set({
        name: next.name,
        source: JSON.stringify(next.source),
        mapping: JSON.stringify(next.mapping),
        city: next.city,
        batch_size: next.batch_size,
        interval_minutes: next.interval_minutes,
        updated_at: now,
        // A new schedule starts now; none without one.
        ...('interval_minutes' in after
          ? { next_run_at: row.enabled && interval ? now : null, failures: 0 }
          : {}),
      })
      .where('id', '=', id)
      .execute();
    await appendAudit(
      trx,
      {
        userId: actor.userId,
        username: actor.username,
        action: 'write',
        resource: `connector:${id}`,
        detail: { change: 'update', before, after },
      },
      now,
    );
  }

  /**
   * Deletes a connector with its runs and their quality reports. What the runs wrote stays in the
   * target modules (each write audited there, and each scheduled or MQTT run as `connector-run:`);
   * the deletion's audit row keeps the connector's definition and every run's figures (status,
   * trigger, rows read, written, rejected by reason, duplicates), in the same transaction. Refused
   * (409) while a run is going on.
   */
  async remove(actor: Actor, id: string): Promise<{ id: string; runsDeleted: number }> {
    return this.db.transaction().execute(async (trx) => {
      // Locked first: an edit waits for the deletion, and a run starting meanwhile (its row's
      // foreign key takes a share lock on this one) waits too, then fails on the missing connector
      // instead of leaving a run of a deleted connector.
      const row = await this.visible(actor, id, trx, true);
      this.assertTargetPermission(actor, row.target as TargetId, 'id');
      const runs = await trx
        .selectFrom('connector_runs')
        .select(['id', 'status', 'trigger', 'started_at', 'written', 'report', 'error'])
        .where('connector_id', '=', id)
        .orderBy('started_at')
        .forUpdate()
        .execute();
      if (runs.some((r) => r.status === 'running'))
        throw new ProblemError('conflict', CONNECTOR_MESSAGES.runGoingOn, [
          { field: 'id', rule: 'run_in_progress', message: '' },
        ]);
      await trx.deleteFrom('connector_runs').where('connector_id', '=', id).execute();
      await trx.deleteFrom('connectors').where('id', '=', id).execute();
      const source = auditedSource(row.source as unknown as SourceConfig);
      await appendAudit(
        trx,
        {
          userId: actor.userId,
          username: actor.username,
          action: 'write',
          resource: `connector:${id}`,
          detail: {
            change: 'delete',
            connector: {
              name: row.name,
              orgId: row.org_id,
              ownerId: row.owner_id,
              sourceKind: row.source_kind,
              source,
              target: row.target,
              mapping: row.mapping,
            },
            runs: runs.map((r) => {
              const report = r.report as unknown as QualityReport | null;
              return {
                id: r.id,
                status: r.status,
                trigger: r.trigger,
                startedAt: new Date(r.started_at).toISOString(),
                written: r.written,
                read: report?.read ?? null,
                rejected: report?.rejected ?? null,
                duplicates: report?.duplicates ?? null,
                error: (r.error as unknown as RunError | null)?.code ?? null,
              };
            }),
          },
        },
        this.deps.now(),
      );
      return { id, runsDeleted: runs.length };
    });
  }

  /** Turns a connector on or off (a scheduled one is due at once when turned back on). */
  async setEnabled(actor: Actor, id: string, enabled: boolean): Promise<Connector> {
    const row = await this.visible(actor, id);
    const now = this.deps.now();
    await this.db
      .updateTable('connectors')
      .set({
        enabled,
        updated_at: now,
        failures: 0,
        next_run_at: enabled && row.interval_minutes ? now : null,
      })
      .where('id', '=', id)
      .execute();
    return this.get(actor, id);
  }

  // ---- runs

  async runs(actor: Actor, filter: { connectorId?: string; limit: number }): Promise<Run[]> {
    let q = this.db
      .selectFrom('connector_runs as r')
      .innerJoin('connectors as c', 'c.id', 'r.connector_id')
      .selectAll('r')
      .select('c.name as connector_name')
      .where('r.org_id', 'in', orgsUnder(this.db, actor));
    if (filter.connectorId) q = q.where('r.connector_id', '=', filter.connectorId);
    const rows = await q
      .orderBy('r.started_at', 'desc')
      .orderBy('r.id', 'desc')
      .limit(filter.limit)
      .execute();
    return rows.map(toRun);
  }

  async run(actor: Actor, id: string): Promise<Run> {
    const row = await this.db
      .selectFrom('connector_runs as r')
      .innerJoin('connectors as c', 'c.id', 'r.connector_id')
      .selectAll('r')
      .select('c.name as connector_name')
      .where('r.id', '=', id)
      .where('r.org_id', 'in', orgsUnder(this.db, actor))
      .executeTakeFirst();
    if (!row)
      throw new ProblemError('not_found', undefined, [{ field: 'id', rule: 'not_found', message: '' }]);
    return toRun(row);
  }

  /**
   * A run started by a person: a file connector with the file's content, an HTTP one pulled now.
   * A refused mapping answers 400 naming the field and rule (the run is kept, refused).
   */
  async runNow(actor: Actor, id: string, content: string | undefined): Promise<Run> {
    const connector = await this.visible(actor, id);
    this.assertTargetPermission(actor, connector.target as TargetId, 'id');
    if (connector.source_kind === 'file' && content === undefined)
      throw new ProblemError('validation', CONNECTOR_MESSAGES.contentRequired, [
        { field: 'content', rule: 'required', message: '' },
      ]);
    if (connector.source_kind === 'mqtt')
      throw new ProblemError('validation', CONNECTOR_MESSAGES.sourceMismatch, [
        { field: 'id', rule: 'mqtt_runs_on_messages', message: '' },
      ]);
    const runId = await this.execute(connector, actor, { trigger: 'manual', attempt: 1, content });
    const run = await this.run(actor, runId);
    if (run.status === 'refused' && run.error?.errors)
      throw mappingProblem(run.error.errors as MappingIssue[]);
    return run;
  }

  /**
   * The scheduler's turn: every enabled HTTP connector that is due runs once (claimed by moving
   * its due time, so two ticks never run it twice). A failed run is retried with backoff
   * (RETRY_BASE_MS · 2^(n−1)) up to MAX_RETRIES times; a refused mapping is not retried.
   */
  async tick(): Promise<number> {
    const now = this.deps.now();
    const due = await this.db
      .selectFrom('connectors')
      .selectAll()
      .where('enabled', '=', true)
      .where('source_kind', '=', 'http')
      .where('next_run_at', '<=', now)
      .orderBy('next_run_at')
      .limit(20)
      .execute();
    let ran = 0;
    for (const connector of due) {
      const claimed = await this.db
        .updateTable('connectors')
        .set({ next_run_at: null })
        .where('id', '=', connector.id)
        .where('next_run_at', '=', connector.next_run_at)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) continue;
      ran++;
      const attempt = connector.failures + 1;
      const owner = await this.ownerActor(connector);
      let status: ConnectorRunsTable['status'];
      let runId: string | null = null;
      if (!owner) {
        status = 'failed';
        runId = await this.recordStopped(connector, connector.failures > 0 ? 'retry' : 'schedule', attempt, {
          status: 'failed',
          runError: { code: 'owner_inactive', message: 'the connector owner is no longer active' },
        });
      } else {
        runId = await this.execute(connector, owner, {
          trigger: connector.failures > 0 ? 'retry' : 'schedule',
          attempt,
        });
        status = (
          await this.db
            .selectFrom('connector_runs')
            .select('status')
            .where('id', '=', runId)
            .executeTakeFirstOrThrow()
        ).status;
      }
      const at = this.deps.now().getTime();
      const interval = (connector.interval_minutes ?? 60) * 60_000;
      if (status === 'failed' && connector.failures < MAX_RETRIES) {
        const retryAt = new Date(at + retryDelayMs(attempt, RETRY_BASE_MS));
        await this.db
          .updateTable('connectors')
          .set({ failures: attempt, next_run_at: retryAt })
          .where('id', '=', connector.id)
          .execute();
        await this.db
          .updateTable('connector_runs')
          .set({ retry_at: retryAt })
          .where('id', '=', runId)
          .execute();
      } else {
        await this.db
          .updateTable('connectors')
          .set({ failures: status === 'failed' ? attempt : 0, next_run_at: new Date(at + interval) })
          .where('id', '=', connector.id)
          .execute();
      }
      if (owner)
        await recordAudit(
          this.db,
          {
            userId: owner.userId,
            username: owner.username,
            action: 'write',
            resource: `connector-run:${runId}`,
            detail: { connector: connector.id, trigger: attempt > 1 ? 'retry' : 'schedule', status },
          },
          this.deps.now(),
        );
    }
    return ran;
  }

  /** Rows from an MQTT topic, written as one run per batch (see mqtt.ts). Throws when the batch failed. */
  async runRows(connector: Selectable<ConnectorsTable>, rows: Record<string, unknown>[]): Promise<Run> {
    const owner = await this.ownerActor(connector);
    if (!owner) throw new Error(`connector ${connector.id}: owner inactive`);
    const runId = await this.execute(connector, owner, { trigger: 'mqtt', attempt: 1, rows });
    const run = await this.runUnscoped(runId);
    if (run.status === 'failed') throw new Error(`connector ${connector.id}: ${run.error?.message}`);
    if (run.written > 0)
      await recordAudit(
        this.db,
        {
          userId: owner.userId,
          username: owner.username,
          action: 'write',
          resource: `connector-run:${runId}`,
          detail: { connector: connector.id, trigger: 'mqtt', written: run.written },
        },
        this.deps.now(),
      );
    return run;
  }

  /** Enabled MQTT connectors (to subscribe at start). */
  mqttConnectors() {
    return this.db
      .selectFrom('connectors')
      .selectAll()
      .where('enabled', '=', true)
      .where('source_kind', '=', 'mqtt')
      .execute();
  }

  // ---- the run itself

  /** Runs one connector; answers the run's id. Never throws for the source's or the batch's faults. */
  private async execute(
    connector: Selectable<ConnectorsTable>,
    actor: Actor,
    how: { trigger: RunTrigger; attempt: number; content?: string; rows?: Record<string, unknown>[] },
  ): Promise<string> {
    const runId = uuidv7();
    await this.db
      .insertInto('connector_runs')
      .values({
        id: runId,
        connector_id: connector.id,
        org_id: connector.org_id,
        trigger: how.trigger,
        attempt: how.attempt,
        status: 'running',
        started_at: this.deps.now(),
      })
      .execute();
    const mapping = connector.mapping as unknown as Mapping;
    let report: QualityReport | null = null;
    let written = 0;
    let batchesWritten = 0;
    try {
      const records = how.rows
        ? { fields: [...new Set(how.rows.flatMap((r) => Object.keys(r)))], fieldTypes: {}, rows: how.rows }
        : await this.readSource(connector, how.content);
      if (!how.rows) await this.rememberColumns(connector, records.fields, records.fieldTypes);
      const issues = checkMapping(mapping, records.fields, records.fieldTypes);
      if (issues.length)
        throw new RunStop('refused', {
          code: 'mapping_refused',
          message: CONNECTOR_MESSAGES.mappingRefused.en,
          errors: issues,
        });
      const mapped = mapRows(mapping, records.rows);
      report = mapped.report;
      const writer = this.writers[connector.target as TargetId];
      for (const batch of batches(mapped.rows, connector.batch_size)) {
        let result: BatchResult;
        try {
          result = await writer(
            connector,
            actor,
            batch.map((r) => r.values),
          );
        } catch (error) {
          const message =
            error instanceof ProblemError ? error.message : String((error as Error)?.message ?? error);
          throw new RunStop('failed', {
            code: 'batch_failed',
            message: `batch ${batchesWritten + 1} of ${Math.ceil(mapped.rows.length / connector.batch_size)} not written: ${message}`,
          });
        }
        written += result.written;
        batchesWritten++;
        report = addTargetRejections(report, result.rejected, DUPLICATE_REASONS);
      }
      await this.finish(runId, 'succeeded', report, written, batchesWritten, null);
    } catch (error) {
      if (error instanceof RunStop) {
        // What the batches not written would have written is not "accepted".
        if (report) report = { ...report, accepted: written };
        await this.finish(runId, error.status, report, written, batchesWritten, error.runError);
      } else {
        await this.finish(runId, 'failed', report, written, batchesWritten, {
          code: 'internal',
          message: String((error as Error)?.message ?? error),
        });
        this.deps.log.error({ err: error, connector: connector.id }, 'connector run failed');
      }
    }
    return runId;
  }

  /** The source's columns as last read (see SourceConfig.columns). */
  private async rememberColumns(
    connector: Selectable<ConnectorsTable>,
    fields: readonly string[],
    types: Record<string, string>,
  ) {
    const source = connector.source as unknown as SourceConfig;
    const columns = { fields: [...fields], types: { ...types } };
    if (JSON.stringify(source.columns) === JSON.stringify(columns)) return;
    await this.db
      .updateTable('connectors')
      .set({ source: JSON.stringify({ ...source, columns }) })
      .where('id', '=', connector.id)
      .execute();
  }

  private async recordStopped(
    connector: Selectable<ConnectorsTable>,
    trigger: RunTrigger,
    attempt: number,
    stop: { status: 'failed' | 'refused'; runError: RunError },
  ): Promise<string> {
    const id = uuidv7();
    const now = this.deps.now();
    await this.db
      .insertInto('connector_runs')
      .values({
        id,
        connector_id: connector.id,
        org_id: connector.org_id,
        trigger,
        attempt,
        status: stop.status,
        started_at: now,
        finished_at: now,
        error: JSON.stringify(stop.runError),
      })
      .execute();
    return id;
  }

  private async finish(
    runId: string,
    status: ConnectorRunsTable['status'],
    report: QualityReport | null,
    written: number,
    batchesWritten: number,
    error: RunError | null,
  ) {
    await this.db
      .updateTable('connector_runs')
      .set({
        status,
        finished_at: this.deps.now(),
        report: report ? JSON.stringify(report) : null,
        written,
        batches_written: batchesWritten,
        error: error ? JSON.stringify(error) : null,
      })
      .where('id', '=', runId)
      .execute();
  }

  /** The source's rows: the file handed over, or an HTTP GET with a timeout. */
  private async readSource(connector: Selectable<ConnectorsTable>, content: string | undefined) {
    let text: string;
    if (connector.source_kind === 'file') {
      text = content ?? '';
    } else {
      const source = connector.source as unknown as SourceConfig;
      let response: Response;
      try {
        response = await fetch(source.url as string, {
          signal: AbortSignal.timeout(source.timeoutMs ?? DEFAULT_TIMEOUT_MS),
          headers: { accept: 'text/csv, application/json;q=0.9, */*;q=0.1' },
        });
      } catch (error) {
        const timedOut = (error as Error)?.name === 'TimeoutError';
        throw new RunStop('failed', {
          code: timedOut ? 'source_timeout' : 'source_unreachable',
          message: timedOut
            ? `no answer within ${source.timeoutMs} ms`
            : String((error as Error)?.message ?? error),
        });
      }
      if (!response.ok) {
        await response.body?.cancel().catch(() => {});
        throw new RunStop('failed', { code: 'source_status', message: `HTTP ${response.status}` });
      }
      const length = Number(response.headers.get('content-length') ?? 0);
      if (length > MAX_SOURCE_BYTES) {
        await response.body?.cancel().catch(() => {});
        throw new RunStop('failed', { code: 'source_too_large', message: `${length} bytes` });
      }
      text = await response.text();
    }
    try {
      return readRecords(text);
    } catch (error) {
      if (error instanceof RecordReadError)
        throw new RunStop('failed', { code: 'source_unreadable', message: error.message });
      throw error;
    }
  }

  // ---- helpers

  private assertTargetPermission(actor: Actor, target: TargetId, field: string) {
    if (!this.deps.permissions.grants(actor.roles, TARGET_PERMISSION[target]))
      throw new ProblemError('forbidden', CONNECTOR_MESSAGES.targetPermission, [
        { field, rule: 'target_permission', message: '' },
      ]);
  }

  /** The owner as an actor (null when deactivated): scheduled and MQTT runs write as them. */
  private async ownerActor(connector: Selectable<ConnectorsTable>): Promise<Actor | null> {
    const u = await this.db
      .selectFrom('users as u')
      .innerJoin('orgs as o', 'o.id', 'u.org_id')
      .select(['u.id', 'u.username', 'u.display_name', 'u.roles', 'u.org_id', 'o.name as org_name', 'o.path'])
      .where('u.id', '=', connector.owner_id)
      .where('u.active', '=', true)
      .executeTakeFirst();
    if (!u) return null;
    if (!this.deps.permissions.grants(u.roles, TARGET_PERMISSION[connector.target as TargetId])) return null;
    return {
      userId: u.id,
      username: u.username,
      displayName: u.display_name,
      roles: u.roles as Actor['roles'],
      orgId: u.org_id,
      orgName: u.org_name,
      orgPath: u.path,
      sessionTokenHash: '',
      sessionExpiresAt: new Date(0),
      mustChangePassword: false,
    } as Actor;
  }

  private select(q: Kysely<Database> = this.db) {
    return q
      .selectFrom('connectors as c')
      .innerJoin('orgs as o', 'o.id', 'c.org_id')
      .selectAll('c')
      .select('o.name as org_name');
  }

  /** The connector if the actor's subtree holds it (else 404); `lock` takes its row for update. */
  private async visible(actor: Actor, id: string, q: Kysely<Database> = this.db, lock = false) {
    let query = this.select(q).where('c.id', '=', id).where('c.org_id', 'in', orgsUnder(q, actor));
    if (lock) query = query.forUpdate('c');
    const row = await query.executeTakeFirst();
    if (!row)
      throw new ProblemError('not_found', CONNECTOR_MESSAGES.noSuchConnector, [
        { field: 'id', rule: 'not_found', message: '' },
      ]);
    return row;
  }

  private async runUnscoped(id: string): Promise<Run> {
    const row = await this.db
      .selectFrom('connector_runs as r')
      .innerJoin('connectors as c', 'c.id', 'r.connector_id')
      .selectAll('r')
      .select('c.name as connector_name')
      .where('r.id', '=', id)
      .executeTakeFirstOrThrow();
    return toRun(row);
  }

  private toConnector(r: Selectable<ConnectorsTable> & { org_name: string }): Connector {
    const source = r.source as unknown as SourceConfig;
    return {
      id: r.id,
      orgId: r.org_id,
      orgName: r.org_name,
      ownerId: r.owner_id,
      name: r.name,
      source: { kind: r.source_kind, url: source.url, timeoutMs: source.timeoutMs, topic: source.topic },
      sourceColumns: source.columns?.fields ?? null,
      target: r.target as TargetId,
      mapping: r.mapping as unknown as Mapping,
      city: r.city,
      batchSize: r.batch_size,
      intervalMinutes: r.interval_minutes,
      enabled: r.enabled,
      nextRunAt: iso(r.next_run_at),
      failures: r.failures,
      createdAt: new Date(r.created_at).toISOString(),
    };
  }
}

function toRun(r: Selectable<ConnectorRunsTable> & { connector_name: string }): Run {
  return {
    id: r.id,
    connectorId: r.connector_id,
    connectorName: r.connector_name,
    orgId: r.org_id,
    trigger: r.trigger,
    attempt: r.attempt,
    status: r.status,
    startedAt: new Date(r.started_at).toISOString(),
    finishedAt: iso(r.finished_at),
    report: (r.report as unknown as QualityReport | null) ?? null,
    written: r.written,
    batchesWritten: r.batches_written,
    error: (r.error as unknown as RunError | null) ?? null,
    retryAt: iso(r.retry_at),
  };
}

/** 400 naming each refused mapping field and its rule, in both languages. */
export function mappingProblem(
  issues: readonly { field: string; rule: string; value: string }[],
): ProblemError {
  return new ProblemError(
    'validation',
    {
      zh: `${CONNECTOR_MESSAGES.mappingRefused.zh}：${issues.map((i) => `${i.field}（${RULE_TEXT[i.rule]?.zh ?? i.rule}：${i.value}）`).join('；')}`,
      en: `${CONNECTOR_MESSAGES.mappingRefused.en}: ${issues.map((i) => `${i.field} (${RULE_TEXT[i.rule]?.en ?? i.rule}: ${i.value})`).join('; ')}`,
    },
    issues.map((i) => ({ field: i.field, rule: i.rule, message: '' })),
  );
}

/**
 * A source as the audit chain keeps it (the chain outlives any credential): no column list, and an
 * HTTP URL without its user info and with every query value masked (keys kept), since pull URLs
 * often carry an access token (`?token=…`, `?api_key=…`).
 */
export function auditedSource(source: SourceConfig): SourceConfig {
  const shown: SourceConfig = { ...source, columns: undefined };
  if (!source.url) return shown;
  try {
    const url = new URL(source.url);
    if (url.username || url.password) {
      url.username = '***';
      url.password = '';
    }
    for (const key of [...new Set(url.searchParams.keys())]) url.searchParams.set(key, '***');
    shown.url = url.toString();
  } catch {
    shown.url = '(unparsable URL)';
  }
  return shown;
}
