// Tool arguments as real models write them, read as they meant them: `null` for an optional
// argument they leave out, "5" for a number, "true" for a yes/no, one value where a list is asked
// for, and a time without an offset (wall-clock time in the workspace's zone). What still does not
// fit gets a short message in the tool's own terms, never a schema dump.
import type { JSONSchema7 } from 'ai';
import type { z } from 'zod';
import { zonedDateTime } from '#server/modules/crm/record-refs.ts';

type Schema = JSONSchema7;

const types = (s: Schema): string[] => (Array.isArray(s.type) ? s.type : s.type ? [s.type] : []);

/** `value` made to fit `schema` where a model's habit explains the misfit; anything else unchanged. */
export function coerceToSchema(value: unknown, schema: Schema, timezone: string): unknown {
  const t = types(schema);
  if (typeof value === 'string') {
    const text = value.trim();
    if ((t.includes('number') || t.includes('integer')) && !t.includes('string') && /^-?\d+(\.\d+)?$/.test(text)) {
      return Number(text);
    }
    if (t.includes('boolean') && !t.includes('string') && /^(true|false)$/i.test(text)) {
      return text.toLowerCase() === 'true';
    }
    if (t.includes('string') && schema.format === 'date-time') return zonedDateTime(text, timezone);
    if (t.includes('array') && typeof schema.items === 'object' && !Array.isArray(schema.items)) {
      return [coerceToSchema(value, schema.items, timezone)];
    }
    if (t.includes('object') && text.startsWith('{')) {
      try {
        return coerceToSchema(JSON.parse(text), schema, timezone);
      } catch {
        return value;
      }
    }
    return value;
  }
  if (typeof value === 'number' && t.includes('string') && !t.includes('number')) return String(value);
  if (Array.isArray(value) && typeof schema.items === 'object' && !Array.isArray(schema.items)) {
    const items = schema.items;
    return value.map((v) => coerceToSchema(v, items, timezone));
  }
  if (value && typeof value === 'object' && !Array.isArray(value) && schema.properties) {
    const required = new Set(schema.required ?? []);
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      const prop = schema.properties[key];
      // Optional arguments sent as null mean "not given"; required ones stay, to be refused.
      if (v === null && prop && !required.has(key)) continue;
      out[key] = prop && typeof prop === 'object' ? coerceToSchema(v, prop, timezone) : v;
    }
    return out;
  }
  return value;
}

const FORMATS: Record<string, string> = {
  datetime: 'a date and time such as 2026-11-24T15:00:00+01:00',
  uuid: 'a record id from an earlier result',
  email: 'an email address',
  date: 'a date such as 2026-11-24',
};

/** One short line per problem, each naming the argument: "startAt: must be a date and time …". */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.map(String).join('.');
      const say = (m: string) => (where ? `${where}: ${m}` : m);
      switch (issue.code) {
        case 'unrecognized_keys':
          return say(`unknown argument${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`);
        case 'invalid_type':
          return say(issue.input === undefined ? 'is required' : `must be ${article(issue.expected)}`);
        case 'invalid_format':
          return say(`must be ${FORMATS[issue.format] ?? issue.format}`);
        case 'invalid_value':
          return say(`must be one of ${issue.values.map(String).join(', ')}`);
        case 'too_big':
          return say(`at most ${String(issue.maximum)}${unit(issue.origin)}`);
        case 'too_small':
          return say(
            issue.origin === 'string' && Number(issue.minimum) === 1
              ? 'must not be empty'
              : `at least ${String(issue.minimum)}${unit(issue.origin)}`,
          );
        case 'invalid_union':
          return say('has the wrong type');
        default:
          return say(issue.message.slice(0, 120));
      }
    })
    .join('; ');
}

function article(type: string): string {
  const words: Record<string, string> = {
    record: 'an object',
    object: 'an object',
    array: 'a list',
    int: 'a whole number',
    integer: 'a whole number',
  };
  return words[type] ?? `a ${type}`;
}

function unit(origin: string): string {
  return origin === 'string' ? ' characters' : origin === 'array' ? ' items' : '';
}
