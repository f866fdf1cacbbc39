// Builds what `npm start` serves: the server bundle (esbuild, dependencies left external) and the
// web app (Vite). Skips a part whose sources are older than its last build.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib, { brotliCompressSync, gzipSync } from 'node:zlib';
import { build as esbuild } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const force = process.argv.includes('--force');

function newestMtime(entries) {
  let newest = 0;
  const visit = (p) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) for (const e of readdirSync(p)) visit(path.join(p, e));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const e of entries) visit(path.join(root, e));
  return newest;
}

function upToDate(stampFile, inputs) {
  if (force || !existsSync(stampFile)) return false;
  return Number(readFileSync(stampFile, 'utf8')) >= newestMtime(inputs);
}

/**
 * Brotli and gzip copies of every text asset, made once here: the server sends the one the browser
 * accepts (@fastify/static's preCompressed) instead of compressing on each request.
 */
function compressAssets(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      compressAssets(file);
      continue;
    }
    if (!/\.(js|css|html|svg|json|webmanifest)$/.test(entry.name)) continue;
    const content = readFileSync(file);
    if (content.length < 1024) continue;
    writeFileSync(
      `${file}.br`,
      brotliCompressSync(content, {
        params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: content.length },
      }),
    );
    writeFileSync(`${file}.gz`, gzipSync(content, { level: 9 }));
  }
}

async function buildServer() {
  const stamp = path.join(root, 'dist/server/.stamp');
  const inputs = ['src/server', 'src/shared', 'package.json', 'package-lock.json', 'scripts/build.mjs'];
  if (upToDate(stamp, inputs)) return false;
  await esbuild({
    absWorkingDir: root,
    entryPoints: ['src/server/main.ts', 'src/server/cli.ts'],
    outdir: 'dist/server',
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  });
  writeFileSync(stamp, String(Date.now()));
  return true;
}

async function buildWeb() {
  const stamp = path.join(root, 'dist/web/.stamp');
  const inputs = ['src/web', 'src/shared', 'vite.config.ts', 'package-lock.json'];
  if (upToDate(stamp, inputs)) return false;
  const { build } = await import('vite');
  await build({ configFile: path.join(root, 'vite.config.ts'), logLevel: 'warn' });
  compressAssets(path.join(root, 'dist/web'));
  writeFileSync(stamp, String(Date.now()));
  return true;
}

const t0 = Date.now();
const [server, web] = [await buildServer(), await buildWeb()];
if (server || web) {
  process.stdout.write(
    `albedo: built ${[server && 'server', web && 'web'].filter(Boolean).join(' and ')} in ${Date.now() - t0} ms\n`,
  );
}
