// Serves the single-page UI: known files as they are, any other extension-less path gets
// index.html so that client-side routes survive a reload.
import { Elysia } from 'elysia';
import type { AccessControl } from './access.ts';
import { HttpError } from './errors.ts';
import type { UiAssets } from './ui-assets.ts';

// Vite puts content hashes in everything under /assets/, so those never change.
const IMMUTABLE = 'public, max-age=31536000, immutable';

export function uiRoutes({ uiAssets: assets, access }: { uiAssets: UiAssets; access: AccessControl }) {
  const indexPath = assets.get('/index.html');
  const serve = (urlPath: string, set: { status?: number | string; headers: Record<string, unknown> }) => {
    if (urlPath === '/api' || urlPath.startsWith('/api/')) {
      throw new HttpError(404, 'NOT_FOUND', 'No such API route');
    }
    const filePath = assets.get(urlPath);
    if (filePath) {
      set.headers['cache-control'] = urlPath.startsWith('/assets/') ? IMMUTABLE : 'no-cache';
      return Bun.file(filePath);
    }
    const looksLikeFile = /\.[a-z0-9]+$/i.test(urlPath);
    if (indexPath && !looksLikeFile) {
      set.headers['cache-control'] = 'no-cache';
      return Bun.file(indexPath);
    }
    set.status = 404;
    set.headers['content-type'] = 'text/plain; charset=utf-8';
    return indexPath ? 'Not found' : 'The UI is not built: run "bun run build:ui"';
  };
  return new Elysia({ name: 'ui' })
    .use(access)
    .get('/', ({ set }) => serve('/index.html', set), { access: 'public', detail: { hide: true } })
    .get('/*', ({ path, set }) => serve(decodeURIComponent(path), set), {
      access: 'public',
      detail: { hide: true },
    });
}
