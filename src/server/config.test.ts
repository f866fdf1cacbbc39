import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const KEY = Buffer.alloc(32, 1).toString('base64');
const tmp = () => mkdtempSync(path.join(tmpdir(), 'albedo-config-'));

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env, tmp());
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('configuration', () => {
  it('has working defaults for the embedded mode', () => {
    const dir = tmp();
    const c = loadConfig({}, dir);
    expect(c).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      dataDir: path.join(dir, 'data'),
      database: { kind: 'pglite', dataDir: path.join(dir, 'data', 'db') },
      publicUrl: 'http://localhost:3000',
      logLevel: 'info',
      corsOrigins: [],
      redisUrl: undefined,
      smtpUrl: undefined,
    });
  });

  it('reads every documented variable', () => {
    const c = loadConfig(
      {
        PORT: '8080',
        HOST: '0.0.0.0',
        DATA_DIR: '/var/lib/albedo',
        DATABASE_URL: 'postgres://app:pw@db:5432/albedo',
        REDIS_URL: 'redis://cache:6379',
        SMTP_URL: 'smtp://mail:25',
        APP_MASTER_KEY: KEY,
        PUBLIC_URL: 'https://crm.example.com/',
        LOG_LEVEL: 'warn',
        CORS_ORIGINS: 'https://a.example.com, https://b.example.com',
      },
      tmp(),
    );
    expect(c).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      dataDir: '/var/lib/albedo',
      database: { kind: 'postgres', url: 'postgres://app:pw@db:5432/albedo' },
      redisUrl: 'redis://cache:6379',
      smtpUrl: 'smtp://mail:25',
      publicUrl: 'https://crm.example.com',
      logLevel: 'warn',
      corsOrigins: ['https://a.example.com', 'https://b.example.com'],
      masterKeySource: 'environment',
    });
    expect(c.masterKey.equals(Buffer.alloc(32, 1))).toBe(true);
  });

  it('reports one clear line per bad value', () => {
    const p = problems({
      PORT: 'abc',
      DATABASE_URL: 'mysql://x',
      LOG_LEVEL: 'loud',
      CORS_ORIGINS: 'https://ok.example.com,not a url',
      APP_MASTER_KEY: 'short',
    });
    expect(p).toHaveLength(5);
    expect(p.find((l) => l.startsWith('PORT:'))).toMatch(/number.*"abc"/);
    expect(p.find((l) => l.startsWith('DATABASE_URL:'))).toMatch(/postgres:\/\//);
    expect(p.find((l) => l.startsWith('LOG_LEVEL:'))).toMatch(/one of fatal, error, warn, info/);
    expect(p.find((l) => l.startsWith('CORS_ORIGINS:'))).toMatch(/comma-separated list of origins/);
    expect(p.find((l) => l.startsWith('APP_MASTER_KEY:'))).toMatch(/32 bytes/);
    // Values of URLs and keys may hold secrets: they are never echoed.
    expect(p.join('\n')).not.toContain('short');
    expect(p.join('\n')).not.toContain('mysql://x');
  });

  it('refuses a port out of range', () => {
    expect(problems({ PORT: '70000' })).toEqual([expect.stringMatching(/^PORT: must be between 0 and 65535/)]);
  });

  it('requires APP_MASTER_KEY in PostgreSQL mode', () => {
    expect(problems({ DATABASE_URL: 'postgres://localhost/albedo' })).toEqual([
      expect.stringMatching(/^APP_MASTER_KEY: is required when DATABASE_URL is set/),
    ]);
  });

  it('generates the embedded master key once, private to the owner, and reuses it', () => {
    const dir = tmp();
    const first = loadConfig({}, dir);
    expect(first.masterKeySource).toBe('generated');
    const file = path.join(dir, 'data', 'master.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = loadConfig({}, dir);
    expect(second.masterKeySource).toBe('data-dir');
    expect(second.masterKey.equals(first.masterKey)).toBe(true);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64').equals(first.masterKey)).toBe(true);
  });

  it('refuses a corrupt key file rather than replacing it', () => {
    const dir = tmp();
    loadConfig({}, dir);
    writeFileSync(path.join(dir, 'data', 'master.key'), 'garbage');
    expect(() => loadConfig({}, dir)).toThrow(ConfigError);
    expect(readFileSync(path.join(dir, 'data', 'master.key'), 'utf8')).toBe('garbage');
  });

  it('accepts a hex master key', () => {
    const c = loadConfig({ APP_MASTER_KEY: 'ab'.repeat(32) }, tmp());
    expect(c.masterKey.toString('hex')).toBe('ab'.repeat(32));
  });
});
