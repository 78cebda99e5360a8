import { Elysia } from 'elysia';
import { HttpError } from './errors.ts';

// The UI loads only its own scripts; Vue and xterm set style attributes, hence 'unsafe-inline'
// for styles alone.
const HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
};

/** JSON bodies are small; uploads (tar archives) stream with their own content types. */
export const MAX_JSON_BODY_BYTES = 1024 * 1024;

export function securityHeaders() {
  return new Elysia({ name: 'security-headers' })
    .onRequest(({ request, set }) => {
      Object.assign(set.headers, HEADERS);
      // A declared length is refused before anything is read.
      const length = Number(request.headers.get('content-length') ?? 0);
      if (request.headers.get('content-type')?.includes('json') && length > MAX_JSON_BODY_BYTES)
        throw tooLarge();
    })
    .onParse({ as: 'global' }, async ({ request, contentType }) => {
      // Other content types keep Elysia's parsers (multipart uploads, raw tar bodies).
      if (!contentType.includes('json')) return;
      // A chunked body declares no length: it is counted as it is read. Elysia turns what this
      // throws into a ParseError (invalid JSON is 400 INVALID_BODY); an empty body is no body.
      const text = await readAtMost(request, MAX_JSON_BODY_BYTES);
      return text ? JSON.parse(text) : undefined;
    });
}

async function readAtMost(request: Request, limit: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body ?? []) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const tooLarge = () =>
  new HttpError(413, 'BODY_TOO_LARGE', `JSON bodies are limited to ${MAX_JSON_BODY_BYTES} bytes`);
