// The calendar under load: a workspace with 5,000 events (single events over a year and, by
// default, 100 weekly series; BENCH_SERIES=500 for a denser month): the month view's latency at a
// fixed offered load; then the reminder firing delay: reminders due one to two and a half minutes
// ahead, from their time to the stored
// notification (the scan runs every minute and queues each reminder as a job due at its time).
// Runs on the embedded database, or PostgreSQL with BENCH_DATABASE_URL.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { freePort, percentile, rssMb, sleep, spawnNode, stop, waitFor200 } from './lib.mjs';

const PORT = Number(process.env.BENCH_PORT ?? (await freePort()));
const EVENTS = 5000;
const SERIES = Number(process.env.BENCH_SERIES ?? 100);
const REMINDERS = Number(process.env.BENCH_REMINDERS ?? 40);

async function main() {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'albedo-bench-cal-'));
  const database = process.env.BENCH_DATABASE_URL;
  // BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server.
  const nodeArgs = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : [];
  const child = spawnNode([...nodeArgs, 'dist/server/main.js'], {
    PORT: String(PORT),
    DATA_DIR: dataDir,
    ...(database ? { DATABASE_URL: database, APP_MASTER_KEY: Buffer.alloc(32, 4).toString('base64') } : {}),
  });
  const base = `http://127.0.0.1:${PORT}`;
  try {
    await waitFor200(`${base}/health/ready`, child);
    const signup = await (
      await fetch(`${base}/api/v1/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          email: `bench-cal-${Date.now()}@example.com`,
          password: 'bench-harbour-lantern-42',
          name: 'Bench',
          workspaceName: 'Bench Calendar',
        }),
      })
    ).json();
    const headers = { authorization: `Bearer ${signup.data.accessToken}`, 'content-type': 'application/json' };
    const year = Date.UTC(2027, 0, 1);
    const items = [];
    for (let i = 0; i < EVENTS; i++) {
      const start = new Date(year + Math.floor((i / EVENTS) * 365) * 86_400_000 + (8 + (i % 9)) * 3600_000);
      items.push({
        title: `Meeting ${i}`,
        startAt: start.toISOString(),
        endAt: new Date(start.getTime() + 3600_000).toISOString(),
        ...(i < SERIES ? { rrule: `FREQ=WEEKLY;COUNT=${10 + (i % 40)}` } : {}),
      });
    }
    const t0 = performance.now();
    for (let i = 0; i < items.length; i += 1000) {
      const res = await fetch(`${base}/api/v1/events/bulk`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ items: items.slice(i, i + 1000) }),
      });
      if (res.status !== 200) throw new Error(`bulk create answered ${res.status}: ${await res.text()}`);
    }
    console.log(
      `\nSeeded ${EVENTS} events (${SERIES} weekly series) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    // A month view (with the days around it, as FullCalendar asks) at a fixed offered load.
    const url = `${base}/api/v1/calendar?from=2027-02-22T00:00:00Z&to=2027-04-05T00:00:00Z`;
    const sample = await (await fetch(url, { headers })).json();
    const latencies = [];
    await autocannon({ url, headers, connections: 4, duration: 2, overallRate: 20 });
    const instance = autocannon({ url, headers, connections: 8, duration: 15, overallRate: 40 });
    instance.on('response', (_c, _s, _b, t) => latencies.push(t));
    const result = await instance;
    latencies.sort((a, b) => a - b);
    console.log(
      `Month view (${sample.data.length} items in it), 40 req/s offered: p50 ${percentile(latencies, 50)} ms · p95 ${percentile(latencies, 95)} ms · p99 ${percentile(latencies, 99)} ms · ${result.requests.average} req/s served, ${result.errors + result.non2xx} errors`,
    );
    const saturated = await autocannon({ url, headers, connections: 8, duration: 10 });
    console.log(`Month view at saturation (8 connections): ${saturated.requests.average} req/s`);

    // Reminders due 70–150 s from now, each as its own event with a reminder at the start.
    const now = Date.now();
    for (let i = 0; i < REMINDERS; i++) {
      const start = new Date(now + 70_000 + Math.floor((i / REMINDERS) * 80_000));
      const res = await fetch(`${base}/api/v1/events`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          title: `Reminder ${i}`,
          startAt: start.toISOString(),
          endAt: new Date(start.getTime() + 600_000).toISOString(),
          reminders: [0],
        }),
      });
      if (res.status !== 201) throw new Error(`event create answered ${res.status}`);
    }
    let delivered = [];
    const deadline = now + 240_000;
    while (Date.now() < deadline) {
      await sleep(2000);
      const list = await (await fetch(`${base}/api/v1/notifications?limit=200`, { headers })).json();
      delivered = list.data.filter((n) => n.title.startsWith('Reminder '));
      if (delivered.length >= REMINDERS) break;
    }
    const delays = delivered.map((n) => Date.parse(n.createdAt) - Date.parse(n.dueAt)).sort((a, b) => a - b);
    console.log(
      `Reminder delay, due time → notification stored (${delivered.length}/${REMINDERS} delivered): p50 ${percentile(delays, 50)} ms · p95 ${percentile(delays, 95)} ms · max ${delays.at(-1)} ms`,
    );
    console.log(`Server RSS ${rssMb(child.pid)} MB (${database ? 'PostgreSQL' : 'PGlite'})`);
  } finally {
    await stop(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
