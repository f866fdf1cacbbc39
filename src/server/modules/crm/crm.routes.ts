// HTTP for the CRM's settings and cross-object actions: pipelines, custom fields, global search
// and lead conversion.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CUSTOM_FIELD_TYPES, STAGE_KINDS } from '#server/db/schema/crm.ts';
import { actorOf, type Guards, protectedRoutes } from '#server/platform/http/authenticate.ts';
import { CUSTOM_FIELD_OBJECTS, type CustomFieldsService } from './custom-fields.service.ts';
import { RECORD_KINDS } from './kinds.ts';
import type { LeadsService } from './leads.service.ts';
import { MERGEABLE, type MergeService } from './merge.service.ts';
import type { PipelinesService } from './pipelines.service.ts';
import { recordOutputSchema } from './records.service.ts';
import type { SearchService } from './search.service.ts';
import { type ViewsService, viewInputSchema, viewQuerySchema } from './views.service.ts';

const id = z.object({ id: z.uuid({ message: 'must be an id' }) });
const stage = z.object({
  id: z.uuid().optional(),
  name: z.string().trim().min(1).max(100),
  probability: z.number().int().min(0).max(100),
  kind: z.enum(STAGE_KINDS),
});
const pipelineOut = z.object({
  id: z.uuid(),
  name: z.string(),
  isDefault: z.boolean(),
  position: z.number(),
  stages: z.array(
    z.object({
      id: z.uuid(),
      name: z.string(),
      position: z.number(),
      probability: z.number(),
      kind: z.enum(STAGE_KINDS),
    }),
  ),
});
const customFieldOut = z.object({
  id: z.uuid(),
  objectType: z.string(),
  key: z.string(),
  label: z.string(),
  type: z.enum(CUSTOM_FIELD_TYPES),
  required: z.boolean(),
  options: z.array(z.string()),
  position: z.number(),
});

export async function crmRoutes(
  app: FastifyInstance,
  deps: {
    pipelines: PipelinesService;
    customFields: CustomFieldsService;
    search: SearchService;
    leads: LeadsService;
    merge: MergeService;
    views: ViewsService;
    guards: Guards;
  },
): Promise<void> {
  await protectedRoutes(app, deps.guards, (scope) => {
    const p = scope.withTypeProvider<ZodTypeProvider>();
    const tags = ['crm'];

    const objects = RECORD_KINDS.map((k) => ({
      resource: k.resource,
      singular: k.singular,
      label: k.label,
      customFields: k.customFields,
      mergeable: (MERGEABLE as readonly string[]).includes(k.resource),
      fields: Object.entries(k.fields).map(([name, f]) => ({
        name,
        label: f.label,
        type: f.type,
        required: f.required === true,
        readOnly: f.readOnly === true,
        sortable: f.sortable === true,
        values: f.values ? [...f.values] : null,
        ref: f.ref ?? null,
      })),
    }));
    p.get(
      '/api/v1/objects',
      {
        schema: {
          tags,
          summary: 'The CRM objects and their fields (types, labels, allowed values), for building forms and tables',
          response: {
            200: z.object({
              data: z.array(
                z.object({
                  resource: z.string(),
                  singular: z.string(),
                  label: z.string(),
                  customFields: z.boolean(),
                  mergeable: z.boolean().describe('Duplicates can be merged (POST /<resource>/:id/merge)'),
                  fields: z.array(
                    z.object({
                      name: z.string(),
                      label: z.string(),
                      type: z.string(),
                      required: z.boolean(),
                      readOnly: z.boolean(),
                      sortable: z.boolean(),
                      values: z.array(z.string()).nullable(),
                      ref: z.string().nullable(),
                    }),
                  ),
                }),
              ),
            }),
          },
        },
      },
      async () => ({ data: objects }),
    );
    p.get(
      '/api/v1/pipelines',
      {
        schema: {
          tags,
          summary: 'Deal pipelines with their stages',
          response: { 200: z.object({ data: z.array(pipelineOut) }) },
        },
      },
      async (request) => ({ data: await deps.pipelines.list(actorOf(request)) }),
    );
    p.post(
      '/api/v1/pipelines',
      {
        schema: {
          tags,
          summary: 'Create a pipeline',
          body: z.object({ name: z.string().trim().min(1).max(100), stages: z.array(stage).min(1).max(30) }),
          response: { 201: z.object({ data: pipelineOut }) },
        },
      },
      async (request, reply) =>
        reply.status(201).send({ data: await deps.pipelines.create(actorOf(request), request.body) }),
    );
    p.patch(
      '/api/v1/pipelines/:id',
      {
        schema: {
          tags,
          summary: 'Rename a pipeline, make it the default, or replace its stages (keep ids to keep stages)',
          params: id,
          body: z.object({
            name: z.string().trim().min(1).max(100).optional(),
            isDefault: z.boolean().optional(),
            stages: z.array(stage).min(1).max(30).optional(),
          }),
          response: { 200: z.object({ data: pipelineOut }) },
        },
      },
      async (request) => ({ data: await deps.pipelines.update(actorOf(request), request.params.id, request.body) }),
    );

    p.get(
      '/api/v1/custom-fields',
      {
        schema: {
          tags,
          summary: 'Custom field definitions',
          querystring: z.object({ objectType: z.enum(CUSTOM_FIELD_OBJECTS).optional() }),
          response: { 200: z.object({ data: z.array(customFieldOut) }) },
        },
      },
      async (request) => ({ data: await deps.customFields.list(actorOf(request), request.query.objectType) }),
    );
    p.post(
      '/api/v1/custom-fields',
      {
        schema: {
          tags,
          summary: 'Define a custom field for an object type',
          body: z.object({
            objectType: z.enum(CUSTOM_FIELD_OBJECTS),
            label: z.string().trim().min(1).max(100),
            key: z
              .string()
              .regex(/^[a-z][a-z0-9_]{0,39}$/, 'must be lower-case letters, digits and _')
              .optional(),
            type: z.enum(CUSTOM_FIELD_TYPES),
            required: z.boolean().optional(),
            options: z.array(z.string().trim().min(1).max(100)).max(100).optional(),
            position: z.number().int().min(0).optional(),
          }),
          response: { 201: z.object({ data: customFieldOut }) },
        },
      },
      async (request, reply) =>
        reply.status(201).send({ data: await deps.customFields.create(actorOf(request), request.body) }),
    );
    p.patch(
      '/api/v1/custom-fields/:id',
      {
        schema: {
          tags,
          summary: 'Change a custom field (label, required, options, order)',
          params: id,
          body: z.object({
            label: z.string().trim().min(1).max(100).optional(),
            required: z.boolean().optional(),
            options: z.array(z.string().trim().min(1).max(100)).max(100).optional(),
            position: z.number().int().min(0).optional(),
          }),
          response: { 200: z.object({ data: customFieldOut }) },
        },
      },
      async (request) => ({ data: await deps.customFields.update(actorOf(request), request.params.id, request.body) }),
    );
    p.delete(
      '/api/v1/custom-fields/:id',
      { schema: { tags, summary: 'Remove a custom field', params: id, response: { 204: z.null() } } },
      async (request, reply) => {
        await deps.customFields.remove(actorOf(request), request.params.id);
        return reply.status(204).send(null);
      },
    );

    p.get(
      '/api/v1/search',
      {
        schema: {
          tags,
          summary: 'Search every object you can read, ranked',
          querystring: z.object({
            q: z.string().trim().min(1, 'type something to search for').max(200),
            types: z.string().optional().describe('Comma-separated resources, e.g. contacts,deals'),
            limit: z.coerce.number().int().min(1).max(50).optional(),
          }),
          response: {
            200: z.object({
              data: z.array(
                z.object({
                  resource: z.string(),
                  id: z.uuid(),
                  title: z.string(),
                  subtitle: z.string(),
                  score: z.number(),
                }),
              ),
            }),
          },
        },
      },
      async (request) => ({
        data: await deps.search.search(actorOf(request), {
          q: request.query.q,
          types: request.query.types?.split(',').map((t) => t.trim()),
          limit: request.query.limit,
        }),
      }),
    );

    const leadOut = recordOutputSchema(
      RECORD_KINDS.find((k) => k.resource === 'leads') as (typeof RECORD_KINDS)[number],
    );
    const anyRecord = z.record(z.string(), z.unknown());
    p.post(
      '/api/v1/leads/:id/convert',
      {
        schema: {
          tags,
          summary: 'Convert a lead into an organization (reused by domain), a contact and a deal, in one transaction',
          params: id,
          body: z
            .object({
              dealName: z.string().trim().min(1).max(200).optional(),
              amount: z.union([z.number(), z.string()]).optional(),
              currency: z.string().optional(),
              pipelineId: z.uuid().optional(),
              stageId: z.uuid().optional(),
              createDeal: z.boolean().optional(),
            })
            .optional(),
          response: {
            200: z.object({
              data: z.object({
                lead: leadOut,
                organization: anyRecord.nullable(),
                organizationReused: z.boolean(),
                contact: anyRecord,
                deal: anyRecord.nullable(),
              }),
            }),
          },
        },
      },
      async (request) => ({ data: await deps.leads.convert(actorOf(request), request.params.id, request.body ?? {}) }),
    );
    const viewOut = z.object({
      id: z.uuid(),
      objectType: z.string(),
      name: z.string(),
      shared: z.boolean(),
      mine: z.boolean().describe('Saved by you (only you can change it)'),
      ownerId: z.uuid(),
      query: viewQuerySchema,
      createdAt: z.date(),
      updatedAt: z.date(),
    });
    p.get(
      '/api/v1/views',
      {
        schema: {
          tags,
          summary: 'Saved views of a list: yours and the ones shared with the workspace',
          querystring: z.object({ objectType: z.string().min(1).max(50) }),
          response: { 200: z.object({ data: z.array(viewOut) }) },
        },
      },
      async (request) => ({ data: await deps.views.list(actorOf(request), request.query.objectType) }),
    );
    p.post(
      '/api/v1/views',
      {
        schema: {
          tags,
          summary: 'Save a view of a list (search, filters, sort, columns); shared: everyone in the workspace sees it',
          body: viewInputSchema,
          response: { 201: z.object({ data: viewOut }) },
        },
      },
      async (request, reply) =>
        reply.status(201).send({ data: await deps.views.create(actorOf(request), request.body) }),
    );
    p.patch(
      '/api/v1/views/:id',
      {
        schema: {
          tags,
          summary: 'Rename, share or change a view you saved',
          params: id,
          body: viewInputSchema.omit({ objectType: true }).partial(),
          response: { 200: z.object({ data: viewOut }) },
        },
      },
      async (request) => ({ data: await deps.views.update(actorOf(request), request.params.id, request.body) }),
    );
    p.delete(
      '/api/v1/views/:id',
      { schema: { tags, summary: 'Remove a view you saved', params: id, response: { 204: z.null() } } },
      async (request, reply) => {
        await deps.views.remove(actorOf(request), request.params.id);
        return reply.status(204).send(null);
      },
    );
    for (const resource of MERGEABLE) {
      const kind = RECORD_KINDS.find((k) => k.resource === resource) as (typeof RECORD_KINDS)[number];
      p.post(
        `/api/v1/${resource}/:id/merge`,
        {
          schema: {
            tags,
            summary: `Merge another ${kind.singular} into this one`,
            description: `Keeps this ${kind.singular}: each field gets the value \`keep\` names (\`target\`, this one, or \`source\`), or this one's, or the other's where this one has none; emails, phones and tags keep both. The other ${kind.singular}'s notes, tasks, events, deals, shares and links move here, and it goes to the trash. One transaction, audited as ${kind.singular}.merged.`,
            params: id,
            body: z.strictObject({
              sourceId: z.uuid({ message: 'must be an id' }).describe(`The ${kind.singular} merged into this one`),
              keep: z
                .record(z.string(), z.enum(['target', 'source']))
                .optional()
                .describe('Per field (custom fields as custom.<key>), whose value to keep'),
            }),
            response: {
              200: z.object({
                data: recordOutputSchema(kind),
                moved: z.record(z.string(), z.number()).describe('How many linked records of each kind moved'),
              }),
            },
          },
        },
        async (request) => deps.merge.merge(actorOf(request), resource, request.params.id, request.body),
      );
    }
  });
}
