import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

// The web app lives in src/web and is built into dist/web, which the server serves at `/`.
// It is installable (web manifest, icons) and its service worker keeps the app shell and every
// page's code, so it opens without a network and says it is offline (components/offline.tsx).
export default defineConfig({
  root: fileURLToPath(new URL('./src/web', import.meta.url)),
  plugins: [
    react(),
    VitePWA({
      registerType: 'autoUpdate',
      // A small registration file, not an inline script: the pages' CSP allows no inline scripts.
      injectRegister: 'script-defer',
      includeAssets: ['favicon.svg', 'icons/apple-touch-icon.png'],
      manifest: {
        name: 'Albedo',
        short_name: 'Albedo',
        description: 'An AI-native CRM: contacts, deals, projects, tasks and calendar, with an assistant.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        background_color: '#f4f1ea',
        theme_color: '#1c7ed6',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: '/icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        // The shell and every page's chunk; source maps and precompressed copies stay on the server.
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'],
        globIgnores: ['**/*.map', '**/*.br', '**/*.gz'],
        maximumFileSizeToCacheInBytes: 3 * 1024 * 1024,
        navigateFallback: '/index.html',
        // Server paths are never the app: the API, the docs, health, metrics and sockets.
        navigateFallbackDenylist: [/^\/api\//, /^\/docs/, /^\/health/, /^\/metrics/, /^\/ws/],
        cleanupOutdatedCaches: true,
      },
    }),
  ],
  build: { outDir: '../../dist/web', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1500 },
  server: {
    port: 5173,
    proxy: { '/api': 'http://127.0.0.1:3000', '/health': 'http://127.0.0.1:3000', '/docs': 'http://127.0.0.1:3000' },
  },
});
