// The floor: a bare node:http server doing the same work as Albedo's /health and /health/ready
// (the same JSON; one query on the same driver), with no framework. Albedo's figures are read
// against it. It sends the same headers as Albedo (FLOOR_HEADERS, read from a live response). Usage: node bench/floor.mjs <port> (DATA_DIR or DATABASE_URL as for the app).
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

const port = Number(process.argv[2] ?? 3901);
// The same response headers Albedo sends (security headers etc.), so both put the same bytes on the wire.
const extraHeaders = JSON.parse(process.env.FLOOR_HEADERS ?? '{}');
const startedAt = Date.now();
let query;
if (process.env.DATABASE_URL) {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
  query = async (text) => (await pool.query(text)).rows;
} else {
  const db = await PGlite.create({ dataDir: path.join(process.env.DATA_DIR, 'db') });
  query = async (text) => (await db.query(text)).rows;
}

const server = http.createServer(async (req, res) => {
  if (req.url === '/health') {
    const body = JSON.stringify({
      status: 'ok',
      version: '0.1.0',
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    });
    res.writeHead(200, {
      ...extraHeaders,
      'x-request-id': randomUUID(),
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  } else if (req.url === '/health/ready') {
    const rows = await query('select count(*)::int as n from drizzle.__drizzle_migrations');
    const body = JSON.stringify({
      status: 'ready',
      failing: [],
      checks: { database: { ok: true }, migrations: { ok: rows[0].n > 0 }, jobs: { ok: true } },
    });
    res.writeHead(200, {
      ...extraHeaders,
      'x-request-id': randomUUID(),
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  } else {
    res.writeHead(404).end();
  }
});
server.listen(port, '127.0.0.1', () => process.stdout.write(`floor listening on ${port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
