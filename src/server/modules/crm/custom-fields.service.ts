// Custom fields: admins define extra fields per object type (text, long text, number, currency,
// date, boolean, select, multi-select, url, email, phone; required; order). Values live in each
// record's `custom` JSON and are validated here against the definitions on every write.
import { and, asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { type CustomFieldType, customFields } from '#server/db/schema/crm.ts';
import { assertPermission } from '#server/platform/access/permissions.ts';
import type { Actor } from '#server/platform/actor.ts';
import { recordAudit } from '#server/platform/audit.ts';
import type { Database, Tx } from '#server/platform/db/database.ts';
import { withWorkspace } from '#server/platform/db/tenancy.ts';
import { Conflict, type FieldProblem, NotFound, ValidationError } from '#server/platform/errors.ts';
import { MONEY, PHONE } from './fields.ts';

export type CustomFieldDef = typeof customFields.$inferSelect;

export const CUSTOM_FIELD_OBJECTS = ['contacts', 'organizations', 'leads', 'deals', 'projects', 'tasks'] as const;

/** The schema a value of this custom field must satisfy. */
export function customValueSchema(def: Pick<CustomFieldDef, 'type' | 'options'>): z.ZodType {
  switch (def.type) {
    case 'text':
      return z.string().trim().max(500, 'must be at most 500 characters');
    case 'long_text':
      return z.string().max(20_000, 'must be at most 20000 characters');
    case 'number':
      return z.number({ message: 'must be a number' }).finite();
    case 'currency':
      return z
        .union([z.number(), z.string()], { message: 'must be an amount such as 1250.50' })
        .transform(String)
        .refine((v) => MONEY.test(v), 'must be an amount such as 1250.50');
    case 'date':
      return z.iso.date('must be a date (YYYY-MM-DD)');
    case 'boolean':
      return z.boolean({ message: 'must be true or false' });
    case 'select':
      return z.string().refine((v) => def.options.includes(v), `must be one of ${def.options.join(', ')}`);
    case 'multi_select':
      return z
        .array(z.string(), { message: 'must be a list of options' })
        .refine((vs) => vs.every((v) => def.options.includes(v)), `each must be one of ${def.options.join(', ')}`);
    case 'url':
      return z.url({ protocol: /^https?$/, message: 'must be a web address starting with http:// or https://' });
    case 'email':
      return z.email('must be an email address');
    case 'phone':
      return z.string().regex(PHONE, 'must be a phone number');
  }
}

/**
 * Validates custom values against the definitions: unknown keys and bad values are field
 * problems; on create, required fields must have a value. Returns the cleaned values.
 */
export function checkCustomValues(
  defs: CustomFieldDef[],
  input: Record<string, unknown>,
  mode: 'create' | 'update',
  prefix = 'body.custom',
): { values: Record<string, unknown>; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const values: Record<string, unknown> = {};
  const byKey = new Map(defs.map((d) => [d.key, d]));
  for (const [key, value] of Object.entries(input)) {
    const def = byKey.get(key);
    if (!def) {
      problems.push({ field: `${prefix}.${key}`, message: 'is not a custom field of this object' });
      continue;
    }
    if (value === null || value === '' || (Array.isArray(value) && value.length === 0)) {
      if (def.required) problems.push({ field: `${prefix}.${key}`, message: `${def.label} is required` });
      else values[key] = null;
      continue;
    }
    const parsed = customValueSchema(def).safeParse(value);
    if (parsed.success) values[key] = parsed.data;
    else problems.push({ field: `${prefix}.${key}`, message: parsed.error.issues[0]?.message ?? 'is invalid' });
  }
  if (mode === 'create') {
    for (const def of defs) {
      if (def.required && !(def.key in input)) {
        problems.push({ field: `${prefix}.${def.key}`, message: `${def.label} is required` });
      }
    }
  }
  return { values, problems };
}

export async function customFieldsOf(tx: Tx, objectType: string): Promise<CustomFieldDef[]> {
  return tx
    .select()
    .from(customFields)
    .where(eq(customFields.objectType, objectType))
    .orderBy(asc(customFields.position), asc(customFields.createdAt));
}

const keyOf = (label: string) =>
  label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')
    .slice(0, 40) || 'field';

export interface CustomFieldInput {
  objectType: string;
  label: string;
  key?: string | undefined;
  type: CustomFieldType;
  required?: boolean | undefined;
  options?: string[] | undefined;
  position?: number | undefined;
}

export function createCustomFieldsService(deps: { db: Database; clock: () => Date }) {
  const { db, clock } = deps;

  async function list(actor: Actor, objectType?: string): Promise<CustomFieldDef[]> {
    assertPermission(actor, 'crm:*:read');
    return withWorkspace(db, actor, (tx) =>
      tx
        .select()
        .from(customFields)
        .where(objectType ? eq(customFields.objectType, objectType) : sql`true`)
        .orderBy(asc(customFields.objectType), asc(customFields.position), asc(customFields.createdAt)),
    );
  }

  function checkOptions(type: CustomFieldType, options: string[] | undefined): void {
    const needs = type === 'select' || type === 'multi_select';
    if (needs && !options?.length) {
      throw new ValidationError([{ field: 'body.options', message: 'select fields need at least one option' }]);
    }
    if (!needs && options?.length) {
      throw new ValidationError([{ field: 'body.options', message: 'only select fields have options' }]);
    }
  }

  async function create(actor: Actor, input: CustomFieldInput): Promise<CustomFieldDef> {
    assertPermission(actor, 'admin:custom_fields:manage');
    checkOptions(input.type, input.options);
    const key = input.key ?? keyOf(input.label);
    return withWorkspace(db, actor, async (tx) => {
      const [taken] = await tx
        .select({ id: customFields.id })
        .from(customFields)
        .where(and(eq(customFields.objectType, input.objectType), eq(customFields.key, key)));
      if (taken) throw new Conflict(`This object already has a custom field with the key "${key}".`);
      const existing = await customFieldsOf(tx, input.objectType);
      const [created] = await tx
        .insert(customFields)
        .values({
          workspaceId: actor.workspaceId,
          objectType: input.objectType,
          key,
          label: input.label,
          type: input.type,
          required: input.required ?? false,
          options: [...new Set(input.options ?? [])],
          position: input.position ?? existing.length,
        })
        .returning();
      const def = created as CustomFieldDef;
      await recordAudit(tx, actor, {
        action: 'custom_field.created',
        entityType: 'custom_field',
        entityId: def.id,
        metadata: { objectType: def.objectType, key, type: def.type },
      });
      return def;
    });
  }

  async function update(
    actor: Actor,
    id: string,
    input: {
      label?: string | undefined;
      required?: boolean | undefined;
      options?: string[] | undefined;
      position?: number | undefined;
    },
  ): Promise<CustomFieldDef> {
    assertPermission(actor, 'admin:custom_fields:manage');
    return withWorkspace(db, actor, async (tx) => {
      const [def] = await tx.select().from(customFields).where(eq(customFields.id, id));
      if (!def) throw new NotFound('Custom field');
      if (input.options !== undefined) checkOptions(def.type, input.options);
      const changes: Record<string, { old: unknown; new: unknown }> = {};
      for (const k of ['label', 'required', 'options', 'position'] as const) {
        if (input[k] !== undefined && JSON.stringify(input[k]) !== JSON.stringify(def[k])) {
          changes[k] = { old: def[k], new: input[k] };
        }
      }
      if (!Object.keys(changes).length) return def;
      const [updated] = await tx
        .update(customFields)
        .set({
          ...(input.label !== undefined ? { label: input.label } : {}),
          ...(input.required !== undefined ? { required: input.required } : {}),
          ...(input.options !== undefined ? { options: [...new Set(input.options)] } : {}),
          ...(input.position !== undefined ? { position: input.position } : {}),
          updatedAt: clock(),
        })
        .where(eq(customFields.id, id))
        .returning();
      await recordAudit(tx, actor, {
        action: 'custom_field.updated',
        entityType: 'custom_field',
        entityId: id,
        changes,
      });
      return updated as CustomFieldDef;
    });
  }

  /** Removes the definition; values stay in records' JSON (nothing saved is lost) but are hidden. */
  async function remove(actor: Actor, id: string): Promise<void> {
    assertPermission(actor, 'admin:custom_fields:manage');
    await withWorkspace(db, actor, async (tx) => {
      const [def] = await tx.select().from(customFields).where(eq(customFields.id, id));
      if (!def) throw new NotFound('Custom field');
      await tx.delete(customFields).where(eq(customFields.id, id));
      await recordAudit(tx, actor, {
        action: 'custom_field.deleted',
        entityType: 'custom_field',
        entityId: id,
        metadata: { objectType: def.objectType, key: def.key },
      });
    });
  }

  return { list, create, update, remove };
}

export type CustomFieldsService = ReturnType<typeof createCustomFieldsService>;
