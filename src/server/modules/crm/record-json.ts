// A record written straight to JSON text from the row the driver read, for the HTTP responses
// that send records as they are (a page of a list, a record by id). The text says what the
// record's response schema would write for the same row (the same keys in the same order, dates
// as ISO strings with milliseconds and "Z", money as a string), without the steps in between:
// no values parsed into objects, no Date built for a date to be written again, custom fields
// passed on as PostgreSQL wrote them, no serializer walking the result. For a page of 50 contacts
// that is about a fifth of the app's CPU (docs/decisions.md, "Lists written as text").
import { is } from 'drizzle-orm';
import {
  PgArray,
  PgBoolean,
  type PgColumn,
  PgDateString,
  PgInteger,
  PgJsonb,
  PgNumeric,
  PgText,
  PgTimestamp,
  PgUUID,
} from 'drizzle-orm/pg-core';
import pg from 'pg';

/** A non-null value of one column as JSON text. */
type Write = (value: unknown) => string;

const quoted: Write = (v) => `"${v as string}"`;
const asIs: Write = (v) => v as string;
const parseTextArray = pg.types.getTypeParser(1009 as never, 'text') as (v: string) => string[]; // text[]
const parseIntArray = pg.types.getTypeParser(1007 as never, 'text') as (v: string) => number[]; // int4[]

// PostgreSQL's text for a timestamptz when the session's time zone is UTC (the usual server
// setting): written as Date.prototype.toISOString would, the fraction cut to milliseconds as a
// Date cuts it. Any other time zone takes the slower way below, with the same result.
const UTC_TIMESTAMP = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?\+00$/;

/**
 * How a column's value as PostgreSQL's text becomes JSON (the driver parses nothing for these
 * reads). The outputs are those of the schema serializer for the value the driver and drizzle
 * would have made of the same text.
 */
function textWriter(column: PgColumn): Write {
  if (is(column, PgUUID) || is(column, PgNumeric) || is(column, PgDateString)) {
    // A uuid, a number and an ISO date hold no character JSON must escape. Money stays a string.
    return quoted;
  }
  if (is(column, PgText)) return (v) => JSON.stringify(v);
  if (is(column, PgInteger)) return asIs;
  if (is(column, PgBoolean)) return (v) => (v === 't' ? 'true' : 'false');
  // jsonb's text is JSON already (custom fields, addresses): sent as the database wrote it.
  if (is(column, PgJsonb)) return asIs;
  if (is(column, PgTimestamp) && column.withTimezone) {
    return (v) => {
      const m = UTC_TIMESTAMP.exec(v as string);
      if (m) return `"${m[1]}T${m[2]}.${`${m[3] ?? ''}000`.slice(0, 3)}Z"`;
      // Any other form (another time zone, a year past 9999, BC): as drizzle reads it.
      return JSON.stringify(column.mapFromDriverValue(v as string));
    };
  }
  if (is(column, PgArray)) {
    const base = (column as { baseColumn?: PgColumn }).baseColumn;
    if (base && (is(base, PgText) || is(base, PgUUID))) {
      return (v) => (v === '{}' ? '[]' : JSON.stringify(parseTextArray(v as string)));
    }
    if (base && is(base, PgInteger)) return (v) => (v === '{}' ? '[]' : JSON.stringify(parseIntArray(v as string)));
    // Arrays of timestamps: drizzle's own reading, then JSON (a Date writes its ISO string).
    if (base && is(base, PgTimestamp)) return (v) => JSON.stringify(column.mapFromDriverValue(v as string));
  }
  // A new column type must say how it is written before a list can send it.
  throw new Error(`record-json: no JSON form for column "${column.name}" (${column.getSQLType()})`);
}

/**
 * How a value the driver already parsed (PGlite parses jsonb, arrays, numbers and booleans itself)
 * becomes JSON: the column's mapping as records are read (`mapping`, none where drizzle passes
 * the value through), then JSON.stringify.
 */
function parsedWriter(mapping: Mapping | null): Write {
  return mapping ? (v) => JSON.stringify(mapping(v)) : (v) => JSON.stringify(v);
}

export interface JsonWriter {
  /**
   * The record in `raw` (keyed by column name) as JSON text; `text` says the values are
   * PostgreSQL's text, else the driver's parsed values. With `pick`, only those keys.
   */
  write(raw: Record<string, unknown>, text: boolean, pick?: ReadonlySet<string> | null): string;
}

/** How a column's value from the driver becomes the record's (records.service.ts, driverMapping). */
export type Mapping = (value: unknown) => unknown;

/**
 * A writer for records with these output columns (key → column), in this order; `mappings` are
 * the columns' driver mappings, in the same order, for values the driver parsed.
 */
export function jsonWriter(
  columns: ReadonlyArray<readonly [string, PgColumn]>,
  mappings: ReadonlyArray<Mapping | null>,
): JsonWriter {
  const entries = columns.map(([key, column], i) => ({
    // `"key":` once, quoted as JSON.
    head: `${JSON.stringify(key)}:`,
    key,
    name: column.name,
    text: textWriter(column),
    parsed: parsedWriter(mappings[i] ?? null),
  }));
  // The whole record as one generated expression: a page of 50 records is 50 calls, not a loop
  // over 25 columns each. `w` is the writer of each column, for text or for parsed values.
  const parts = entries.map((e, i) => {
    const value = `raw[${JSON.stringify(e.name)}]`;
    return `${JSON.stringify(`${i ? ',' : '{'}${e.head}`)} + (${value} == null ? 'null' : w[${i}](${value}))`;
  });
  const whole = new Function('raw', 'w', `return ${parts.join(' + ')} + '}';`) as (
    raw: Record<string, unknown>,
    w: Write[],
  ) => string;
  const textWrites = entries.map((e) => e.text);
  const parsedWrites = entries.map((e) => e.parsed);
  return {
    write(raw, text, pick) {
      if (!pick) return whole(raw, text ? textWrites : parsedWrites);
      let out = '';
      for (const e of entries) {
        if (!pick.has(e.key)) continue;
        const v = raw[e.name];
        out += `${out ? ',' : '{'}${e.head}${v == null ? 'null' : text ? e.text(v) : e.parsed(v)}`;
      }
      return `${out}}`;
    },
  };
}
