// Serves the single-page UI: known files as they are, any other extension-less path gets
// index.html so that client-side routes survive a reload. index.html gets a <base href> naming
// the path Windflow is published under: the UI's assets are relative to it, and its API,
// WebSocket and event-stream URLs and its router are built from it, so the same build works at
// the root and under a proxy's prefix.
import { Elysia } from 'elysia';
import type { AccessControl } from './access.ts';
import { HttpError } from './errors.ts';
import { requestOrigin } from './request-origin.ts';
import type { UiAssets } from './ui-assets.ts';

// Vite puts content hashes in everything under /assets/, so those never change.
const IMMUTABLE = 'public, max-age=31536000, immutable';

export function uiRoutes({ uiAssets: assets, access }: { uiAssets: UiAssets; access: AccessControl }) {
  const indexPath = assets.get('/index.html');
  const indexHtml = indexPath ? Bun.file(indexPath).text() : undefined;
  const index = async (request: Request, set: { headers: Record<string, unknown> }) => {
    set.headers['cache-control'] = 'no-cache';
    set.headers['content-type'] = 'text/html; charset=utf-8';
    const base = `${requestOrigin(request).basePath}/`;
    return (await (indexHtml as Promise<string>)).replace(/<base href="[^"]*"/, `<base href="${base}"`);
  };
  const serve = (
    request: Request,
    urlPath: string,
    set: { status?: number | string; headers: Record<string, unknown> },
  ) => {
    if (urlPath === '/api' || urlPath.startsWith('/api/')) {
      throw new HttpError(404, 'NOT_FOUND', 'No such API route');
    }
    const filePath = assets.get(urlPath);
    if (urlPath === '/index.html' && indexHtml) return index(request, set);
    if (filePath) {
      set.headers['cache-control'] = urlPath.startsWith('/assets/') ? IMMUTABLE : 'no-cache';
      return Bun.file(filePath);
    }
    const looksLikeFile = /\.[a-z0-9]+$/i.test(urlPath);
    if (indexHtml && !looksLikeFile) return index(request, set);
    set.status = 404;
    set.headers['content-type'] = 'text/plain; charset=utf-8';
    return indexPath ? 'Not found' : 'The UI is not built: run "bun run build:ui"';
  };
  return new Elysia({ name: 'ui' })
    .use(access)
    .get('/', ({ request, set }) => serve(request, '/index.html', set), {
      access: 'public',
      detail: { hide: true },
    })
    .get('/*', ({ request, path, set }) => serve(request, decodeURIComponent(path), set), {
      access: 'public',
      detail: { hide: true },
    });
}
