// Helpers shared by the benchmarks: starting the built server (rate limits lifted, logs quiet),
// waiting for it, stopping it, reading its memory, percentiles, and an open-loop load.
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVER_ENV } from '../scripts/server-env.mjs';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Ports freePort() has given out in this process. */
const handedOut = new Set();

/**
 * A port nothing listens on, from the kernel's ephemeral range. A fixed range collided with the
 * machine's own services (NATS listens on 4222), and the ephemeral range holds none of the ports
 * fetch() refuses to connect to.
 */
export async function freePort() {
  for (;;) {
    const port = await new Promise((resolve, reject) => {
      const probe = createServer();
      probe.once('error', reject);
      probe.listen(0, '127.0.0.1', () => {
        const { port } = probe.address();
        probe.close(() => resolve(port));
      });
    });
    // Closed again at once, so the kernel could offer it twice: one port per caller.
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/** Clock ticks per second of /proc's CPU times. */
const TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** CPU time (user + system) a process has used, in ms. */
export function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The fields after the command name, which may hold spaces: utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS;
}

/** CPU ms of every local PostgreSQL process, by pid (a process that ends takes its time along). */
export function postgresCpu() {
  const byPid = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/comm`, 'utf8').trim() === 'postgres') byPid.set(name, cpuMs(name));
    } catch {
      // Ended while being read.
    }
  }
  return byPid;
}

/** CPU ms the PostgreSQL processes used between two postgresCpu() readings. */
export function postgresCpuSince(before, after = postgresCpu()) {
  let ms = 0;
  for (const [pid, now] of after) ms += now - (before.get(pid) ?? 0);
  return ms;
}

export const rssMb = (pid) => {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
};

export function spawnNode(args, env) {
  return spawn(process.execPath, args, {
    cwd: root,
    // Rate limits would cap a load test at a few hundred requests a minute; they stay in the
    // measured path (every request still counts against them), with budgets too large to trip.
    // The server's own tuning (scripts/server-env.mjs), as `npm start` and production run it.
    env: {
      ...SERVER_ENV,
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_AUTH_PER_MINUTE: '100000',
      RATE_LIMIT_USER_PER_MINUTE: '100000000',
      RATE_LIMIT_WORKSPACE_PER_MINUTE: '100000000',
      ...env,
    },
    // BENCH_SERVER_STDOUT=1 shows what the servers print (with BENCH_NODE_ARGS=--trace-gc, their
    // collections).
    stdio: ['ignore', process.env.BENCH_SERVER_STDOUT ? 'inherit' : 'ignore', 'inherit'],
  });
}

export async function waitFor200(url, child, timeoutMs = 120_000) {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`process exited with ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.status === 200) return;
    } catch {}
    await sleep(5);
  }
  throw new Error(`no 200 from ${url}`);
}

export async function stop(child) {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * How fast this machine is right now: milliseconds for a fixed amount of work (JSON out and back
 * of a 50-record page, 4,000 times), the median of three. The shared VMs these benchmarks run on
 * change speed by up to twice within an hour; printed beside the figures, it tells a slow machine
 * from a slow build. Lower is faster.
 */
export function machineSpeedMs() {
  const record = {
    id: '01a23cd6-4187-7327-9160-9198c191899d',
    firstName: 'Jan',
    lastName: 'Zielinski',
    email: 'jan.zielinski@example.com',
    tags: ['customer', 'emea'],
    custom: { tier: 2 },
    createdAt: '2026-12-03T16:57:14.569Z',
  };
  const page = { data: Array.from({ length: 50 }, (_, i) => ({ ...record, version: i })) };
  const runs = [];
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    let n = 0;
    for (let i = 0; i < 4000; i++) n += JSON.parse(JSON.stringify(page)).data.length;
    if (n !== 200_000) throw new Error('machine speed: wrong count');
    runs.push(performance.now() - t0);
  }
  return Math.round(runs.sort((a, b) => a - b)[1]);
}

/**
 * An open-loop load: request i is due at start + i / rate seconds and goes out then, whether or not
 * earlier ones have answered (on a new keep-alive socket when all open ones are busy), and its
 * latency runs from when it was due, so a stall of the server or of this process counts in full
 * for every request it delayed. autocannon's fixed rate (`-R`, `overallRate`) is not this: each
 * connection sends its share of a second's requests back to back, then waits for the next second,
 * so its latencies are those of bursts at full concurrency (docs/benchmarks.md).
 *
 * `request(i)` gives `{ method, path, headers, body }`. Returns the latencies in ms, sorted, the
 * most requests that were in flight at once, and the non-2xx answers and socket errors.
 */
export async function openLoop({ origin, request, rate, seconds }) {
  const { hostname, port } = new URL(origin);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const interval = 1000 / rate;
  const total = Math.round(rate * seconds);
  const latencies = [];
  let errors = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let sent = 0;
  const start = performance.now() + 10;
  await new Promise((resolve) => {
    const done = () => {
      inFlight--;
      if (inFlight === 0 && sent === total) resolve();
    };
    const send = (due) => {
      const { method = 'GET', path: requestPath, headers = {}, body } = request(sent);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const req = http.request({ hostname, port, method, path: requestPath, headers, agent }, (res) => {
        res.resume();
        res.on('end', () => {
          latencies.push(performance.now() - due);
          if (res.statusCode < 200 || res.statusCode > 299) errors++;
          done();
        });
      });
      req.on('error', () => {
        errors++;
        done();
      });
      req.end(body);
    };
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        send(start + sent * interval);
        sent++;
      }
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
      else if (inFlight === 0) resolve();
    };
    setTimeout(tick, 10);
  });
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { latencies, maxInFlight, errors };
}
