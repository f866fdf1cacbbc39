// The container image and the compose file, read with parsers we did not write (dockerfile-ast,
// the yaml package): the properties operations relies on. `npm run lint:deploy` lints them, and CI
// builds the image where Docker runs.
import { readFileSync } from 'node:fs';
import { DockerfileParser } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { projectRoot } from '#server/platform/paths.ts';

const read = (file: string) => readFileSync(`${projectRoot}/${file}`, 'utf8');

describe('the Dockerfile', () => {
  const dockerfile = DockerfileParser.parse(read('Dockerfile'));
  const instructions = dockerfile.getInstructions().map((i) => ({
    keyword: i.getKeyword(),
    args: i.getArgumentsContent() ?? '',
    text: i.getTextContent(),
  }));
  const lastFrom = instructions.map((i) => i.keyword).lastIndexOf('FROM');
  const final = instructions.slice(lastFrom);

  it('builds in one stage and runs from another, as an unprivileged user with a health check', () => {
    expect(dockerfile.getFROMs()).toHaveLength(2);
    expect(final.filter((i) => i.keyword === 'USER').at(-1)?.args).toBe('node');
    expect(final.some((i) => i.keyword === 'HEALTHCHECK' && i.args.includes('/health/ready'))).toBe(true);
    // The server runs as PID 1 itself (exec form, no npm, no shell), so SIGTERM reaches it.
    expect(final.find((i) => i.keyword === 'CMD')?.args).toBe('["node", "dist/server/main.js"]');
    // The runtime stage copies what the build made, not the sources and dev tools.
    const copies = final.filter((i) => i.keyword === 'COPY').map((i) => i.text);
    expect(copies.every((c) => c.startsWith('COPY --from=build'))).toBe(true);
    expect(copies.some((c) => c.includes('/app/dist'))).toBe(true);
    expect(copies.some((c) => c.includes('migrations'))).toBe(true);
  });
});

describe('compose.yaml', () => {
  const compose = parse(read('compose.yaml')) as {
    services: Record<string, { build?: string; image?: string; environment?: Record<string, string> }>;
  };

  it('runs two app instances behind a proxy on PostgreSQL, Redis and an SMTP catcher', () => {
    const apps = Object.entries(compose.services).filter(([, s]) => s.build === '.');
    expect(apps.map(([name]) => name).sort()).toEqual(['app1', 'app2']);
    for (const [, app] of apps) {
      expect(app.environment).toMatchObject({
        DATABASE_URL: expect.stringMatching(/^postgres:\/\/.*@postgres:5432\//),
        REDIS_URL: 'redis://redis:6379',
        SMTP_URL: 'smtp://mailpit:1025',
        APP_MASTER_KEY: expect.stringContaining('APP_MASTER_KEY'),
      });
    }
    expect(compose.services.postgres?.image).toMatch(/^postgres:1[5-9]/);
    expect(compose.services.redis?.image).toMatch(/^redis:/);
    expect(compose.services.proxy?.image).toMatch(/^caddy:/);
    // The proxy spreads requests over both instances.
    expect(read('deploy/Caddyfile')).toMatch(/reverse_proxy app1:3000 app2:3000/);
  });
});
