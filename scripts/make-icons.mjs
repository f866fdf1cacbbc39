// Draws the app icons (PNG) from the SVG mark with Debian's Chromium, for the web manifest:
// 192 and 512 px, and a maskable 512 px whose mark sits inside the safe zone (80 %). Run once when
// the mark changes; the PNGs are committed (src/web/public/icons).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'src/web/public/icons');
mkdirSync(out, { recursive: true });

const mark = (scale) => `
  <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" width="100%" height="100%">
    <rect width="100" height="100" fill="#1c7ed6"/>
    <g transform="translate(50 50) scale(${scale}) translate(-50 -50)">
      <circle cx="50" cy="50" r="40" fill="#f4f1ea"/>
      <circle cx="50" cy="50" r="17" fill="#1c7ed6"/>
    </g>
  </svg>`;

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });
const page = await browser.newPage();
for (const [name, size, scale] of [
  ['icon-192.png', 192, 1],
  ['icon-512.png', 512, 1],
  ['icon-maskable-512.png', 512, 0.72],
  ['apple-touch-icon.png', 180, 0.9],
]) {
  await page.setViewportSize({ width: size, height: size });
  await page.setContent(`<html><body style="margin:0">${mark(scale)}</body></html>`);
  await page.screenshot({ path: path.join(out, name), omitBackground: false });
}
await browser.close();
process.stdout.write(`icons written to ${out}\n`);
