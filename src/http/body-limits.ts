// How much of a request body Windflow reads, and when. Nothing is read before the caller is
// known to be allowed on the route: an anonymous caller gets its 401 with the body unread, except
// on the public routes that need a small one (login, set-up, single sign-on). Then never more
// than the route's limit, whatever the content type: a declared length over it is refused before
// reading, an undeclared one is counted as it comes. JSON and forms are small; the archive
// imports stream their body on to the Engine, counted against their own limit; the multipart
// uploads have a larger one.
import { Elysia } from 'elysia';
import { type Access, type AccessControl, declaredAccess } from './access.ts';
import { HttpError } from './errors.ts';

const MiB = 1024 * 1024;

/** JSON and form bodies of signed-in callers. */
export const MAX_BODY_BYTES = MiB;
/** What an anonymous caller may send to a public route (a login is a few hundred bytes). */
export const MAX_PUBLIC_BODY_BYTES = 64 * 1024;
/** Image and volume archives, streamed to the Engine as they arrive. */
export const MAX_ARCHIVE_BYTES = 64 * 1024 * MiB;
/** Multipart uploads of files, read whole before they are sent on. */
export const MAX_UPLOAD_BYTES = 512 * MiB;
/** A Git server's push delivery (GitHub caps theirs at 25 MB; pushes of many commits run to a few). */
export const MAX_WEBHOOK_BYTES = 4 * MiB;

/** The largest body any route takes: what the HTTP server itself accepts. */
export const MAX_REQUEST_BODY_BYTES = MAX_ARCHIVE_BYTES;

interface RouteLimit {
  bytes: number;
  /** The handler gets the body as a stream (counted), not parsed. */
  streamed?: boolean;
}

/** Routes whose bodies are not small JSON; every entry must name a route (checked at start). */
const ROUTE_LIMITS: Record<string, RouteLimit> = {
  'POST /api/environments/:id/images/import': { bytes: MAX_ARCHIVE_BYTES, streamed: true },
  'POST /api/environments/:id/volumes/:name/import': { bytes: MAX_ARCHIVE_BYTES, streamed: true },
  'POST /api/environments/:id/volumes/:name/browse/upload': { bytes: MAX_UPLOAD_BYTES },
  'POST /api/environments/:id/containers/:containerId/files': { bytes: MAX_UPLOAD_BYTES },
  // The Engine API per environment: docker cp, build contexts and image loads stream through.
  'POST /api/environments/:id/docker/*': { bytes: MAX_ARCHIVE_BYTES, streamed: true },
  'PUT /api/environments/:id/docker/*': { bytes: MAX_ARCHIVE_BYTES, streamed: true },
  // Public, signed with a shared secret over the exact bytes: handed over unparsed.
  'POST /api/git/webhooks/:token': { bytes: MAX_WEBHOOK_BYTES, streamed: true },
};

interface RouteLike {
  method: string;
  path: string;
  hooks?: unknown;
}

interface Policy extends RouteLimit {
  access: Access;
}

export function bodyLimits(access: AccessControl) {
  const policies = new Map<string, Policy>();
  const plugin = new Elysia({ name: 'body-limits' }).onParse({ as: 'global' }, async (context) => {
    const { request, route } = context;
    // A route not learnt (none should be) is held to the public limit, its check left to it.
    const policy = policies.get(`${request.method} ${route}`) ?? {
      access: 'public',
      ...defaultLimit('public'),
    };
    await access.admit(policy.access, context);
    const declared = request.headers.get('content-length');
    if (declared !== null && Number(declared) > policy.bytes) throw tooLarge(policy.bytes);
    if (policy.streamed) return request.body ? counted(request.body, policy.bytes) : undefined;
    // Elysia turns what this throws into a ParseError (invalid JSON is 400 INVALID_BODY).
    return parse(await readAtMost(request, policy.bytes), request.headers.get('content-type') ?? '');
  });
  return Object.assign(plugin, {
    /** Takes each route's access and limit; call it once every route is mounted. */
    learnRoutes(routes: readonly RouteLike[]): void {
      for (const route of routes) {
        const key = `${route.method} ${route.path}`;
        const access = declaredAccess(route) ?? 'public';
        policies.set(key, { access, ...(ROUTE_LIMITS[key] ?? defaultLimit(access)) });
      }
    },
  });
}

/** The app refuses to start with a limit for a route that does not exist (renamed, say). */
export function assertBodyLimitsNameRoutes(routes: readonly RouteLike[]): void {
  const known = new Set(routes.map((route) => `${route.method} ${route.path}`));
  const unknown = Object.keys(ROUTE_LIMITS).filter((key) => !known.has(key));
  if (unknown.length > 0) throw new Error(`body limits for routes that do not exist: ${unknown.join(', ')}`);
}

const defaultLimit = (access: Access): RouteLimit => ({
  bytes: access === 'public' ? MAX_PUBLIC_BODY_BYTES : MAX_BODY_BYTES,
});

export type BodyLimits = ReturnType<typeof bodyLimits>;

/** The body as its content type says: JSON, text, a form; anything else as bytes. */
async function parse(bytes: Uint8Array, contentType: string): Promise<unknown> {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/json' || type.endsWith('+json')) {
    const text = new TextDecoder().decode(bytes);
    return text ? JSON.parse(text) : undefined;
  }
  if (type.startsWith('text/')) return new TextDecoder().decode(bytes);
  if (type === 'application/x-www-form-urlencoded')
    return Object.fromEntries(new URLSearchParams(new TextDecoder().decode(bytes)));
  if (type === 'multipart/form-data') {
    const form = await new Response(bytes, { headers: { 'content-type': contentType } }).formData();
    type Field = ReturnType<FormData['get']>;
    const fields: Record<string, Field | Field[]> = {};
    for (const key of new Set(form.keys())) {
      const values = form.getAll(key);
      fields[key] = values.length === 1 ? (values[0] as Field) : values;
    }
    return fields;
  }
  return bytes.length > 0 ? bytes : undefined;
}

async function readAtMost(request: Request, limit: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body ?? []) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Passes the body on as it comes, failing it once it grows past `limit`. */
function counted(body: ReadableStream<Uint8Array>, limit: number): ReadableStream<Uint8Array> {
  let size = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        size += chunk.length;
        if (size > limit) controller.error(tooLarge(limit));
        else controller.enqueue(chunk);
      },
    }),
  );
}

const tooLarge = (limit: number) =>
  new HttpError(413, 'BODY_TOO_LARGE', `This route takes bodies of at most ${formatLimit(limit)}`);

const formatLimit = (bytes: number) =>
  bytes >= 1024 * MiB
    ? `${bytes / (1024 * MiB)} GiB`
    : bytes >= MiB
      ? `${bytes / MiB} MiB`
      : `${bytes / 1024} KiB`;
