// HTTP for imports (multipart upload → preview, or a job with progress), exports (a job, then a
// download), and the state of any background job the caller started.
import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ValidationError } from '#server/platform/errors.ts';
import { actorOf, type Guards, protectedRoutes } from '#server/platform/http/authenticate.ts';
import { MAX_UPLOAD_BYTES, readUpload } from '#server/platform/http/upload.ts';
import { parseListQuery } from './query.ts';
import { DUPLICATE_CHOICES, type TransfersService } from './transfers.service.ts';

const id = z.object({ id: z.uuid({ message: 'must be an id' }) });
const transferOut = z.object({
  id: z.uuid(),
  direction: z.enum(['import', 'export']),
  objectType: z.string(),
  format: z.string(),
  fileName: z.string(),
  options: z.record(z.string(), z.unknown()),
  status: z.string(),
  jobId: z.uuid().nullable(),
  totalRows: z.number().nullable(),
  processedRows: z.number(),
  createdRows: z.number(),
  updatedRows: z.number(),
  skippedRows: z.number(),
  failedRows: z.number(),
  errors: z.array(z.object({ row: z.number(), field: z.string().optional(), message: z.string() })),
  createdBy: z.uuid().nullable(),
  createdAt: z.date(),
  finishedAt: z.date().nullable(),
  downloadUrl: z.string().nullable(),
});
const multipartDoc =
  'multipart/form-data with `file` (.csv, .xlsx or .vcf), `objectType`, and for imports optionally `mapping` (JSON: column → field), `dryRun` (true/false) and `onDuplicate` (skip, update, create).';

export async function transferRoutes(
  app: FastifyInstance,
  deps: { transfers: TransfersService; guards: Guards },
): Promise<void> {
  const { transfers } = deps;
  await app.register(fastifyMultipart, { limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 10 } });
  await protectedRoutes(app, deps.guards, (scope) => {
    const p = scope.withTypeProvider<ZodTypeProvider>();
    const tags = ['crm'];
    p.post(
      '/api/v1/imports/preview',
      {
        schema: {
          tags,
          summary: 'Read an import file: its columns, a sample, the row count and a suggested mapping',
          description: multipartDoc,
        },
      },
      async (request) => {
        const { file, fields } = await readUpload(request);
        return {
          data: await transfers.preview(actorOf(request), {
            objectType: fields.objectType ?? '',
            fileName: file.fileName,
            content: file.content,
          }),
        };
      },
    );
    p.post(
      '/api/v1/imports',
      {
        schema: {
          tags,
          summary: 'Import records from a file, as a job (dry run available); follow it with GET /imports/:id',
          description: multipartDoc,
          response: { 202: z.object({ data: transferOut }) },
        },
      },
      async (request, reply) => {
        const { file, fields } = await readUpload(request);
        let mapping: Record<string, string> | undefined;
        if (fields.mapping) {
          try {
            mapping = z.record(z.string(), z.string()).parse(JSON.parse(fields.mapping));
          } catch {
            throw new ValidationError([{ field: 'mapping', message: 'must be a JSON object of column → field' }]);
          }
        }
        const onDuplicate = fields.onDuplicate ?? 'skip';
        if (!(DUPLICATE_CHOICES as readonly string[]).includes(onDuplicate)) {
          throw new ValidationError([
            { field: 'onDuplicate', message: `must be one of ${DUPLICATE_CHOICES.join(', ')}` },
          ]);
        }
        const transfer = await transfers.startImport(actorOf(request), {
          objectType: fields.objectType ?? '',
          fileName: file.fileName,
          content: file.content,
          mapping,
          dryRun: fields.dryRun === 'true',
          onDuplicate: onDuplicate as (typeof DUPLICATE_CHOICES)[number],
        });
        return reply.status(202).send({ data: transfer });
      },
    );
    p.get(
      '/api/v1/imports',
      { schema: { tags, summary: 'Recent imports', response: { 200: z.object({ data: z.array(transferOut) }) } } },
      async (request) => ({ data: await transfers.list(actorOf(request), 'import') }),
    );
    p.get(
      '/api/v1/imports/:id',
      {
        schema: {
          tags,
          summary: 'An import: status, progress, counts and per-row errors',
          params: id,
          response: { 200: z.object({ data: transferOut }) },
        },
      },
      async (request) => ({ data: await transfers.get(actorOf(request), 'import', request.params.id) }),
    );
    p.post(
      '/api/v1/exports',
      {
        schema: {
          tags,
          summary: 'Export a filtered list (same filters as the list) to CSV, XLSX or vCard, as a job',
          body: z.object({
            objectType: z.string(),
            format: z.enum(['csv', 'xlsx', 'vcf']),
            query: z
              .record(z.string(), z.string())
              .optional()
              .describe('The list query, e.g. { "filter[status]": "new", "sort": "-updatedAt" }'),
            vcardVersion: z
              .enum(['3.0', '4.0'])
              .optional()
              .describe('With format vcf: 4.0 (RFC 6350, the default) or 3.0 for older clients'),
          }),
          response: { 202: z.object({ data: transferOut }) },
        },
      },
      async (request, reply) => {
        const query = parseListQuery(request.body.query ?? {});
        const transfer = await transfers.startExport(actorOf(request), { ...request.body, query });
        return reply.status(202).send({ data: transfer });
      },
    );
    p.get(
      '/api/v1/exports',
      { schema: { tags, summary: 'Recent exports', response: { 200: z.object({ data: z.array(transferOut) }) } } },
      async (request) => ({ data: await transfers.list(actorOf(request), 'export') }),
    );
    p.get(
      '/api/v1/exports/:id',
      {
        schema: {
          tags,
          summary: 'An export and its download link when ready',
          params: id,
          response: { 200: z.object({ data: transferOut }) },
        },
      },
      async (request) => ({ data: await transfers.get(actorOf(request), 'export', request.params.id) }),
    );
    p.get(
      '/api/v1/exports/:id/download',
      { schema: { tags, summary: 'Download a finished export', params: id } },
      async (request, reply) => {
        const file = await transfers.download(actorOf(request), request.params.id);
        return reply
          .header('content-type', file.contentType)
          .header('content-disposition', `attachment; filename="${file.fileName.replace(/[^\w.-]/g, '_')}"`)
          .send(file.content);
      },
    );
    p.get(
      '/api/v1/jobs/:id',
      {
        schema: {
          tags: ['operations'],
          summary: 'A background job you started: status, progress, result',
          params: id,
          response: {
            200: z.object({
              data: z.object({
                id: z.uuid(),
                name: z.string(),
                status: z.string(),
                progress: z
                  .object({ current: z.number(), total: z.number().nullable(), message: z.string().optional() })
                  .nullable(),
                result: z.unknown(),
                error: z.string().nullable(),
                createdAt: z.date(),
                startedAt: z.date().nullable(),
                finishedAt: z.date().nullable(),
              }),
            }),
          },
        },
      },
      async (request) => ({ data: await transfers.job(actorOf(request), request.params.id) }),
    );
  });
}
