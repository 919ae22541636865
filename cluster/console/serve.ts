// Serves the admin console: the page shell and its script and styles from cluster/console/assets, and uPlot
// from node_modules. The shell holds no data and needs no token; the page reads its token from the URL
// fragment (never sent to the server, so never in a log) and uses it for every API call and the event stream.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';

const ASSETS = join(import.meta.dirname, 'assets');
const require = createRequire(import.meta.url);
const UPLOT = join(dirname(require.resolve('uplot')), '..', 'dist');

const FILES: Readonly<Record<string, { path: string; type: string }>> = {
  'console.js': { path: join(ASSETS, 'console.js'), type: 'text/javascript; charset=utf-8' },
  'console.css': { path: join(ASSETS, 'console.css'), type: 'text/css; charset=utf-8' },
  'uPlot.iife.min.js': { path: join(UPLOT, 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  'uPlot.min.css': { path: join(UPLOT, 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

export function registerConsole(app: FastifyInstance): void {
  const cache = new Map<string, Buffer>();
  const read = (path: string): Buffer => {
    let b = cache.get(path);
    if (!b) { b = readFileSync(path); cache.set(path, b); }
    return b;
  };
  app.get('/', { config: { role: 'public' }, schema: { hide: true } }, async (_req, reply) => reply.redirect('/console'));
  app.get('/console', { config: { role: 'public' }, schema: { tags: ['console'], summary: 'the admin console page (token in the URL fragment: /console#token=…)' } }, async (_req, reply) => {
    reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store');
    return read(join(ASSETS, 'index.html'));
  });
  app.get('/console/assets/:file', { config: { role: 'public' }, schema: { hide: true, params: { type: 'object', properties: { file: { type: 'string' } } } } }, async (req, reply) => {
    const f = FILES[(req.params as { file: string }).file];
    if (!f) return reply.callNotFound();
    reply.header('content-type', f.type).header('cache-control', 'max-age=300');
    return read(f.path);
  });
}
