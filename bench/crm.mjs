// `npm run bench:crm` (also run by `npm run bench`): the CRM under load. Seeds 100,000 contacts
// in one workspace among 10, then measures get by id, a filtered sorted first page, a deep cursor
// page, full-text search, create, bulk create of 1,000 and a CSV import of 100,000 rows, on the
// embedded database and (with BENCH_DATABASE_URL) on PostgreSQL. Beside Albedo runs the floor: a
// bare Fastify + driver server running the same SQL with no auth, visibility, RLS or audit.
// At the fixed rate it measures twice: autocannon's `overallRate` (the target's definition, sent in
// per-second bursts) and an even open-loop load (lib.mjs openLoop). Prints figures; asserts nothing.
// BENCH_SERVER_STDOUT=1 shows what the servers print.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { v7 as uuidv7 } from 'uuid';
import {
  cpuMs,
  freePort,
  machineSpeedMs,
  openLoop,
  percentile,
  postgresCpu,
  postgresCpuSince,
  rssMb,
  sleep,
  spawnNode,
  stop,
  waitFor200,
} from './lib.mjs';

const DURATION = Number(process.env.BENCH_DURATION ?? 8);
const SATURATION = 32;
const FIXED_RATE = 300;
const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 100_000);
const OTHER_WORKSPACES = 9;
const OTHER_CONTACTS = Number(process.env.BENCH_OTHER_CONTACTS ?? 2_000);
const IMPORT_ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 100_000);
const PG_URL = process.env.BENCH_DATABASE_URL;
// For working on one figure: BENCH_CASES=get,search measures only the cases whose names contain
// one of the words; BENCH_SKIP_IMPORT=1 leaves out bulk create and the import.
const ONLY = process.env.BENCH_CASES?.split(',').filter(Boolean);
// BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server and the floor (each
// profile is named by its process id, printed with the figures).
const NODE_ARGS = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : [];
const wanted = (name) => !ONLY || ONLY.some((w) => name.includes(w));
const MASTER_KEY = Buffer.alloc(32, 9).toString('base64');
const PASSWORD = 'bench-harbour-lantern-7';

// ---- data ----

const FIRST = [
  'Ava',
  'Liam',
  'Mia',
  'Noah',
  'Zoe',
  'Ethan',
  'Isla',
  'Lucas',
  'Aria',
  'Mateo',
  'Nora',
  'Kai',
  'Leila',
  'Omar',
  'Sofia',
  'Jonas',
  'Priya',
  'Chen',
  'Hana',
  'Felix',
];
const SYLLABLES = [
  'ka',
  'lo',
  'vin',
  'ber',
  'ton',
  'mar',
  'sel',
  'dri',
  'ko',
  'wal',
  'ski',
  'ner',
  'fa',
  'ro',
  'li',
  'gan',
  'ste',
  'mu',
  'hol',
  'den',
];
const STAGES = ['subscriber', 'lead', 'mql', 'sql', 'opportunity', 'customer'];
function person(i) {
  const s = (n) => SYLLABLES[(i * 7 + n * 13 + Math.floor(i / (n + 3))) % SYLLABLES.length];
  const last = `${s(1)}${s(2)}${s(3)}`;
  const lastName = last[0].toUpperCase() + last.slice(1);
  const firstName = FIRST[i % FIRST.length];
  return {
    firstName,
    lastName,
    email: `${firstName}.${lastName}.${i}@bench.example`.toLowerCase(),
    stage: STAGES[i % STAGES.length],
    score: i % 100,
  };
}

/** Inserts contacts straight into the table in batches (the seed is not what is measured). */
async function seedContacts(query, workspaceId, ownerId, count, offset = 0) {
  const BATCH = 5000;
  const base = Date.now() - count * 1000;
  for (let start = 0; start < count; start += BATCH) {
    const cols = { id: [], first: [], last: [], email: [], stage: [], score: [], at: [] };
    for (let i = start; i < Math.min(count, start + BATCH); i++) {
      const p = person(i + offset);
      cols.id.push(uuidv7());
      cols.first.push(p.firstName);
      cols.last.push(p.lastName);
      cols.email.push(p.email);
      cols.stage.push(p.stage);
      cols.score.push(p.score);
      cols.at.push(new Date(base + i * 1000).toISOString());
    }
    await query(
      `insert into contacts (id, workspace_id, owner_id, created_by, first_name, last_name, email, lifecycle_stage, lead_score, created_at, updated_at)
       select id, $1, $2, $2, f, l, e, s, sc, at, at
         from unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::timestamptz[]) as t(id, f, l, e, s, sc, at)`,
      [workspaceId, ownerId, cols.id, cols.first, cols.last, cols.email, cols.stage, cols.score, cols.at],
    );
  }
}

async function dbClient(env) {
  if (env.DATABASE_URL) {
    const pg = (await import('pg')).default;
    const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2 });
    return { query: async (t, p) => (await pool.query(t, p)).rows, close: () => pool.end() };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  const { pgcrypto } = await import('@electric-sql/pglite/contrib/pgcrypto');
  const db = await PGlite.create({ dataDir: path.join(env.DATA_DIR, 'db'), extensions: { pg_trgm, pgcrypto } });
  return { query: async (t, p) => (await db.query(t, p)).rows, close: () => db.close() };
}

// ---- measuring ----

/**
 * A warm-up, then DURATION seconds of load. With `server` (the pid of the server under load),
 * also the CPU each response cost the server and the database (PostgreSQL's processes, when it
 * runs; PGlite's work is the server's own): on this shared machine req/s moves with the load
 * next door, CPU per request much less.
 */
async function load(opts, server) {
  await autocannon({ ...opts, duration: 2 });
  const latencies = [];
  const cpuBefore = server ? cpuMs(server) : 0;
  const dbBefore = PG_URL ? postgresCpu() : null;
  const instance = autocannon({ ...opts, duration: DURATION });
  instance.on('response', (_c, _s, _b, t) => latencies.push(t));
  const result = await instance;
  const perResponse = (ms) => (1000 * ms) / Math.max(1, latencies.length);
  const cpu = server
    ? { app: perResponse(cpuMs(server) - cpuBefore), db: dbBefore ? perResponse(postgresCpuSince(dbBefore)) : 0 }
    : null;
  latencies.sort((a, b) => a - b);
  return {
    cpu,
    rps: result.requests.average,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    errors: result.errors + result.non2xx,
  };
}

/**
 * The same requests as an open-loop load of FIXED_RATE a second for DURATION seconds (lib.mjs
 * openLoop): the latency a request meets when they arrive evenly spaced, as users' do, rather than
 * in autocannon's per-second bursts. Only below capacity: above it an open loop's queue grows
 * without end, and its latencies measure the run's length.
 */
async function evenLoad(opts, capacity) {
  if (capacity < FIXED_RATE * 1.1) return null;
  const url = new URL(opts.url);
  const [template] = opts.requests ?? [];
  const request = template
    ? () => template.setupRequest({ method: template.method })
    : () => ({ path: url.pathname + url.search, headers: opts.headers });
  const { latencies, maxInFlight, errors } = await openLoop({
    origin: url.origin,
    request,
    rate: FIXED_RATE,
    seconds: DURATION,
  });
  return {
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    maxInFlight,
    errors,
  };
}

/** Requests that each pick a random id: get by id must not be one cached row. */
function randomIdRequests(base, ids, headers) {
  return [
    {
      method: 'GET',
      setupRequest: (req) => ({ ...req, path: `${base}/${ids[Math.floor(Math.random() * ids.length)]}`, headers }),
    },
  ];
}

function createRequests(path, headers) {
  let n = 0;
  return [
    {
      method: 'POST',
      setupRequest: (req) => ({
        ...req,
        path,
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({
          firstName: 'Load',
          lastName: `Test${n++}`,
          email: `load.${Date.now()}.${n}@bench.example`,
        }),
      }),
    },
  ];
}

async function section(label, env) {
  const speedBefore = machineSpeedMs();
  const port = await freePort();
  const floorPort = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // Start once to migrate and create the workspaces.
  let app = spawnNode([...NODE_ARGS, 'dist/server/main.js'], { ...env, PORT: String(port) });
  await waitFor200(`${base}/health/ready`, app);
  const owners = [];
  for (let w = 0; w <= OTHER_WORKSPACES; w++) {
    const res = await fetch(`${base}/api/v1/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: `bench-${w}-${Date.now()}@example.com`,
        password: PASSWORD,
        name: `Bench ${w}`,
        workspaceName: `Bench ${w}`,
      }),
    });
    owners.push((await res.json()).data);
  }
  if (!env.DATABASE_URL) await stop(app); // PGlite: one process at a time
  const t0 = performance.now();
  const db = await dbClient(env);
  await seedContacts(db.query, owners[0].workspace.id, owners[0].user.id, CONTACTS);
  for (let w = 1; w <= OTHER_WORKSPACES; w++) {
    await seedContacts(
      db.query,
      owners[w].workspace.id,
      owners[w].user.id,
      OTHER_CONTACTS,
      CONTACTS + w * OTHER_CONTACTS,
    );
  }
  // The state autovacuum leaves a bulk load in within a minute or so: statistics, and the GIN
  // indexes' pending lists merged (until then every search scans them).
  await db.query('vacuum analyze');
  // And the bulk load's dirty pages written out now: otherwise the checkpoint that follows it
  // (spread over minutes) writes them during the measurements. Needs a superuser or, from
  // PostgreSQL 15, pg_checkpoint; PGlite has no checkpointer to wait for.
  if (env.DATABASE_URL) await db.query('checkpoint').catch((err) => console.warn(`no checkpoint: ${err.message}`));
  const ids = (
    await db.query('select id from contacts where workspace_id = $1 order by random() limit 2000', [
      owners[0].workspace.id,
    ])
  ).map((r) => r.id);
  await db.close();
  const seedSeconds = (performance.now() - t0) / 1000;

  let floorEnv = env;
  let floorDir;
  if (!env.DATABASE_URL) {
    floorDir = mkdtempSync(path.join(tmpdir(), 'albedo-bench-crm-floor-'));
    cpSync(env.DATA_DIR, floorDir, { recursive: true });
    floorEnv = { ...env, DATA_DIR: floorDir };
    app = spawnNode([...NODE_ARGS, 'dist/server/main.js'], { ...env, PORT: String(port) });
    await waitFor200(`${base}/health/ready`, app);
  }
  const floor = spawnNode([...NODE_ARGS, 'bench/crm-floor.mjs', String(floorPort)], {
    ...floorEnv,
    BENCH_WORKSPACE: owners[0].workspace.id,
  });
  await waitFor200(`http://127.0.0.1:${floorPort}/ready`, floor);
  const floorBase = `http://127.0.0.1:${floorPort}`;
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: owners[0].user.email, password: PASSWORD }),
  });
  const headers = { authorization: `Bearer ${(await login.json()).data.accessToken}` };

  // A cursor half-way through the list in its default order (last changed first), reached by
  // walking pages of 200. (Sorting by a nullable text column such as last name cannot seek under
  // RLS: see docs/decisions.md.)
  const listQuery = 'sort=lastName,firstName&limit=50';
  const deepQuery = 'limit=50';
  let cursor = null;
  for (let i = 0; i < Math.floor(CONTACTS / 2 / 200); i++) {
    const page = await (
      await fetch(`${base}/api/v1/contacts?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, {
        headers,
      })
    ).json();
    cursor = page.page.nextCursor;
  }
  const deepCursor = encodeURIComponent(cursor);
  const deepFloor = encodeURIComponent(
    Buffer.from(JSON.stringify(JSON.parse(Buffer.from(cursor, 'base64url').toString()))).toString('base64url'),
  );

  const cases = [
    [
      'get by id',
      (b, h) => ({ url: b, requests: randomIdRequests(b === base ? '/api/v1/contacts' : '/contacts', ids, h) }),
    ],
    [
      'first page (filtered, sorted)',
      (b, h) => ({
        url: `${b}${b === base ? '/api/v1' : ''}/contacts?filter[lifecycleStage]=customer&${listQuery}`,
        headers: h,
      }),
    ],
    [
      `deep cursor page (row ${(CONTACTS / 2).toLocaleString()})`,
      (b, h) => ({
        url: `${b}${b === base ? '/api/v1' : ''}/contacts?${deepQuery}&cursor=${b === base ? deepCursor : deepFloor}`,
        headers: h,
      }),
    ],
    [
      'full-text search',
      (b, h) => ({ url: `${b}${b === base ? '/api/v1' : ''}/contacts?q=kalovin&limit=20`, headers: h }),
    ],
  ];
  const rows = [];
  for (const [name, make] of cases.filter(([name]) => wanted(name))) {
    const albedoSat = await load({ ...make(base, headers), connections: SATURATION }, app.pid);
    const floorSat = await load({ ...make(floorBase, {}), connections: SATURATION }, floor.pid);
    const albedoFixed = await load({ ...make(base, headers), connections: 8, overallRate: FIXED_RATE });
    // The floor at the same offered load: what latency this machine gives the bare SQL.
    const floorFixed = await load({ ...make(floorBase, {}), connections: 8, overallRate: FIXED_RATE });
    const albedoEven = await evenLoad(make(base, headers), albedoSat.rps);
    const floorEven = await evenLoad(make(floorBase, {}), floorSat.rps);
    rows.push({ name, albedoSat, floorSat, albedoFixed, floorFixed, albedoEven, floorEven });
  }
  if (wanted('create')) {
    const createSat = await load(
      { url: base, requests: createRequests('/api/v1/contacts', headers), connections: SATURATION },
      app.pid,
    );
    const floorCreate = await load(
      { url: floorBase, requests: createRequests('/contacts', {}), connections: SATURATION },
      floor.pid,
    );
    const createFixed = await load({
      url: base,
      requests: createRequests('/api/v1/contacts', headers),
      connections: 8,
      overallRate: FIXED_RATE,
    });
    const createEven = await evenLoad(
      { url: base, requests: createRequests('/api/v1/contacts', headers) },
      createSat.rps,
    );
    rows.push({
      name: 'create',
      albedoSat: createSat,
      floorSat: floorCreate,
      albedoFixed: createFixed,
      albedoEven: createEven,
    });
  }

  const bulkTimes = [];
  let imported;
  let importSeconds = 0;
  const searchAfterImport = [];
  let peakRss = rssMb(app.pid);
  if (!process.env.BENCH_SKIP_IMPORT) {
    for (let i = 0; i < 5; i++) {
      const items = Array.from({ length: 1000 }, (_, k) => ({
        firstName: 'Bulk',
        lastName: `B${i}-${k}`,
        email: `bulk.${i}.${k}.${Date.now()}@bench.example`,
      }));
      const t = performance.now();
      const res = await fetch(`${base}/api/v1/contacts/bulk`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ items }),
      });
      await res.arrayBuffer();
      bulkTimes.push(performance.now() - t);
    }
    bulkTimes.sort((a, b) => a - b);

    // CSV import of IMPORT_ROWS new contacts through the real upload, job and record service.
    const csv = ['First Name,Last Name,Email,Job Title'];
    for (let i = 0; i < IMPORT_ROWS; i++) {
      const p = person(10_000_000 + i);
      csv.push(`${p.firstName},${p.lastName},import.${i}.${p.email},Engineer`);
    }
    const form = new FormData();
    form.set('objectType', 'contacts');
    form.set('file', new Blob([csv.join('\n')], { type: 'text/csv' }), 'bench.csv');
    const tImport = performance.now();
    const started = await (await fetch(`${base}/api/v1/imports`, { method: 'POST', headers, body: form })).json();
    for (;;) {
      await sleep(500);
      peakRss = Math.max(peakRss, rssMb(app.pid));
      imported = (await (await fetch(`${base}/api/v1/imports/${started.data.id}`, { headers })).json()).data;
      if (imported.status === 'succeeded' || imported.status === 'failed') break;
    }
    importSeconds = (performance.now() - tImport) / 1000;
    // The same search right after the import, one at a time: what the import left in the search
    // indexes (PostgreSQL's GIN pending lists) shows here, not in the runs before it.
    for (let i = 0; i < 100; i++) {
      const t = performance.now();
      const res = await fetch(`${base}/api/v1/contacts?q=kalovin&limit=20`, { headers });
      await res.arrayBuffer();
      searchAfterImport.push(performance.now() - t);
    }
    searchAfterImport.sort((a, b) => a - b);
  }
  const rss = rssMb(app.pid);
  await stop(app);
  const speedAfter = machineSpeedMs();
  await stop(floor);
  if (floorDir) rmSync(floorDir, { recursive: true, force: true });

  console.log(
    `\n${label}: ${CONTACTS.toLocaleString()} contacts in the measured workspace, ${OTHER_WORKSPACES} other workspaces of ${OTHER_CONTACTS.toLocaleString()} (seeded in ${seedSeconds.toFixed(1)} s)`,
  );
  console.log(
    `| operation | Albedo req/s @${SATURATION} conn | floor req/s | Albedo / floor | Albedo p50 / p95 / p99 ms @${FIXED_RATE} req/s | floor p50 / p95 / p99 ms @${FIXED_RATE} req/s | CPU µs/request, server + db: Albedo / floor | errors |`,
  );
  console.log('| --- | ---: | ---: | ---: | --- | --- | --- | ---: |');
  const cpu = (c) => (c ? `${Math.round(c.app)} + ${Math.round(c.db)}` : '—');
  const ms = (f) => `${f.p50.toFixed(1)} / ${f.p95.toFixed(1)} / ${f.p99.toFixed(1)}`;
  for (const r of rows) {
    const f = r.albedoFixed;
    const floorLatency = r.floorFixed ? ms(r.floorFixed) : '—';
    console.log(
      `| ${r.name} | ${Math.round(r.albedoSat.rps)} | ${Math.round(r.floorSat.rps)} | ${Math.round((100 * r.albedoSat.rps) / r.floorSat.rps)}% | ${ms(f)} (${Math.round(f.rps)} req/s served) | ${floorLatency} | ${cpu(r.albedoSat.cpu)} / ${cpu(r.floorSat.cpu)} | ${r.albedoSat.errors + f.errors} |`,
    );
  }
  console.log(
    `\nThe same requests arriving evenly, ${FIXED_RATE} a second (open loop, latency from when each was due; "over capacity" where saturation served under ${Math.round(FIXED_RATE * 1.1)} req/s):`,
  );
  console.log(
    '| operation | Albedo p50 / p95 / p99 ms | floor p50 / p95 / p99 ms | most in flight, Albedo / floor | errors |',
  );
  console.log('| --- | --- | --- | --- | ---: |');
  // null: over capacity; undefined: not measured (the floor's create).
  const even = (e) => (e ? ms(e) : 'over capacity');
  for (const r of rows) {
    const inFlight = (e) => (e ? e.maxInFlight : '—');
    console.log(
      `| ${r.name} | ${even(r.albedoEven)} | ${r.floorEven === undefined ? '—' : even(r.floorEven)} | ${inFlight(r.albedoEven)} / ${inFlight(r.floorEven)} | ${(r.albedoEven?.errors ?? 0) + (r.floorEven?.errors ?? 0)} |`,
    );
  }
  if (imported) {
    console.log(
      `\nBulk create of 1,000 contacts (5 calls): median ${Math.round(bulkTimes[2])} ms (${Math.round(1000 / (bulkTimes[2] / 1000))} rows/s), best ${Math.round(bulkTimes[0])} ms`,
    );
    console.log(
      `CSV import of ${IMPORT_ROWS.toLocaleString()} rows: ${importSeconds.toFixed(1)} s end to end = ${Math.round(IMPORT_ROWS / importSeconds)} rows/s (${imported.createdRows} created, ${imported.failedRows} failed, status ${imported.status})`,
    );
  }
  if (searchAfterImport.length) {
    const q = (p) => percentile(searchAfterImport, p).toFixed(1);
    console.log(`Search right after the import, one at a time: p50 ${q(50)} / p95 ${q(95)} / p99 ${q(99)} ms`);
  }
  console.log(`Albedo RSS after the run ${rss} MB; peak during the import ${peakRss} MB`);
  if (NODE_ARGS.length) console.log(`Process ids: Albedo ${app.pid}, floor ${floor.pid}`);
  console.log(
    `Machine speed (bench/lib.mjs machineSpeedMs, lower is faster): ${speedBefore} ms before, ${speedAfter} ms after`,
  );
}

console.log(`Albedo CRM benchmark on ${process.version}, ${(await import('node:os')).cpus().length} cores`);
const dir = mkdtempSync(path.join(tmpdir(), 'albedo-bench-crm-'));
if (!process.env.BENCH_SKIP_PGLITE) await section('Embedded database (PGlite)', { DATA_DIR: dir });
rmSync(dir, { recursive: true, force: true });
if (PG_URL) await section('PostgreSQL', { DATABASE_URL: PG_URL, APP_MASTER_KEY: MASTER_KEY, DATA_DIR: tmpdir() });
else console.log('\n(set BENCH_DATABASE_URL=postgres://... to measure PostgreSQL mode too)');
