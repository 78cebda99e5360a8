// Paths inside a volume, as the API takes them: relative to the volume's root, '' for the root
// itself. They are checked here before anything reaches the helper container; symbolic links
// are checked there (see VolumeBrowser.resolve), since only the volume knows where they lead.
import { HttpError } from '../http/errors.ts';

/** Where helper containers mount the volume. */
export const MOUNT_ROOT = '/volume';

const MAX_NAME_BYTES = 255;
const MAX_PATH_BYTES = 4096;

/** The segments of a volume-relative path; '' and '.' give the root (no segments). */
export function parseVolumePath(path: string): string[] {
  if (path.includes('\0')) throw badPath('PATH_INVALID', 'Paths may not contain NUL bytes');
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) {
    throw badPath('PATH_INVALID', `Paths are at most ${MAX_PATH_BYTES} bytes long`);
  }
  if (path.startsWith('/')) {
    throw badPath(
      'PATH_ABSOLUTE',
      `Paths are relative to the volume's root: "${printable(path)}" is absolute; leave out the leading /`,
    );
  }
  const segments = path.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) {
    throw badPath('PATH_OUTSIDE_VOLUME', `"${printable(path)}" uses "..": paths must stay inside the volume`);
  }
  return segments;
}

/** A name for something new (folder, upload, rename target): one segment, printable. */
export function assertValidName(name: string): void {
  if (name === '' || name === '.' || name === '..') {
    throw badPath('NAME_INVALID', `"${printable(name)}" is not a usable name`);
  }
  if (name.includes('\0')) throw badPath('NAME_INVALID', 'Names may not contain NUL bytes');
  if (/[\n\r]/.test(name)) throw badPath('NAME_INVALID', 'Names may not contain line breaks');
  if (name.includes('/')) throw badPath('NAME_INVALID', `"${printable(name)}" may not contain a /`);
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) {
    throw badPath('NAME_INVALID', `Names are at most ${MAX_NAME_BYTES} bytes long`);
  }
}

/** The absolute path in the helper for these segments (before symbolic links are resolved). */
export function mountPath(segments: readonly string[]): string {
  return [MOUNT_ROOT, ...segments].join('/');
}

/** The volume-relative form of an absolute helper path that is known to be inside the mount. */
export function relativePath(absolute: string): string {
  return absolute === MOUNT_ROOT ? '' : absolute.slice(MOUNT_ROOT.length + 1);
}

export function isInsideMount(absolute: string): boolean {
  return absolute === MOUNT_ROOT || absolute.startsWith(`${MOUNT_ROOT}/`);
}

/** For messages: control characters shown as escapes. */
export function printable(text: string): string {
  return [...text]
    .map((char) => {
      const code = char.charCodeAt(0);
      return code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : char;
    })
    .join('');
}

function badPath(code: string, message: string): HttpError {
  return new HttpError(400, code, message);
}
