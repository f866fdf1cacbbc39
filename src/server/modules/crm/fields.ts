// Field types of CRM records: one declaration per field gives its input validation (create and
// update), its response shape, how a filter value is read, and how it sorts. Record kinds are
// declared with these in kinds.ts, so every object validates, filters and sorts the same way.
import { type AnyColumn, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';

export type FieldType =
  | 'text'
  | 'longText'
  | 'email'
  | 'url'
  /** A picture: an http(s) address, or a data: URI of a PNG, JPEG, GIF or WebP image (≤ 256 KB). */
  | 'image'
  | 'phone'
  | 'enum'
  | 'int'
  | 'percent'
  | 'money'
  | 'currency'
  | 'date'
  | 'datetime'
  | 'bool'
  | 'ref'
  | 'polyRef'
  | 'userRef'
  | 'userRefs'
  | 'emails'
  | 'phones'
  | 'address'
  /** Whole minutes, e.g. reminders before an event. */
  | 'minutes'
  /** Instants (ISO 8601), e.g. occurrences removed from a series. */
  | 'datetimes'
  /** People invited to an event: member, contact or email, with their response. */
  | 'attendees';

export interface FieldDef {
  column: AnyColumn;
  type: FieldType;
  label: string;
  /** Needed on create (and may not be cleared). */
  required?: boolean;
  /** Allowed values of an enum. */
  values?: readonly string[];
  /** For `ref`: the resource it points at, e.g. `organizations`. */
  ref?: string;
  /** Maximum length of text. */
  max?: number;
  /** Set by the system (conversion links, completion times): readable, filterable, not writable. */
  readOnly?: boolean;
  /** Offered as a sort key (and indexed where lists use it). */
  sortable?: boolean;
  /** The column may be null: sorts put nulls first ascending. */
  nullable?: boolean;
}

export const PHONE = /^\+?[0-9 ().\-/x]{3,40}$/;
export const MONEY = /^-?\d{1,16}(\.\d{1,2})?$/;

const emptyToNull = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? null : value);

const address = z.strictObject({
  street: z.string().trim().max(200).optional(),
  city: z.string().trim().max(100).optional(),
  region: z.string().trim().max(100).optional(),
  postalCode: z.string().trim().max(20).optional(),
  country: z.string().trim().max(100).optional(),
});

/** The schema of one value as a client sends it (before required/nullable handling). */
export function inputSchema(field: FieldDef): z.ZodType {
  switch (field.type) {
    case 'text':
      return z
        .string()
        .trim()
        .max(field.max ?? 200, `must be at most ${field.max ?? 200} characters`);
    case 'longText':
      return z.string().max(field.max ?? 20_000, `must be at most ${field.max ?? 20_000} characters`);
    case 'email':
      return z
        .email('must be an email address')
        .max(254)
        .transform((v) => v.toLowerCase());
    case 'url':
      return z
        .url({ protocol: /^https?$/, message: 'must be a web address starting with http:// or https://' })
        .max(500);
    case 'image':
      return z
        .string()
        .trim()
        .max(350_000, 'must be an image of at most 256 KB')
        .refine(
          (v) => /^https?:\/\/\S+$/.test(v) || /^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/]+=*$/.test(v),
          'must be a web address of an image, or a data:image/… URI',
        );
    case 'phone':
      return z.string().trim().regex(PHONE, 'must be a phone number');
    case 'enum':
      return z.enum(field.values as [string, ...string[]], {
        message: `must be one of ${(field.values ?? []).join(', ')}`,
      });
    case 'int':
      return z
        .number({ message: 'must be a number' })
        .int('must be a whole number')
        .min(-1_000_000_000, 'is too small')
        .max(1_000_000_000, 'is too large');
    case 'percent':
      return z
        .number({ message: 'must be a number' })
        .int('must be a whole number')
        .min(0, 'must be from 0 to 100')
        .max(100, 'must be from 0 to 100');
    case 'money':
      return z
        .union([z.number(), z.string().trim()], { message: 'must be an amount such as 1250.50' })
        .transform((v) => String(v))
        .refine((v) => MONEY.test(v), 'must be an amount such as 1250.50');
    case 'currency':
      return z
        .string()
        .trim()
        .regex(/^[A-Za-z]{3}$/, 'must be a three-letter currency code such as USD')
        .transform((v) => v.toUpperCase());
    case 'date':
      return z.iso.date('must be a date (YYYY-MM-DD)');
    case 'datetime':
      return z.iso
        .datetime({ offset: true, message: 'must be a date and time (ISO 8601)' })
        .transform((v) => new Date(v));
    case 'bool':
      return z.boolean({ message: 'must be true or false' });
    case 'ref':
    case 'polyRef':
    case 'userRef':
      return z.uuid('must be an id');
    case 'userRefs':
      return z.array(z.uuid('must be an id')).max(50);
    case 'emails':
      return z.array(inputSchema({ ...field, type: 'email' })).max(20);
    case 'phones':
      return z.array(inputSchema({ ...field, type: 'phone' })).max(20);
    case 'address':
      return address;
    case 'minutes':
      return z.array(z.number().int().min(0).max(40_320, 'at most four weeks before')).max(10, 'at most 10 reminders');
    case 'datetimes':
      return z.array(z.iso.datetime({ offset: true, message: 'must be a date and time (ISO 8601)' })).max(1000);
    case 'attendees':
      return z
        .array(
          z.strictObject({
            email: z.email('must be an email address').max(254),
            name: z.string().trim().max(200).optional(),
            userId: z.uuid('must be an id').optional(),
            contactId: z.uuid('must be an id').optional(),
            status: z.enum(['needs-action', 'accepted', 'declined', 'tentative']).default('needs-action'),
          }),
        )
        .max(200, 'at most 200 attendees');
  }
}

/** The schema of one value in responses (for the OpenAPI document and serialisation). */
export function outputSchema(field: FieldDef): z.ZodType {
  const base = (() => {
    switch (field.type) {
      case 'int':
      case 'percent':
        return z.number();
      case 'bool':
        return z.boolean();
      case 'datetime':
        return z.date();
      case 'userRefs':
      case 'emails':
      case 'phones':
        return z.array(z.string());
      case 'minutes':
        return z.array(z.number());
      case 'datetimes':
        return z.array(z.date());
      case 'attendees':
        return z.array(
          z.object({
            email: z.string(),
            name: z.string().optional(),
            userId: z.string().optional(),
            contactId: z.string().optional(),
            status: z.string(),
          }),
        );
      case 'address':
        return z.object({
          street: z.string().optional(),
          city: z.string().optional(),
          region: z.string().optional(),
          postalCode: z.string().optional(),
          country: z.string().optional(),
        });
      default:
        return z.string();
    }
  })();
  return field.required ? base : base.nullable();
}

const ARRAY_TYPES = new Set<FieldType>(['userRefs', 'emails', 'phones', 'minutes', 'datetimes', 'attendees']);

/** A required text may not be blank. */
function requiredValue(field: FieldDef, value: z.ZodType): z.ZodType {
  if (field.type !== 'text' && field.type !== 'longText') return value;
  return z
    .string({ message: `${field.label} is required` })
    .refine((v) => v.trim().length > 0, `${field.label} is required`)
    .pipe(value as z.ZodType<unknown, string>);
}

/** Create: required fields must be present; optional ones may be null or empty (stored as null). */
export function createShape(fields: Record<string, FieldDef>): Record<string, z.ZodType> {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, field] of Object.entries(fields)) {
    if (field.readOnly) continue;
    const value = inputSchema(field);
    if (ARRAY_TYPES.has(field.type)) shape[name] = value.optional();
    else if (field.required) shape[name] = requiredValue(field, value);
    else shape[name] = z.preprocess(emptyToNull, value.nullable()).optional();
  }
  return shape;
}

/** Update: every field optional; required ones may not be cleared. */
export function updateShape(fields: Record<string, FieldDef>): Record<string, z.ZodType> {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, field] of Object.entries(fields)) {
    if (field.readOnly) continue;
    const value = inputSchema(field);
    if (ARRAY_TYPES.has(field.type)) shape[name] = value.optional();
    else if (field.required) shape[name] = requiredValue(field, value).optional();
    else shape[name] = z.preprocess(emptyToNull, value.nullable()).optional();
  }
  return shape;
}

/** SQL type a cursor or filter value is cast to when compared with this field. */
export function sqlType(field: FieldDef): string {
  switch (field.type) {
    case 'int':
    case 'percent':
      return 'int';
    case 'money':
      return 'numeric';
    case 'date':
      return 'date';
    case 'datetime':
      return 'timestamptz';
    case 'bool':
      return 'boolean';
    case 'ref':
    case 'polyRef':
    case 'userRef':
      return 'uuid';
    default:
      return 'text';
  }
}

/** The expression a field sorts by: text case-insensitively; nulls as the lowest value. */
export function sortExpression(field: FieldDef): SQL {
  const col = field.column;
  const text = ['text', 'longText', 'email', 'url', 'phone', 'enum', 'currency'].includes(field.type);
  if (!field.nullable) return text ? sql`lower(${col})` : sql`${col}`;
  if (text) return sql`coalesce(lower(${col}), '')`;
  const lowest: Record<string, string> = {
    int: "'-2147483648'::int",
    numeric: "'-Infinity'::numeric",
    date: "'-infinity'::date",
    timestamptz: "'-infinity'::timestamptz",
    uuid: "'00000000-0000-0000-0000-000000000000'::uuid",
    boolean: 'false',
  };
  return sql`coalesce(${col}, ${sql.raw(lowest[sqlType(field)] ?? "''")})`;
}

/** Reads a filter value from the query string as the field's type; throws a readable message. */
export function filterValue(field: FieldDef, raw: string): unknown {
  switch (field.type) {
    case 'int':
    case 'percent': {
      const n = Number(raw);
      if (!Number.isInteger(n)) throw new Error('must be a whole number');
      return n;
    }
    case 'money':
      if (!MONEY.test(raw)) throw new Error('must be an amount such as 1250.50');
      return raw;
    case 'date':
      if (!/^\d{4}-\d{2}-\d{2}$/.test(raw) || Number.isNaN(Date.parse(raw)))
        throw new Error('must be a date (YYYY-MM-DD)');
      return raw;
    case 'datetime': {
      const d = new Date(raw);
      if (Number.isNaN(d.getTime())) throw new Error('must be a date or date and time (ISO 8601)');
      return d.toISOString();
    }
    case 'bool':
      if (raw !== 'true' && raw !== 'false') throw new Error('must be true or false');
      return raw === 'true';
    case 'ref':
    case 'polyRef':
    case 'userRef':
    case 'userRefs':
      if (!z.uuid().safeParse(raw).success) throw new Error('must be an id');
      return raw;
    case 'enum':
      if (!field.values?.includes(raw)) throw new Error(`must be one of ${(field.values ?? []).join(', ')}`);
      return raw;
    case 'minutes':
    case 'datetimes':
    case 'attendees':
      throw new Error('cannot be filtered on');
    default:
      return raw;
  }
}
