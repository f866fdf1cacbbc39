import { spawn } from 'node:child_process';
import autocannon from 'autocannon';

const [, , ...variants] = process.argv; // each: dir|nodeArgs|envJSON
const MASTER = Buffer.alloc(32, 9).toString('base64');
const DB = 'postgres://postgres@127.0.0.1:5432/albedo_bench';
const servers = [];
let port = 4700;
for (const v of variants) {
  const [dir, args, envJson] = v.split('|');
  const p = port++;
  const child = spawn(process.execPath, [...(args ? args.split(' ') : []), `${dir}/dist/server/main.js`], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_AUTH_PER_MINUTE: '100000',
      RATE_LIMIT_USER_PER_MINUTE: '100000000',
      RATE_LIMIT_WORKSPACE_PER_MINUTE: '100000000',
      DATABASE_URL: DB,
      APP_MASTER_KEY: MASTER,
      PORT: String(p),
      DATA_DIR: '/tmp',
      ...JSON.parse(envJson || '{}'),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  servers.push({ v, p, child });
}
for (const s of servers)
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${s.p}/health/ready`)).ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
const base = `http://127.0.0.1:${servers[0].p}`;
const su = await (
  await fetch(`${base}/api/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: `ab-${Date.now()}@example.com`,
      password: 'bench-harbour-lantern-7',
      name: 'AB',
      workspaceName: 'AB',
    }),
  })
).json();
const token = su.data.accessToken ?? su.data.tokens?.accessToken;
const h = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
const ids = [];
for (let i = 0; i < 200; i++)
  ids.push(
    (
      await (
        await fetch(`${base}/api/v1/contacts`, {
          method: 'POST',
          headers: h,
          body: JSON.stringify({ firstName: 'A', lastName: `B${i}` }),
        })
      ).json()
    ).data.id,
  );
const res = Object.fromEntries(servers.map((s) => [s.v, []]));
for (let round = 0; round < 3; round++)
  for (const s of servers) {
    let n = 0;
    const r = await autocannon({
      url: `http://127.0.0.1:${s.p}`,
      connections: 32,
      duration: 6,
      headers: { authorization: h.authorization },
      requests: [{ setupRequest: (req) => ({ ...req, path: `/api/v1/contacts/${ids[n++ % ids.length]}` }) }],
    });
    res[s.v].push(`${Math.round(r.requests.average)}${r.non2xx ? `(non2xx ${r.non2xx})` : ''}`);
  }
for (const [k, v] of Object.entries(res)) console.log(v.join(' '), k);
for (const s of servers) s.child.kill('SIGTERM');
