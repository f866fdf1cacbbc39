// Imports and exports of CRM records as background jobs. An import (CSV, XLSX, or vCard for
// contacts) maps columns to fields, finds duplicates (contact email, organization domain) and
// skips, updates or creates them, records an error per bad row, and can run dry. An export writes
// any filtered list (with the same visibility as the list itself) to CSV, XLSX or vCard.
import { and, desc, eq, getTableColumns, getTableName, inArray, isNull, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { contacts, dataTransferChunks, dataTransfers, organizations } from '#server/db/schema/crm.ts';
import { jobs as jobsTable } from '#server/db/schema/jobs.ts';
import { assertPermission, hasPermission } from '#server/platform/access/permissions.ts';
import { type Actor, type Channel, userIdOf } from '#server/platform/actor.ts';
import { recordAudit } from '#server/platform/audit.ts';
import { type Database, sqlState, type Tx } from '#server/platform/db/database.ts';
import { afterBulkWrite } from '#server/platform/db/maintenance.ts';
import { withWorkspace } from '#server/platform/db/tenancy.ts';
import { AppError, type FieldProblem, NotFound, ValidationError } from '#server/platform/errors.ts';
import { newId } from '#server/platform/ids.ts';
import { defineJob, isShutdownAbort, type JobContext, type JobQueue } from '#server/platform/jobs/queue.ts';
import { customFieldsOf } from './custom-fields.service.ts';
import { type FileFormat, formatOf, readTable, type Table, writeCsv, writeXlsx } from './formats.ts';
import {
  importTargets,
  ORG_LINKED,
  ORG_NAME_TARGET,
  rowInput,
  suggestMapping,
  takesSeveralColumns,
} from './import-mapping.ts';
import { bareDomain, kindByResource, organizationKind, type RecordKind, readableBy } from './kinds.ts';
import type { ListParams } from './query.ts';
import type { RecordRow, RecordsService } from './records.service.ts';
import { formatVCard, parseVCards, type VCardContact } from './vcard.ts';

export const IMPORTABLE = ['contacts', 'organizations', 'leads', 'deals', 'projects', 'tasks'] as const;
export const DUPLICATE_CHOICES = ['skip', 'update', 'create'] as const;
export type DuplicateChoice = (typeof DUPLICATE_CHOICES)[number];
export const MAX_IMPORT_ROWS = 200_000;
export const MAX_EXPORT_ROWS = 1_000_000;
const CHUNK = 500;
const MAX_ERRORS = 1000;
/** SQLSTATE deadlock_detected: PostgreSQL rolled one of two transactions back. */
const DEADLOCK = '40P01';
/** The statuses of an import that has not ended. */
const ACTIVE = ['queued', 'running'];
/** Rows an import writes from which the table's statistics are refreshed when it ends. */
const REFRESH_STATISTICS_AFTER = 1000;

/** Reads fall through to `base`; writes go to `own` only. */
function layered(base: Map<string, string>, own: Map<string, string>): Cache {
  return {
    get: (key) => own.get(key) ?? base.get(key),
    has: (key) => own.has(key) || base.has(key),
    set: (key, value) => {
      own.set(key, value);
    },
  };
}
type Cache = {
  get(key: string): string | undefined;
  has(key: string): boolean;
  set(key: string, value: string): void;
};

const transferJob = z.object({
  transferId: z.uuid(),
  userId: z.uuid(),
  workspaceId: z.uuid(),
  scopes: z.array(z.string()).optional(),
});
type TransferJob = z.infer<typeof transferJob>;

export interface ActorRef {
  userId: string;
  workspaceId: string;
  scopes?: string[] | undefined;
}

type TransferRow = typeof dataTransfers.$inferSelect;
export type TransferView = Omit<TransferRow, 'content' | 'workspaceId'> & { downloadUrl: string | null };

// A run as its status is read: everything but the file, which can be megabytes (an import's upload
// stays stored until the run ends, and the wizard polls the run while it works).
const { content: _content, workspaceId: _workspace, ...VIEW_COLUMNS } = getTableColumns(dataTransfers);

function view(row: Omit<TransferRow, 'content' | 'workspaceId'> & Partial<TransferRow>): TransferView {
  const { content: _c, workspaceId: _w, ...rest } = row;
  return {
    ...rest,
    downloadUrl: row.direction === 'export' && row.status === 'succeeded' ? `/api/v1/exports/${row.id}/download` : null,
  };
}

export function createTransfersService(deps: {
  db: Database;
  jobs: JobQueue;
  records: RecordsService;
  actorFor: (who: ActorRef, channel: Channel) => Promise<Actor | null>;
  clock: () => Date;
}) {
  const { db, jobs, records, clock } = deps;
  const { insertMany, updateIn, listIn } = records.internal;

  function importKind(objectType: string): RecordKind {
    const kind = kindByResource(objectType);
    if (!kind || !(IMPORTABLE as readonly string[]).includes(objectType)) {
      throw new ValidationError([{ field: 'objectType', message: `must be one of ${IMPORTABLE.join(', ')}` }]);
    }
    return kind;
  }

  async function readFile(format: FileFormat, content: Buffer, objectType: string): Promise<Table | VCardContact[]> {
    if (format === 'vcf') {
      if (objectType !== 'contacts') {
        throw new ValidationError([{ field: 'file', message: 'vCard files import contacts only' }]);
      }
      return parseVCards(content.toString('utf8'));
    }
    return readTable(format, content);
  }

  async function preview(actor: Actor, input: { objectType: string; fileName: string; content: Buffer }) {
    const kind = importKind(input.objectType);
    assertPermission(actor, `crm:${kind.resource}:import`);
    const format = formatOf(input.fileName);
    const parsed = await readFile(format, input.content, kind.resource);
    const targets = importTargets(kind);
    const defs = await withWorkspace(db, actor, (tx) => customFieldsOf(tx, kind.resource));
    for (const d of defs) targets.push({ target: `custom.${d.key}`, label: d.label, required: d.required });
    if (Array.isArray(parsed)) {
      return { format, headers: [], sample: [], rowCount: parsed.length, suggestedMapping: {}, targets };
    }
    return {
      format,
      headers: parsed.headers,
      sample: parsed.rows.slice(0, 5),
      rowCount: parsed.rows.length,
      suggestedMapping: suggestMapping(kind, parsed.headers),
      targets,
    };
  }

  function checkMapping(kind: RecordKind, mapping: Record<string, string>, headers: string[], customKeys: Set<string>) {
    const problems: FieldProblem[] = [];
    const allowed = new Set(importTargets(kind).map((t) => t.target));
    const seen = new Set<string>();
    for (const [column, target] of Object.entries(mapping)) {
      if (!headers.includes(column))
        problems.push({ field: `mapping.${column}`, message: 'is not a column of the file' });
      const ok = allowed.has(target) || (target.startsWith('custom.') && customKeys.has(target.slice(7)));
      if (!ok) problems.push({ field: `mapping.${column}`, message: `"${target}" is not a field of ${kind.resource}` });
      if (seen.has(target) && !takesSeveralColumns(kind, target))
        problems.push({ field: `mapping.${column}`, message: `"${target}" is mapped twice` });
      seen.add(target);
    }
    for (const [name, f] of Object.entries(kind.fields)) {
      if (f.required && !seen.has(name)) problems.push({ field: 'mapping', message: `map a column to ${f.label}` });
    }
    if (problems.length) throw new ValidationError(problems);
  }

  const importJob = defineJob({
    name: 'crm.import',
    payload: z.object({
      transferId: z.uuid(),
      userId: z.uuid(),
      workspaceId: z.uuid(),
      scopes: z.array(z.string()).optional(),
    }),
    maxAttempts: 1,
    timeoutMs: 60 * 60_000,
    handler: (payload, ctx) => runImport(payload, ctx),
  });
  const exportJob = defineJob({
    name: 'crm.export',
    payload: z.object({
      transferId: z.uuid(),
      userId: z.uuid(),
      workspaceId: z.uuid(),
      scopes: z.array(z.string()).optional(),
    }),
    maxAttempts: 1,
    timeoutMs: 60 * 60_000,
    handler: (payload, ctx) => runExport(payload, ctx),
  });
  jobs.register(importJob);
  jobs.register(exportJob);

  /** Queues the run's job in the caller's transaction and records it on the run. */
  async function queueTransfer(
    tx: Tx,
    actor: Actor,
    job: typeof importJob,
    transferId: string,
  ): Promise<string | null> {
    const queued = await jobs.enqueue(
      job,
      {
        transferId,
        userId: userIdOf(actor),
        workspaceId: actor.workspaceId,
        scopes: actor.scopes ? [...actor.scopes] : undefined,
      },
      { tx, workspaceId: actor.workspaceId, createdBy: actor.userId },
    );
    const jobId = queued?.id ?? null;
    await tx.update(dataTransfers).set({ jobId }).where(eq(dataTransfers.id, transferId));
    return jobId;
  }

  async function startImport(
    actor: Actor,
    input: {
      objectType: string;
      fileName: string;
      content: Buffer;
      mapping?: Record<string, string> | undefined;
      dryRun?: boolean | undefined;
      onDuplicate?: DuplicateChoice | undefined;
    },
  ): Promise<TransferView> {
    const kind = importKind(input.objectType);
    assertPermission(actor, `crm:${kind.resource}:import`);
    if (!actor.userId) throw new ValidationError([{ field: 'actor', message: 'imports are started by a member' }]);
    const format = formatOf(input.fileName);
    const parsed = await readFile(format, input.content, kind.resource);
    const total = Array.isArray(parsed) ? parsed.length : parsed.rows.length;
    if (total === 0) throw new ValidationError([{ field: 'file', message: 'has no rows to import' }]);
    if (total > MAX_IMPORT_ROWS) {
      throw new ValidationError([
        { field: 'file', message: `has ${total} rows; import at most ${MAX_IMPORT_ROWS} at a time` },
      ]);
    }
    const mapping = Array.isArray(parsed) ? {} : (input.mapping ?? suggestMapping(kind, parsed.headers));
    return withWorkspace(db, actor, async (tx) => {
      if (!Array.isArray(parsed)) {
        const defs = await customFieldsOf(tx, kind.resource);
        checkMapping(kind, mapping, parsed.headers, new Set(defs.map((d) => d.key)));
      }
      const [row] = await tx
        .insert(dataTransfers)
        .values({
          workspaceId: actor.workspaceId,
          direction: 'import',
          objectType: kind.resource,
          format,
          fileName: input.fileName.slice(0, 200),
          content: input.content,
          options: { mapping, dryRun: input.dryRun ?? false, onDuplicate: input.onDuplicate ?? 'skip' },
          totalRows: total,
          createdBy: actor.userId,
          createdAt: clock(),
        })
        .returning();
      const transfer = row as TransferRow;
      const jobId = await queueTransfer(tx, actor, importJob, transfer.id);
      await recordAudit(tx, actor, {
        action: 'import.started',
        entityType: 'import',
        entityId: transfer.id,
        metadata: { objectType: kind.resource, format, rows: total, dryRun: input.dryRun ?? false },
      });
      return view({ ...transfer, jobId });
    });
  }

  /** Dry runs roll back each chunk: the counts and errors are exact, nothing stays. */
  class DryRunRollback extends Error {}

  type ImportError = { row: number; field?: string; message: string };
  type ChunkOutcome = {
    counts: { created: number; updated: number; skipped: number; failed: number };
    errors: ImportError[];
    /** Organizations it created (by lower-case name) and duplicate keys of records it created. */
    orgs: Map<string, string>;
    keys: Map<string, string>;
  };
  type Settled = { ok: true; value: ChunkOutcome } | { ok: false; error: unknown };
  type ChunkRow = typeof dataTransferChunks.$inferSelect;

  /** A committed chunk as its record keeps it (what it created is in the database by now). */
  const outcomeOf = (row: ChunkRow): ChunkOutcome => ({
    counts: { created: row.createdRows, updated: row.updatedRows, skipped: row.skippedRows, failed: row.failedRows },
    errors: row.errors,
    orgs: new Map(),
    keys: new Map(),
  });

  async function runImport(payload: TransferJob, ctx: JobContext): Promise<Record<string, unknown>> {
    const actor = await deps.actorFor(payload, 'import');
    const [transfer] = await withWorkspace(db, { workspaceId: payload.workspaceId }, (tx) =>
      tx.select().from(dataTransfers).where(eq(dataTransfers.id, payload.transferId)),
    );
    if (!transfer) return { skipped: 'the import no longer exists' };
    // Checked again, atomically, when this run takes the import (below); here before its file
    // (emptied when the import ended) is read.
    if (!ACTIVE.includes(transfer.status)) return { skipped: 'the import had already ended' };
    /** Ends the import as failed (`where`: while it is still the import's, or this run's). */
    const finish = (values: Partial<TransferRow>, where: SQL = eq(dataTransfers.id, transfer.id)) =>
      withWorkspace(db, { workspaceId: payload.workspaceId }, async (tx) => {
        const ended = await tx
          .update(dataTransfers)
          .set({ ...values, finishedAt: clock() })
          .where(where)
          .returning({ id: dataTransfers.id });
        if (ended.length) await tx.delete(dataTransferChunks).where(eq(dataTransferChunks.transferId, transfer.id));
      });
    if (!actor) {
      await finish({
        status: 'failed',
        errors: [{ row: 0, message: 'The member who started this import is no longer active.' }],
      });
      return { failed: 'member inactive' };
    }
    const kind = importKind(transfer.objectType);
    const options = transfer.options as {
      mapping: Record<string, string>;
      dryRun: boolean;
      onDuplicate: DuplicateChoice;
    };
    const parsed = await readFile(transfer.format as FileFormat, transfer.content as Buffer, kind.resource);
    // Rows become record inputs a chunk at a time, and a processed row is let go: an import of
    // 100,000 rows holds one chunk of inputs at once instead of all of them.
    const total = Array.isArray(parsed) ? parsed.length : parsed.rows.length;
    const inputsAt = (from: number, to: number): Array<Record<string, unknown>> => {
      const out: Array<Record<string, unknown>> = [];
      for (let i = from; i < Math.min(to, total); i++) {
        if (Array.isArray(parsed)) {
          const { website: _w, ...rest } = parsed[i] as VCardContact;
          out.push(rest as unknown as Record<string, unknown>);
          (parsed as Array<VCardContact | null>)[i] = null;
        } else {
          out.push(rowInput(kind, options.mapping, parsed.headers, parsed.rows[i] as string[]));
          (parsed.rows as Array<string[] | null>)[i] = null;
        }
      }
      return out;
    };
    const counts = { processedRows: 0, createdRows: 0, updatedRows: 0, skippedRows: 0, failedRows: 0 };
    let errors: ImportError[] = [];
    // Organizations found or created, and the duplicate keys (email, domain) of records created,
    // by chunks that committed: later rows link to them instead of making them again.
    const orgCache = new Map<string, string>();
    const importedKeys = new Map<string, string>();
    // A header line precedes table rows; vCards are numbered from 1.
    const lineOf = (i: number) => (Array.isArray(parsed) ? i + 1 : i + 2);
    // The import becomes this run's, unless an earlier run ended it meanwhile (a run handed back by
    // a shutdown can still finish its last chunk, and the import with it). Then the chunks earlier
    // runs committed: skipped now, with their counts and errors taken from their records. (A dry
    // run commits none.)
    const runId = newId();
    const committed = await withWorkspace(db, actor, async (tx) => {
      const mine = await tx
        .update(dataTransfers)
        .set({ status: 'running', runId })
        .where(and(eq(dataTransfers.id, transfer.id), inArray(dataTransfers.status, ACTIVE)))
        .returning({ id: dataTransfers.id });
      if (!mine.length) return null;
      return tx
        .select()
        .from(dataTransferChunks)
        .where(eq(dataTransferChunks.transferId, transfer.id))
        .orderBy(dataTransferChunks.firstRow);
    });
    if (!committed) return { skipped: 'the import had already ended' };
    const committedAt = new Map(committed.map((c) => [c.firstRow, c]));
    /** Only while the import is still this run's. */
    const ours = and(eq(dataTransfers.id, transfer.id), eq(dataTransfers.runId, runId)) as SQL;
    /** The record of this import's chunk that begins at row `start`. */
    const chunkAt = (start: number) =>
      and(eq(dataTransferChunks.transferId, transfer.id), eq(dataTransferChunks.firstRow, start));

    /** One chunk in its own transaction. What it adds to the caches is its own until it commits. */
    const runChunk = async (start: number, chunk: Array<Record<string, unknown>>): Promise<ChunkOutcome> => {
      const out: ChunkOutcome = {
        counts: { created: 0, updated: 0, skipped: 0, failed: 0 },
        errors: [],
        orgs: new Map(),
        keys: new Map(),
      };
      const orgs = layered(orgCache, out.orgs);
      const keys = layered(importedKeys, out.keys);
      let doneElsewhere = false;
      try {
        await withWorkspace(db, actor, async (tx) => {
          // The chunk's record, written with its rows: a run of this import after a restart skips
          // it. An earlier run of the import may still be saving the same chunk (the queue stopped
          // in this process and started again): the insert then waits for that transaction, and
          // if it committed, the chunk is done and this one leaves it.
          if (!options.dryRun) {
            const claimed = await tx
              .insert(dataTransferChunks)
              .values({ workspaceId: actor.workspaceId, transferId: transfer.id, firstRow: start, rows: chunk.length })
              .onConflictDoNothing()
              .returning({ firstRow: dataTransferChunks.firstRow });
            if (!claimed.length) {
              doneElsewhere = true;
              return;
            }
          }
          const now = clock();
          const defs = kind.customFields ? await customFieldsOf(tx, kind.resource) : [];
          const fail = (offset: number, err: AppError) => {
            const line = lineOf(start + offset);
            out.counts.failed++;
            const fields = (err.details as { fields?: FieldProblem[] } | undefined)?.fields;
            if (fields?.length) {
              for (const f of fields)
                out.errors.push({ row: line, field: f.field.replace(/^row\.?/, ''), message: f.message });
            } else out.errors.push({ row: line, message: err.message });
          };
          // Organizations named in the chunk: found (or created) in a few statements, not per row.
          const values = chunk.map((input) => ({ ...input }));
          const orgErrors = new Map<number, AppError>();
          if (ORG_LINKED.has(kind.resource)) {
            await resolveOrganizations(tx, actor, values, orgs, orgErrors, now);
          }
          const duplicates = await findDuplicates(tx, actor, kind, values, now);
          const toCreate: number[] = [];
          const toUpdate: Array<[number, string]> = [];
          const seen = new Map<string, number>();
          const laterUpdates: Array<[number, number]> = [];
          for (const [offset, v] of values.entries()) {
            const orgError = orgErrors.get(offset);
            if (orgError) {
              fail(offset, orgError);
              continue;
            }
            const key = duplicateKey(kind, v);
            const existing = key ? (duplicates.get(key) ?? keys.get(key)) : undefined;
            const earlier = key ? seen.get(key) : undefined;
            if (options.onDuplicate !== 'create' && (existing || earlier !== undefined)) {
              if (options.onDuplicate === 'skip') out.counts.skipped++;
              else if (existing) toUpdate.push([offset, existing]);
              else laterUpdates.push([offset, earlier as number]);
              continue;
            }
            if (key) seen.set(key, offset);
            toCreate.push(offset);
          }
          const created = await insertMany(
            tx,
            actor,
            kind,
            toCreate.map((o) => values[o]),
            { defs, now, prefix: () => 'row' },
          );
          const createdIds = new Map<number, string>();
          created.forEach((result, k) => {
            const offset = toCreate[k] as number;
            if (result instanceof AppError) fail(offset, result);
            else {
              out.counts.created++;
              createdIds.set(offset, result.id);
              const key = duplicateKey(kind, values[offset] as Record<string, unknown>);
              if (key) keys.set(key, result.id);
            }
          });
          for (const [offset, earlier] of laterUpdates) {
            const id = createdIds.get(earlier);
            if (id) toUpdate.push([offset, id]);
            else out.counts.skipped++;
          }
          for (const [offset, id] of toUpdate) {
            try {
              await tx.transaction((sp) => updateIn(sp, actor, kind, id, values[offset], { defs, now, prefix: 'row' }));
              out.counts.updated++;
            } catch (err) {
              if (!(err instanceof AppError)) throw err;
              fail(offset, err);
            }
          }
          if (options.dryRun) throw new DryRunRollback();
          await tx
            .update(dataTransferChunks)
            .set({
              createdRows: out.counts.created,
              updatedRows: out.counts.updated,
              skippedRows: out.counts.skipped,
              failedRows: out.counts.failed,
              errors: out.errors,
            })
            .where(chunkAt(start));
        });
      } catch (err) {
        if (!(err instanceof DryRunRollback)) throw err;
        // Records created inside a rolled-back chunk do not exist.
        out.orgs.clear();
        out.keys.clear();
      }
      if (!doneElsewhere) return out;
      const [row] = await withWorkspace(db, actor, (tx) => tx.select().from(dataTransferChunks).where(chunkAt(start)));
      if (!row) throw new Error(`chunk at row ${start} was neither saved here nor found saved`);
      return outcomeOf(row);
    };

    // What a chunk may have to find that an earlier chunk makes: an organization by name, and a
    // record by its duplicate key (unless duplicates are created anyway).
    const claimsOf = (chunk: Array<Record<string, unknown>>): Set<string> => {
      const claims = new Set<string>();
      for (const input of chunk) {
        const org = input[ORG_NAME_TARGET];
        if (typeof org === 'string' && org.trim()) claims.add(`org ${org.trim().toLowerCase()}`);
        const key = options.onDuplicate === 'create' ? null : duplicateKey(kind, input);
        if (key) claims.add(`key ${key}`);
      }
      return claims;
    };
    const overlap = (a: Set<string>, b: Set<string>) => {
      for (const claim of a) if (b.has(claim)) return true;
      return false;
    };

    // On PostgreSQL two chunks run at once, each in its own transaction on its own connection, so
    // the database works on one while the server prepares the other: the import spends most of
    // its time waiting for the database. A chunk waits for a running one whose organizations or
    // duplicate keys it shares (it must see what that one creates), and a chunk that two
    // transactions' locks caught in a deadlock runs again alone. PGlite is one connection, and
    // a dry run rolls every chunk back, so there chunks run one after another.
    // See docs/decisions.md, "An import runs two chunks at once".
    const width = db.kind === 'postgres' && !options.dryRun ? 2 : 1;
    type Running = {
      start: number;
      rows: number;
      /** The chunk's inputs (none for a chunk an earlier run committed). */
      chunk: Array<Record<string, unknown>>;
      claims: Set<string>;
      done: Promise<Settled>;
    };
    const running: Running[] = [];
    const settle = (p: Promise<ChunkOutcome>): Promise<Settled> =>
      p.then(
        (value) => ({ ok: true, value }),
        (error: unknown) => ({ ok: false, error }),
      );
    const settleAll = () => Promise.all(running.map((r) => r.done));
    const account = (rows: number, done: ChunkOutcome) => {
      for (const [k, id] of done.orgs) orgCache.set(k, id);
      for (const [k, id] of done.keys) importedKeys.set(k, id);
      counts.processedRows += rows;
      counts.createdRows += done.counts.created;
      counts.updatedRows += done.counts.updated;
      counts.skippedRows += done.counts.skipped;
      counts.failedRows += done.counts.failed;
      // The first errors by row are kept, whichever chunk finished first.
      if (done.errors.length && errors.length < MAX_ERRORS) {
        errors = [...errors, ...done.errors].sort((a, b) => a.row - b.row).slice(0, MAX_ERRORS);
      }
    };
    // Chunks are accounted in file order, whichever committed first.
    const finishOldest = async () => {
      const oldest = running.shift() as Running;
      let result = await oldest.done;
      if (!result.ok && sqlState(result.error) === DEADLOCK) {
        await settleAll();
        result = await settle(runChunk(oldest.start, oldest.chunk));
      }
      if (!result.ok) throw result.error;
      account(oldest.rows, result.value);
      // Only while the import is this run's: a run a shutdown handed back, still saving its last
      // chunk, must not write its counts over those of the run that went on.
      await withWorkspace(db, actor, (tx) =>
        tx
          .update(dataTransfers)
          .set({ ...counts, errors })
          .where(and(ours, eq(dataTransfers.status, 'running'))),
      );
      await ctx.progress({
        current: counts.processedRows,
        total,
        message: `${counts.processedRows} of ${total} rows`,
      });
    };
    try {
      for (let start = 0; start < total; ) {
        if (ctx.signal.aborted) {
          while (running.length) await finishOldest();
          throw new Error('import interrupted');
        }
        const saved = committedAt.get(start);
        if (saved) {
          inputsAt(start, start + saved.rows);
          while (running.length >= width) await finishOldest();
          const done = Promise.resolve<Settled>({ ok: true, value: outcomeOf(saved) });
          running.push({ start, rows: saved.rows, chunk: [], claims: new Set(), done });
          start += saved.rows;
          continue;
        }
        // A chunk ends where a committed one begins.
        const next = committed.find((c) => c.firstRow > start)?.firstRow ?? total;
        const chunk = inputsAt(start, Math.min(start + CHUNK, next));
        const claims = claimsOf(chunk);
        while (running.length >= width || running.some((r) => overlap(r.claims, claims))) await finishOldest();
        running.push({ start, rows: chunk.length, chunk, claims, done: settle(runChunk(start, chunk)) });
        start += chunk.length;
      }
      while (running.length) await finishOldest();
    } catch (err) {
      // A server shutting down hands the job back to the queue, and the import runs again.
      if (isShutdownAbort(ctx.signal)) throw err;
      // Otherwise the import ends here, and says so: a chunk that committed beside the failed one
      // counts, and the member sees what was saved instead of a run that never finishes.
      for (const r of running) {
        const result = await r.done;
        if (result.ok) account(r.rows, result.value);
      }
      await finish(
        {
          status: 'failed',
          ...counts,
          errors: [
            {
              row: 0,
              message: `The import stopped ${ctx.signal.aborted ? 'because it ran out of time' : 'because of an internal error'}. The rows counted as created or updated were saved; the others were not imported.`,
            },
            ...errors,
          ],
        },
        ours,
      );
      throw err;
    }
    const ended = await withWorkspace(db, actor, async (tx) => {
      const mine = await tx
        .update(dataTransfers)
        .set({ status: 'succeeded', finishedAt: clock(), content: null, ...counts, errors })
        .where(ours)
        .returning({ id: dataTransfers.id });
      // Another run took the import over: it ends it, with these chunks' records to go on from.
      if (!mine.length) return false;
      await tx.delete(dataTransferChunks).where(eq(dataTransferChunks.transferId, transfer.id));
      await recordAudit(tx, actor, {
        action: 'import.finished',
        entityType: 'import',
        entityId: transfer.id,
        metadata: { ...counts, dryRun: options.dryRun },
      });
      return true;
    });
    if (!ended) return { skipped: 'another run of the import took it over' };
    // Thousands of new rows change what the planner should expect of the table: its statistics
    // now rather than whenever autovacuum looks (never, on PGlite). The import is done either way.
    if (counts.createdRows + counts.updatedRows >= REFRESH_STATISTICS_AFTER) {
      const problem = await afterBulkWrite(db, getTableName(kind.table)).then(
        () => null,
        (err: unknown) => (err instanceof Error ? err.message : String(err)),
      );
      // Said in the job's result; autovacuum comes round to it on PostgreSQL anyway.
      if (problem) return { ...counts, statisticsNotRefreshed: problem };
    }
    return counts;
  }

  /**
   * Sets organizationId on rows naming an organization: existing ones by name (case-insensitive,
   * visible to the member) in one query, the rest created together. A name that cannot be created
   * fails its rows.
   */
  async function resolveOrganizations(
    tx: Tx,
    actor: Actor,
    rows: Array<Record<string, unknown>>,
    cache: Cache,
    errors: Map<number, AppError>,
    now: Date,
  ): Promise<void> {
    const nameOf = (row: Record<string, unknown>) => {
      const raw = row[ORG_NAME_TARGET];
      delete row[ORG_NAME_TARGET];
      return typeof raw === 'string' && raw.trim() ? raw.trim() : null;
    };
    const names = rows.map(nameOf);
    const missing = [...new Set(names.filter((n): n is string => n !== null).map((n) => n.toLowerCase()))].filter(
      (n) => !cache.has(n),
    );
    if (missing.length) {
      const found = await tx
        .select({ id: organizations.id, key: sql<string>`lower(${organizations.name})` })
        .from(organizations)
        .where(
          and(
            eq(organizations.workspaceId, actor.workspaceId),
            inArray(sql`lower(${organizations.name})`, missing),
            isNull(organizations.deletedAt),
            readableBy(actor, organizationKind, now),
          ),
        )
        .orderBy(organizations.createdAt);
      for (const f of found) if (!cache.has(f.key)) cache.set(f.key, f.id);
      const toCreate = missing.filter((n) => !cache.has(n));
      if (toCreate.length) {
        const original = new Map(names.filter((n): n is string => n !== null).map((n) => [n.toLowerCase(), n]));
        const defs = await customFieldsOf(tx, 'organizations');
        const made = await records.internal.insertMany(
          tx,
          actor,
          organizationKind,
          toCreate.map((n) => ({ name: original.get(n) })),
          { defs, now, prefix: () => 'row.organizationName' },
        );
        made.forEach((r, k) => {
          if (!(r instanceof AppError)) cache.set(toCreate[k] as string, r.id);
        });
        names.forEach((n, offset) => {
          if (!n || cache.has(n.toLowerCase())) return;
          const failed = made[toCreate.indexOf(n.toLowerCase())];
          if (failed instanceof AppError) errors.set(offset, failed);
        });
      }
    }
    names.forEach((n, offset) => {
      const id = n ? cache.get(n.toLowerCase()) : undefined;
      if (id) (rows[offset] as Record<string, unknown>).organizationId = id;
    });
  }

  /** What duplicates are found by: a contact's email, an organization's domain. */
  function duplicateKey(kind: RecordKind, values: Record<string, unknown>): string | null {
    if (kind.resource === 'contacts' && typeof values.email === 'string' && values.email) {
      return values.email.trim().toLowerCase();
    }
    if (kind.resource === 'organizations') {
      const source = (values.domain ?? values.website) as string | undefined;
      return source ? bareDomain(source) : null;
    }
    return null;
  }

  /** Existing records (visible to the member) with the rows' duplicate keys, in one query. */
  async function findDuplicates(
    tx: Tx,
    actor: Actor,
    kind: RecordKind,
    rows: Array<Record<string, unknown>>,
    now: Date,
  ): Promise<Map<string, string>> {
    const keys = [...new Set(rows.map((r) => duplicateKey(kind, r)).filter((k): k is string => k !== null))];
    const out = new Map<string, string>();
    if (!keys.length) return out;
    const table = kind.resource === 'contacts' ? contacts : organizations;
    const column = kind.resource === 'contacts' ? contacts.email : organizations.domain;
    const found = await tx
      .select({ id: table.id, key: sql<string>`lower(${column})` })
      .from(table)
      .where(
        and(
          eq(table.workspaceId, actor.workspaceId),
          inArray(sql`lower(${column})`, keys),
          isNull(table.deletedAt),
          readableBy(actor, kind, now),
        ),
      )
      .orderBy(table.createdAt);
    for (const f of found) if (!out.has(f.key)) out.set(f.key, f.id);
    return out;
  }

  // ---- exports ----

  async function startExport(
    actor: Actor,
    input: {
      objectType: string;
      format: FileFormat;
      query?: ListParams | undefined;
      vcardVersion?: '3.0' | '4.0' | undefined;
    },
  ): Promise<TransferView> {
    const kind = kindByResource(input.objectType);
    if (!kind) throw new ValidationError([{ field: 'body.objectType', message: 'is not an object type' }]);
    assertPermission(actor, `crm:${kind.resource}:export`);
    if (input.format === 'vcf' && kind.resource !== 'contacts') {
      throw new ValidationError([{ field: 'body.format', message: 'vCard exports contacts only' }]);
    }
    if (input.vcardVersion && input.format !== 'vcf') {
      throw new ValidationError([{ field: 'body.vcardVersion', message: 'goes with format vcf only' }]);
    }
    if (!actor.userId) throw new ValidationError([{ field: 'actor', message: 'exports are started by a member' }]);
    const query = { ...(input.query ?? {}) };
    delete query.cursor;
    delete query.limit;
    delete query.offset;
    // Checked now, so a bad filter is a 400 here and not a failed job later.
    await records.list(actor, kind.resource, { ...query, limit: 1 });
    const stamp = clock().toISOString().slice(0, 10);
    return withWorkspace(db, actor, async (tx) => {
      const [row] = await tx
        .insert(dataTransfers)
        .values({
          workspaceId: actor.workspaceId,
          direction: 'export',
          objectType: kind.resource,
          format: input.format,
          fileName: `${kind.resource}-${stamp}.${input.format}`,
          options: { query, ...(input.vcardVersion ? { vcardVersion: input.vcardVersion } : {}) },
          createdBy: actor.userId,
          createdAt: clock(),
        })
        .returning();
      const transfer = row as TransferRow;
      const jobId = await queueTransfer(tx, actor, exportJob, transfer.id);
      await recordAudit(tx, actor, {
        action: 'export.started',
        entityType: 'export',
        entityId: transfer.id,
        metadata: { objectType: kind.resource, format: input.format, query },
      });
      return view({ ...transfer, jobId });
    });
  }

  function cellOut(value: unknown): string {
    if (value === null || value === undefined) return '';
    if (value instanceof Date) return value.toISOString();
    if (Array.isArray(value)) return value.join('; ');
    if (typeof value === 'object') return JSON.stringify(value);
    return String(value);
  }

  async function runExport(payload: TransferJob, ctx: JobContext): Promise<Record<string, unknown>> {
    const actor = await deps.actorFor(payload, 'job');
    const [transfer] = await withWorkspace(db, { workspaceId: payload.workspaceId }, (tx) =>
      tx.select().from(dataTransfers).where(eq(dataTransfers.id, payload.transferId)),
    );
    if (!transfer) return { skipped: 'the export no longer exists' };
    const kind = kindByResource(transfer.objectType) as RecordKind;
    if (!actor || !hasPermission(actor.permissions, `crm:${kind.resource}:export`)) {
      await withWorkspace(db, { workspaceId: payload.workspaceId }, (tx) =>
        tx
          .update(dataTransfers)
          .set({
            status: 'failed',
            finishedAt: clock(),
            errors: [{ row: 0, message: 'The member who asked for this export may no longer export.' }],
          })
          .where(eq(dataTransfers.id, transfer.id)),
      );
      return { failed: 'not allowed' };
    }
    const { query, vcardVersion } = transfer.options as { query: ListParams; vcardVersion?: '3.0' | '4.0' };
    const rows: RecordRow[] = [];
    let cursor: string | undefined;
    do {
      const page = await withWorkspace(db, actor, (tx) =>
        listIn(tx, actor, kind, { ...query, cursor, limit: 1000 }, clock()),
      );
      rows.push(...page.data);
      cursor = page.page.nextCursor ?? undefined;
      await ctx.progress({ current: rows.length, total: null, message: `${rows.length} rows read` });
      if (rows.length >= MAX_EXPORT_ROWS) break;
    } while (cursor);
    let content: Buffer;
    if (transfer.format === 'vcf') {
      const orgIds = [...new Set(rows.map((r) => r.organizationId).filter(Boolean))] as string[];
      const names = new Map<string, string>();
      for (let i = 0; i < orgIds.length; i += 1000) {
        const slice = orgIds.slice(i, i + 1000);
        const found = await withWorkspace(db, actor, (tx) =>
          tx
            .select({ id: organizations.id, name: organizations.name })
            .from(organizations)
            .where(and(inArray(organizations.id, slice), readableBy(actor, organizationKind, clock()))),
        );
        for (const o of found) names.set(o.id, o.name);
      }
      content = Buffer.from(
        rows
          .map((r) =>
            formatVCard(
              {
                ...(r as unknown as Parameters<typeof formatVCard>[0]),
                organizationName: names.get(r.organizationId as string) ?? null,
              },
              vcardVersion ?? '4.0',
            ),
          )
          .join(''),
      );
    } else {
      const columns = ['id', ...Object.keys(kind.fields), 'tags', 'ownerId', 'createdAt', 'updatedAt'];
      const defs = kind.customFields ? await withWorkspace(db, actor, (tx) => customFieldsOf(tx, kind.resource)) : [];
      const table: Table = {
        headers: [...columns, ...defs.map((d) => `custom.${d.key}`)],
        rows: rows.map((r) => [
          ...columns.map((c) => cellOut(r[c])),
          ...defs.map((d) => cellOut((r.custom as Record<string, unknown>)?.[d.key])),
        ]),
      };
      content = transfer.format === 'xlsx' ? await writeXlsx(table, kind.label) : writeCsv(table);
    }
    await withWorkspace(db, actor, (tx) =>
      tx
        .update(dataTransfers)
        .set({ status: 'succeeded', content, totalRows: rows.length, processedRows: rows.length, finishedAt: clock() })
        .where(eq(dataTransfers.id, transfer.id)),
    );
    return { rows: rows.length };
  }

  // ---- reading runs ----

  async function get(actor: Actor, direction: 'import' | 'export', id: string): Promise<TransferView> {
    return withWorkspace(db, actor, async (tx) => {
      const [row] = await tx
        .select(VIEW_COLUMNS)
        .from(dataTransfers)
        .where(and(eq(dataTransfers.id, id), eq(dataTransfers.direction, direction)));
      if (!row || (row.createdBy !== actor.userId && !hasPermission(actor.permissions, 'admin:audit:read'))) {
        throw new NotFound(direction === 'import' ? 'Import' : 'Export');
      }
      return view(row);
    });
  }

  async function list(actor: Actor, direction: 'import' | 'export'): Promise<TransferView[]> {
    return withWorkspace(db, actor, async (tx) => {
      const rows = await tx
        .select(VIEW_COLUMNS)
        .from(dataTransfers)
        .where(
          and(
            eq(dataTransfers.direction, direction),
            hasPermission(actor.permissions, 'admin:audit:read')
              ? sql`true`
              : eq(dataTransfers.createdBy, actor.userId ?? ''),
          ),
        )
        .orderBy(desc(dataTransfers.createdAt))
        .limit(50);
      return rows.map(view);
    });
  }

  async function download(actor: Actor, id: string) {
    const transfer = await withWorkspace(db, actor, async (tx) => {
      const [row] = await tx
        .select()
        .from(dataTransfers)
        .where(and(eq(dataTransfers.id, id), eq(dataTransfers.direction, 'export')));
      return row;
    });
    if (!transfer || transfer.createdBy !== actor.userId) throw new NotFound('Export');
    if (transfer.status !== 'succeeded' || !transfer.content) {
      throw new ValidationError([{ field: 'id', message: 'this export is not ready yet' }]);
    }
    const contentType =
      transfer.format === 'csv'
        ? 'text/csv; charset=utf-8'
        : transfer.format === 'xlsx'
          ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
          : 'text/vcard; charset=utf-8';
    return { fileName: transfer.fileName, contentType, content: transfer.content };
  }

  /** A background job's state, for its creator (or an admin) only. */
  async function job(actor: Actor, id: string) {
    return withWorkspace(db, actor, async (tx) => {
      const [row] = await tx.select().from(jobsTable).where(eq(jobsTable.id, id));
      if (
        !row ||
        row.workspaceId !== actor.workspaceId ||
        (row.createdBy !== actor.userId && !hasPermission(actor.permissions, 'admin:audit:read'))
      ) {
        throw new NotFound('Job');
      }
      return {
        id: row.id,
        name: row.name,
        status: row.status,
        progress: row.progress,
        result: row.result,
        error: row.lastError,
        createdAt: row.createdAt,
        startedAt: row.startedAt,
        finishedAt: row.finishedAt,
      };
    });
  }

  return { preview, startImport, startExport, get, list, download, job, importTargets };
}

export type TransfersService = ReturnType<typeof createTransfersService>;
