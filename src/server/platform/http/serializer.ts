// Response serialization: each route's Zod response schema compiled once into a fast-json-stringify
// function, instead of validating and copying every response with Zod and then JSON.stringify.
import fastJson from 'fast-json-stringify';
import { serializerCompiler as zodSerializerCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';

type JsonSchema = Record<string, unknown>;
type SerializerCompiler = typeof zodSerializerCompiler;

/**
 * The output side of a Zod schema as the JSON Schema fast-json-stringify reads. It writes only
 * the declared properties (what Zod's stripping did), dates as ISO strings (what JSON.stringify
 * did), and anything without a declared shape (custom fields) with JSON.stringify.
 */
export function responseJsonSchema(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, {
    io: 'output',
    target: 'draft-7',
    unrepresentable: 'any',
    override: (ctx) => {
      if (ctx.zodSchema._zod.def.type === 'date')
        Object.assign(ctx.jsonSchema, { type: 'string', format: 'date-time' });
    },
  }) as JsonSchema;
  delete json.$schema;
  return simplify(json) as JsonSchema;
}

// `anyOf: [X, null]` (Zod's nullable) would make fast-json-stringify try each branch with a
// validator per value; `nullable: true` on X says the same and is written directly.
function simplify(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(simplify);
  if (!node || typeof node !== 'object') return node;
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(node)) out[k] = simplify(v);
  const any = out.anyOf;
  if (Array.isArray(any) && any.length === 2) {
    const isNull = (s: unknown) => (s as JsonSchema).type === 'null';
    const other = any.find((s) => !isNull(s)) as JsonSchema | undefined;
    if (other && any.some(isNull)) {
      delete out.anyOf;
      // An empty schema (anything) already allows null.
      return Object.keys(other).length === 0 ? out : { ...out, ...other, nullable: true };
    }
  }
  return out;
}

/**
 * Fastify's serializer compiler: fast-json-stringify for every response schema JSON Schema can
 * express, Zod's own serializer for any it cannot.
 */
export const serializerCompiler: SerializerCompiler = (route) => {
  const schema = route.schema as unknown;
  if (schema instanceof z.ZodType) {
    try {
      const stringify = fastJson(responseJsonSchema(schema) as never);
      return (data: unknown) => stringify(data as never);
    } catch {
      // Fall through: compiled the slower way, with the same output.
    }
  }
  return zodSerializerCompiler(route);
};
