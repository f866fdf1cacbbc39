// Serves the built web app (dist/web) at `/`, with the SPA fallback: any other GET that is not
// an API, docs or operations path and that asks for HTML gets index.html, so client routes load.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const SERVER_PATHS = /^\/(api|docs|health|metrics|ws)(\/|$)/;

export interface WebApp {
  /** Answers a client route with index.html; false when the request is not one. */
  serveIndex(request: FastifyRequest, reply: FastifyReply): boolean;
}

export async function registerWebApp(app: FastifyInstance, root: string): Promise<WebApp | null> {
  const indexFile = path.join(root, 'index.html');
  if (!existsSync(indexFile)) {
    app.log.warn({ root }, 'web app not built; serving the API only (npm start builds it)');
    return null;
  }
  const indexHtml = readFileSync(indexFile);
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: false,
    index: false,
    // The build writes .br and .gz beside each text asset; the one the browser accepts is sent.
    preCompressed: true,
    cacheControl: false,
    setHeaders(reply, filePath) {
      // Vite puts content hashes in asset names, so they never change under the same URL.
      const immutable = filePath.includes(`${path.sep}assets${path.sep}`);
      reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  return {
    serveIndex(request, reply) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return false;
      const pathname = request.url.split('?')[0] ?? '/';
      if (SERVER_PATHS.test(pathname)) return false;
      const accept = request.headers.accept ?? '';
      if (!accept.includes('text/html') && !accept.includes('*/*')) return false;
      // A missing file with an extension (a stale asset) is a real 404, not the app.
      if (path.extname(pathname) !== '' && pathname !== '/index.html') return false;
      void reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(indexHtml);
      return true;
    },
  };
}
