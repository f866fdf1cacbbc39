// `npm run bench`: start-up time and idle memory, then throughput and latency of /health and a
// database read (/health/ready) against the bare node:http floor, on the embedded database and,
// when BENCH_DATABASE_URL is set, on PostgreSQL. Prints figures; asserts nothing.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { freePort, percentile, rssMb, sleep, spawnNode, stop, waitFor200 } from './lib.mjs';

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const STARTS = Number(process.env.BENCH_STARTS ?? 5);
const PG_URL = process.env.BENCH_DATABASE_URL;
const MASTER_KEY = Buffer.alloc(32, 9).toString('base64');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Time from spawn to the first 200 from /health, and idle RSS two seconds later. */
async function startOnce(env) {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawnNode(['dist/server/main.js'], { ...env, PORT: String(port) });
  await waitFor200(`http://127.0.0.1:${port}/health`, child);
  const ms = performance.now() - t0;
  await sleep(2000);
  const rss = rssMb(child.pid);
  await stop(child);
  return { ms, rss };
}

async function startupSection() {
  const rows = [];
  const first = [];
  const reopen = [];
  for (let i = 0; i < STARTS; i++) {
    const dir = mkdtempSync(path.join(tmpdir(), 'albedo-bench-start-'));
    first.push(await startOnce({ DATA_DIR: dir }));
    reopen.push(await startOnce({ DATA_DIR: dir }));
    rmSync(dir, { recursive: true, force: true });
  }
  rows.push(['embedded, first run (initdb + migrations)', first]);
  rows.push(['embedded, reopened data directory', reopen]);
  if (PG_URL) {
    const pgRuns = [];
    for (let i = 0; i < STARTS; i++) {
      pgRuns.push(await startOnce({ DATABASE_URL: PG_URL, APP_MASTER_KEY: MASTER_KEY, DATA_DIR: tmpdir() }));
    }
    rows.push(['PostgreSQL', pgRuns]);
  }
  console.log(`\nCold start to first /health 200 (median of ${STARTS}) and idle RSS`);
  console.log('| mode | start ms (median) | min | max | idle RSS MB (median) |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const [name, runs] of rows) {
    const ms = runs.map((r) => r.ms);
    console.log(
      `| ${name} | ${Math.round(median(ms))} | ${Math.round(Math.min(...ms))} | ${Math.round(Math.max(...ms))} | ${median(runs.map((r) => r.rss))} |`,
    );
  }
}

async function load(url, headers = {}) {
  // Warm up (JIT, connection pools), then measure.
  await autocannon({ url, headers, connections: CONNECTIONS, duration: 2 });
  const latencies = [];
  const instance = autocannon({ url, headers, connections: CONNECTIONS, duration: DURATION });
  instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  const result = await instance;
  latencies.sort((a, b) => a - b);
  return {
    rps: result.requests.average,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    errors: result.errors + result.non2xx,
  };
}

async function throughputSection(label, env) {
  const port = await freePort();
  const floorPort = await freePort();
  const app = spawnNode(['dist/server/main.js'], { ...env, PORT: String(port) });
  await waitFor200(`http://127.0.0.1:${port}/health/ready`, app);
  let floorEnv = env;
  let floorDir;
  if (!env.DATABASE_URL) {
    // PGlite is single-process: the floor gets its own copy of the migrated data directory.
    floorDir = mkdtempSync(path.join(tmpdir(), 'albedo-bench-floor-'));
    cpSync(env.DATA_DIR, floorDir, { recursive: true });
    floorEnv = { ...env, DATA_DIR: floorDir };
  }
  const sample = await fetch(`http://127.0.0.1:${port}/health`);
  const skip = new Set(['date', 'x-request-id', 'content-type', 'content-length', 'connection', 'keep-alive']);
  const headers = Object.fromEntries([...sample.headers].filter(([k]) => !skip.has(k)));
  const floor = spawnNode(['bench/floor.mjs', String(floorPort)], {
    ...floorEnv,
    FLOOR_HEADERS: JSON.stringify(headers),
  });
  await waitFor200(`http://127.0.0.1:${floorPort}/health/ready`, floor);
  const idleRss = rssMb(app.pid);

  const results = [];
  for (const route of ['/health', '/health/ready']) {
    const albedo = await load(`http://127.0.0.1:${port}${route}`);
    const bare = await load(`http://127.0.0.1:${floorPort}${route}`);
    results.push({ route, albedo, bare });
  }
  // An authenticated read: token check, session + role lookup, rate limits, one transaction.
  const base = `http://127.0.0.1:${port}`;
  const password = 'bench-harbour-lantern-7';
  const signup = await fetch(`${base}/api/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `bench-${Date.now()}@example.com`, password, name: 'Bench', workspaceName: 'Bench' }),
  });
  const { data: signedUp } = await signup.json();
  const me = await load(`${base}/api/v1/me`, { authorization: `Bearer ${signedUp.accessToken}` });
  const logins = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    const res = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: signedUp.user.email, password }),
    });
    await res.arrayBuffer();
    logins.push(performance.now() - t0);
  }
  logins.sort((a, b) => a - b);
  const loadedRss = rssMb(app.pid);
  await stop(app);
  await stop(floor);
  if (floorDir) rmSync(floorDir, { recursive: true, force: true });

  console.log(
    `\n${label}: ${CONNECTIONS} connections, ${DURATION} s per run; Albedo RSS idle ${idleRss} MB, after load ${loadedRss} MB`,
  );
  console.log('| route | server | req/s | p50 ms | p95 ms | p99 ms | errors | Albedo / floor |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const { route, albedo, bare } of results) {
    const ratio = `${Math.round((albedo.rps / bare.rps) * 100)}%`;
    for (const [name, r] of [
      ['Albedo (Fastify)', albedo],
      ['floor (node:http)', bare],
    ]) {
      console.log(
        `| ${route} | ${name} | ${Math.round(r.rps)} | ${r.p50.toFixed(2)} | ${r.p95.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.errors} | ${name.startsWith('Albedo') ? ratio : ''} |`,
      );
    }
  }
  const floorHealth = results[0].bare.rps;
  console.log(
    `| /api/v1/me (authenticated) | Albedo (Fastify) | ${Math.round(me.rps)} | ${me.p50.toFixed(2)} | ${me.p95.toFixed(2)} | ${me.p99.toFixed(2)} | ${me.errors} | ${Math.round((me.rps / floorHealth) * 100)}% of the /health floor |`,
  );
  console.log(
    `\nSign-in (argon2id m=19 MiB, t=2, p=1), 20 sequential logins: p50 ${percentile(logins, 50).toFixed(1)} ms, p95 ${percentile(logins, 95).toFixed(1)} ms`,
  );
}

console.log(`Albedo benchmark on ${process.version}, ${(await import('node:os')).cpus().length} cores`);
if (!process.env.BENCH_SKIP_STARTUP) await startupSection();
const dir = mkdtempSync(path.join(tmpdir(), 'albedo-bench-'));
await throughputSection('Embedded database (PGlite)', { DATA_DIR: dir });
rmSync(dir, { recursive: true, force: true });
if (PG_URL)
  await throughputSection('PostgreSQL', { DATABASE_URL: PG_URL, APP_MASTER_KEY: MASTER_KEY, DATA_DIR: tmpdir() });
else console.log('\n(set BENCH_DATABASE_URL=postgres://... to measure PostgreSQL mode too)');
