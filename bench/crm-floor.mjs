// The floor for the CRM benchmark: bare Fastify on the same driver, running the same SQL Albedo's
// contact list, get, search and create run, with no authentication, visibility predicate, RLS
// transaction, validation or audit.
// Usage: node bench/crm-floor.mjs <port> (DATA_DIR or DATABASE_URL, and BENCH_WORKSPACE).
import path from 'node:path';
import Fastify from 'fastify';
import { v7 as uuidv7 } from 'uuid';

const port = Number(process.argv[2] ?? 4001);
const workspace = process.env.BENCH_WORKSPACE;
let query;
if (process.env.DATABASE_URL) {
  const pg = (await import('pg')).default;
  // The search threshold as a connection parameter, set before the first query.
  const pool = new pg.Pool({
    connectionString: process.env.DATABASE_URL,
    max: 10,
    options: '-c pg_trgm.word_similarity_threshold=0.5',
  });
  query = async (text, params) => (await pool.query(text, params)).rows;
} else {
  const { PGlite } = await import('@electric-sql/pglite');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  const { pgcrypto } = await import('@electric-sql/pglite/contrib/pgcrypto');
  const db = await PGlite.create({ dataDir: path.join(process.env.DATA_DIR, 'db'), extensions: { pg_trgm, pgcrypto } });
  await db.query('set pg_trgm.word_similarity_threshold = 0.5');
  query = async (text, params) => (await db.query(text, params)).rows;
}

const COLS = `id, owner_id, created_by, created_at, updated_at, version, deleted_at, tags, custom, first_name, last_name,
  email, other_emails, phones, job_title, organization_id, department, lead_status, lifecycle_stage, lead_score, address,
  linkedin_url, x_handle, notes, last_contacted_at`;
const SORT = `coalesce(lower(last_name), '')`;
// Where Albedo cuts texts into search terms: white space and ASCII punctuation.
const SEPARATORS = /[\s!-/:-@[-`{-~]+/u;

const app = Fastify();
app.get('/ready', async () => ({ ok: true }));
app.get('/contacts/:id', async (req, reply) => {
  const [row] = await query(`select ${COLS} from contacts where id = $1 and deleted_at is null`, [req.params.id]);
  if (!row) return reply.status(404).send({ error: 'not found' });
  return { data: row };
});
app.get('/contacts', async (req) => {
  const q = req.query;
  const params = [workspace];
  const where = ['workspace_id = $1', 'deleted_at is null'];
  if (q['filter[lifecycleStage]']) {
    params.push(q['filter[lifecycleStage]']);
    where.push(`lifecycle_stage = $${params.length}::text`);
  }
  // Albedo's search (src/server/modules/crm/search-index.ts): each word's close terms from the
  // dictionary, the records holding one of them, each record's relevance.
  let withSql = '';
  let join = '';
  if (q.q) {
    const words = [...new Set(String(q.q).toLowerCase().split(SEPARATORS).filter(Boolean))].slice(0, 8);
    params.push(workspace);
    const ws = params.length;
    const ctes = words.map((w, i) => {
      params.push(w, `${w}%`, `%${w}%`);
      const n = params.length;
      return `__w${i} as materialized (select term, (word_similarity($${n - 2}, term) + (term like $${n - 1})::int)::float8 / 2 as s
        from search_terms where workspace_id = $${ws} and kind = 'contacts' and (term like $${n} or $${n - 2} <% term)
        order by s desc, term limit 200)`;
    });
    withSql = `with ${ctes.join(', ')} `;
    for (let i = 0; i < words.length; i++) where.push(`search_terms && (select array_agg(term) from __w${i})`);
    const scores = words.map((_, i) => `(select max(s) from __w${i} where term = any(search_terms))`);
    join = ` cross join lateral (select (${scores.join(' + ')}) / ${words.length}::float8 as __score) as __search`;
  }
  // Albedo's default order is the last changed first; `sort=lastName,firstName` is the other one measured.
  const byName = q.sort === 'lastName,firstName';
  if (q.cursor) {
    const c = JSON.parse(Buffer.from(q.cursor, 'base64url').toString());
    if (byName) {
      params.push(c.v[0], c.v[1], c.id);
      const n = params.length;
      where.push(`(${SORT}, lower(first_name), id) > ($${n - 2}::text, $${n - 1}::text, $${n}::uuid)`);
    } else {
      params.push(c.v[0], c.id);
      const n = params.length;
      where.push(`(updated_at, id) < ($${n - 1}::timestamptz, $${n}::uuid)`);
    }
  }
  const limit = Number(q.limit ?? 50);
  // The same orders Albedo uses: relevance with a search, else the requested or default order.
  const order = q.q
    ? '__search.__score desc, contacts.id desc'
    : byName
      ? `${SORT} asc, lower(first_name) asc, id asc`
      : 'updated_at desc, id desc';
  const rows = await query(
    `${withSql}select ${COLS}, ${q.q ? '__search.__score::text as s0' : byName ? `(${SORT})::text as s0, lower(first_name)::text as s1` : 'updated_at::text as s0'} from contacts${join} where ${where.join(' and ')} order by ${order} limit ${limit + 1}`,
    params,
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    data: page,
    page: {
      hasMore: rows.length > limit,
      nextCursor:
        rows.length > limit && last
          ? Buffer.from(JSON.stringify({ v: byName ? [last.s0, last.s1] : [last.s0], id: last.id })).toString(
              'base64url',
            )
          : null,
    },
  };
});
app.post('/contacts', async (req, reply) => {
  const b = req.body;
  const [owner] = await query('select owner_id from contacts where workspace_id = $1 limit 1', [workspace]);
  const [row] = await query(
    `insert into contacts (id, workspace_id, owner_id, created_by, first_name, last_name, email) values ($1, $2, $3, $3, $4, $5, $6) returning ${COLS}`,
    [uuidv7(), workspace, owner.owner_id, b.firstName, b.lastName ?? null, b.email ?? null],
  );
  return reply.status(201).send({ data: row });
});
await app.listen({ port, host: '127.0.0.1' });
// A normal exit on stop, so that a --cpu-prof run writes its profile.
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
