// The volume browser: list, read, download, upload, create folders, rename, delete, export and
// import, through a helper container that mounts the volume (see volume-helper.ts). Every path
// is parsed by volume-paths.ts and then resolved in the helper with realpath, so that a symbolic
// link can never lead an operation outside the volume.
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpError } from '../http/errors.ts';
import type { DockerClient } from './client.ts';
import type { DirectoryListing, EntryType, VolumeEntry } from './views.ts';
import { execIn, type VolumeHelpers } from './volume-helper.ts';
import {
  assertValidName,
  isInsideMount,
  MOUNT_ROOT,
  mountPath,
  parseVolumePath,
  printable,
  relativePath,
} from './volume-paths.ts';
import { type TarEntry, TarFormatError, TarParser, tarStream } from './volume-tar.ts';

export interface UploadFile {
  name: string;
  size: number;
  stream(): ReadableStream<Uint8Array>;
}

export interface Download {
  filename: string;
  contentType: string;
  body: ReadableStream<Uint8Array>;
}

export const DEFAULT_TEXT_LIMIT = 1024 * 1024;

// stat's fields for one entry: raw mode in hex, size, uid, gid, mtime in epoch seconds.
const STAT_FORMAT = '%f %s %u %g %Y';
const STAT_FIELDS = 5;
const S_IFMT = 0o170000;
const TYPE_BITS = new Map<number, EntryType>([
  [0o100000, 'file'],
  [0o040000, 'directory'],
  [0o120000, 'symlink'],
]);

export class VolumeBrowser {
  constructor(private readonly helpers: VolumeHelpers) {}

  async list(client: DockerClient, volume: string, path: string): Promise<DirectoryListing> {
    const segments = parseVolumePath(path);
    return this.helpers.use(client, volume, async (helper) => {
      const directory = await resolve(client, helper, segments);
      // The folder itself comes first, so a missing folder or a file is told apart from an empty one.
      const [self, ...entries] = await listEntries(client, helper, directory, 0, segments);
      if (!self || self.path !== relativePath(directory)) throw notFound(segments);
      if (self.type !== 'directory') throw notADirectory(segments);
      return {
        path: relativePath(directory),
        entries: entries.sort(
          (a, b) =>
            Number(b.type === 'directory') - Number(a.type === 'directory') || a.name.localeCompare(b.name),
        ),
      };
    });
  }

  /** A text file's content; binary files and files over `limit` bytes are refused. */
  async readText(
    client: DockerClient,
    volume: string,
    path: string,
    limit = DEFAULT_TEXT_LIMIT,
  ): Promise<{ path: string; size: number; content: string }> {
    const segments = parseVolumePath(path);
    return this.helpers.use(client, volume, async (helper) => {
      const file = await resolve(client, helper, segments);
      const { type, size } = await statOf(client, helper, file, segments);
      if (type !== 'file')
        throw new HttpError(400, 'NOT_A_FILE', `${describe(segments)} is not a regular file`);
      if (size > limit) throw tooLarge(segments, size, limit);
      const result = await execIn(client, helper, ['head', '-c', String(limit + 1), '--', file], {
        maxStdoutBytes: limit,
      });
      if (result.exitCode !== 0) throw commandFailed(result.stderr, segments);
      if (result.truncated) throw tooLarge(segments, result.stdout.length, limit);
      return {
        path: relativePath(file),
        size: result.stdout.length,
        content: decodeText(result.stdout, segments),
      };
    });
  }

  /** A file as its bytes, a folder as a tar (named after it, with its tree inside). */
  async download(client: DockerClient, volume: string, path: string): Promise<Download> {
    const segments = parseVolumePath(path);
    const lease = await this.helpers.acquire(client, volume);
    try {
      const target = await resolve(client, lease.containerId, segments);
      const { type } = await statOf(client, lease.containerId, target, segments);
      const name = target === MOUNT_ROOT ? volume : (target.split('/').pop() ?? volume);
      if (type === 'directory') {
        const archive = await client.getArchive(
          lease.containerId,
          target === MOUNT_ROOT ? `${MOUNT_ROOT}/.` : target,
        );
        return {
          filename: `${name}.tar`,
          contentType: 'application/x-tar',
          body: whenDone(archive, lease.release),
        };
      }
      if (type !== 'file')
        throw new HttpError(400, 'NOT_A_FILE', `${describe(segments)} is not a file or folder`);
      const archive = await client.getArchive(lease.containerId, target);
      return {
        filename: name,
        contentType: 'application/octet-stream',
        body: whenDone(firstFileOf(archive), lease.release),
      };
    } catch (error) {
      await lease.release();
      throw error;
    }
  }

  /** The whole volume as a tar whose entries are relative to its root ("./..."). */
  async exportVolume(client: DockerClient, volume: string): Promise<Download> {
    const lease = await this.helpers.acquire(client, volume);
    try {
      const archive = await client.getArchive(lease.containerId, `${MOUNT_ROOT}/.`);
      return {
        filename: `${volume}.tar`,
        contentType: 'application/x-tar',
        body: whenDone(archive, lease.release),
      };
    } catch (error) {
      await lease.release();
      throw error;
    }
  }

  /**
   * Unpacks a tar at the volume's root with tar in the helper (the Engine's archive API refuses
   * relative symbolic links that point above the root, which volumes may hold). The whole
   * archive is checked first, into a temporary file: an entry that would land outside the
   * volume refuses the import before anything is written.
   */
  async importVolume(
    client: DockerClient,
    volume: string,
    archive: ReadableStream<Uint8Array>,
  ): Promise<{ entries: number }> {
    const spool = join(tmpdir(), `windflow-import-${crypto.randomUUID()}.tar`);
    try {
      return await this.helpers.use(client, volume, async (helper) => {
        const entries = await checkAndSpool(archive, spool, await symlinksIn(client, helper));
        const unpacked = await execIn(
          client,
          helper,
          ['tar', '-x', '-f', '-', '-C', MOUNT_ROOT, '--numeric-owner'],
          { input: Bun.file(spool).stream() },
        );
        if (unpacked.exitCode !== 0) {
          throw new HttpError(
            400,
            'ARCHIVE_INVALID',
            `The archive could not be unpacked: ${unpacked.stderr}`,
          );
        }
        return { entries };
      });
    } finally {
      rmSync(spool, { force: true });
    }
  }

  /** Puts files into a folder, owned like the folder; an existing file is replaced, a folder never. */
  async upload(
    client: DockerClient,
    volume: string,
    path: string,
    files: readonly UploadFile[],
  ): Promise<VolumeEntry[]> {
    const segments = parseVolumePath(path);
    if (files.length === 0) throw new HttpError(400, 'NO_FILES', 'Choose at least one file to upload');
    const names = new Set<string>();
    for (const file of files) {
      assertValidName(file.name);
      if (names.has(file.name))
        throw new HttpError(400, 'NAME_INVALID', `${file.name} is in the upload twice`);
      names.add(file.name);
    }
    return this.helpers.use(client, volume, async (helper) => {
      const directory = await resolve(client, helper, segments);
      const owner = await statOf(client, helper, directory, segments);
      if (owner.type !== 'directory') throw notADirectory(segments);
      const mtime = Math.floor(Date.now() / 1000);
      const archive = tarStream(
        files.map((file) => ({
          name: file.name,
          size: file.size,
          mode: 0o644,
          uid: owner.uid,
          gid: owner.gid,
          mtime,
          body: () => file.stream(),
        })),
      );
      await client.putArchive(helper, directory, archive);
      const listed = await listEntries(client, helper, directory, 1, segments);
      return listed.filter((entry) => names.has(entry.name));
    });
  }

  async createFolder(client: DockerClient, volume: string, path: string, name: string): Promise<VolumeEntry> {
    const segments = parseVolumePath(path);
    assertValidName(name);
    return this.helpers.use(client, volume, async (helper) => {
      const parent = await resolve(client, helper, segments);
      const owner = await statOf(client, helper, parent, segments);
      if (owner.type !== 'directory') throw notADirectory(segments);
      const folder = `${parent}/${name}`;
      const made = await execIn(client, helper, ['mkdir', '--', folder]);
      if (made.exitCode !== 0) throw commandFailed(made.stderr, [...segments, name]);
      const chowned = await execIn(client, helper, ['chown', `${owner.uid}:${owner.gid}`, '--', folder]);
      if (chowned.exitCode !== 0) throw commandFailed(chowned.stderr, [...segments, name]);
      return this.entryAt(client, helper, folder);
    });
  }

  /** Renames in place (the same folder); never replaces what already has the new name. */
  async rename(client: DockerClient, volume: string, path: string, newName: string): Promise<VolumeEntry> {
    const segments = parseVolumePath(path);
    assertValidName(newName);
    const [parentSegments, name] = splitLast(segments);
    return this.helpers.use(client, volume, async (helper) => {
      const parent = await resolve(client, helper, parentSegments);
      const source = `${parent}/${name}`;
      const target = `${parent}/${newName}`;
      await statOf(client, helper, source, segments);
      if (await exists(client, helper, target)) {
        throw new HttpError(
          409,
          'ALREADY_EXISTS',
          `${describe([...parentSegments, newName])} already exists`,
        );
      }
      const moved = await execIn(client, helper, ['mv', '-n', '--', source, target]);
      if (moved.exitCode !== 0) throw commandFailed(moved.stderr, segments);
      if (await exists(client, helper, source)) {
        throw new HttpError(
          409,
          'ALREADY_EXISTS',
          `${describe([...parentSegments, newName])} already exists`,
        );
      }
      return this.entryAt(client, helper, target);
    });
  }

  /** Deletes a file, a symbolic link (not what it points to) or a folder with everything in it. */
  async remove(client: DockerClient, volume: string, path: string): Promise<void> {
    const segments = parseVolumePath(path);
    const [parentSegments, name] = splitLast(segments);
    await this.helpers.use(client, volume, async (helper) => {
      const parent = await resolve(client, helper, parentSegments);
      const target = `${parent}/${name}`;
      await statOf(client, helper, target, segments);
      const removed = await execIn(client, helper, ['rm', '-rf', '--', target]);
      if (removed.exitCode !== 0) throw commandFailed(removed.stderr, segments);
    });
  }

  private async entryAt(client: DockerClient, helper: string, absolute: string): Promise<VolumeEntry> {
    const result = await execIn(client, helper, ['stat', '-c', STAT_FORMAT, '--', absolute]);
    const line = new TextDecoder().decode(result.stdout).trim();
    if (result.exitCode !== 0 || !line)
      throw commandFailed(result.stderr, parseVolumePath(relativePath(absolute)));
    return toEntry(line, absolute);
  }
}

/**
 * realpath in the helper: symbolic links resolved, and the answer must stay inside the mount.
 * A missing last component is allowed (realpath still answers), a missing parent is 404.
 */
async function resolve(client: DockerClient, helper: string, segments: readonly string[]): Promise<string> {
  // realpath takes no "--", but the argument always starts with MOUNT_ROOT, never with "-".
  const result = await execIn(client, helper, ['realpath', mountPath(segments)]);
  if (result.exitCode !== 0) throw commandFailed(result.stderr, segments);
  const resolved = new TextDecoder().decode(result.stdout).replace(/\n$/, '');
  if (!isInsideMount(resolved)) {
    throw new HttpError(
      400,
      'PATH_OUTSIDE_VOLUME',
      `${describe(segments)} leads outside the volume through a symbolic link; Windflow does not follow it`,
    );
  }
  return resolved;
}

async function statOf(
  client: DockerClient,
  helper: string,
  absolute: string,
  segments: readonly string[],
): Promise<{ type: EntryType; size: number; uid: number; gid: number }> {
  const result = await execIn(client, helper, ['stat', '-c', STAT_FORMAT, '--', absolute]);
  const line = new TextDecoder().decode(result.stdout).trim();
  if (result.exitCode !== 0 || !line) throw commandFailed(result.stderr, segments);
  return toEntry(line, absolute);
}

async function exists(client: DockerClient, helper: string, absolute: string): Promise<boolean> {
  return (await execIn(client, helper, ['stat', '-c', '%f', '--', absolute])).exitCode === 0;
}

function splitLast(segments: readonly string[]): [string[], string] {
  const name = segments.at(-1);
  if (name === undefined) {
    throw new HttpError(400, 'PATH_IS_ROOT', "The volume's root cannot be renamed or deleted");
  }
  return [segments.slice(0, -1), name];
}

/**
 * One folder's entries (and the folder itself first, with minDepth 0) in at most three execs
 * whatever their number: find names them, one stat (run by find) reads them all, and one loop
 * reads the symbolic links' targets. Names may hold any byte but NUL, so names travel
 * NUL-separated, and stat's lines are read against the names find gave.
 */
async function listEntries(
  client: DockerClient,
  helper: string,
  directory: string,
  minDepth: 0 | 1,
  segments: readonly string[],
): Promise<VolumeEntry[]> {
  const listing = ['find', directory, '-mindepth', String(minDepth), '-maxdepth', '1'];
  const found = await execIn(client, helper, [...listing, '-print0']);
  if (found.exitCode !== 0 && found.stdout.length === 0) throw commandFailed(found.stderr, segments);
  const paths = nulSeparated(found.stdout);
  if (paths.length === 0) return [];
  // find hands the names to stat itself: no command here reads its input, so listings work
  // through agents that carry no stdin (a Hawser edge agent) or no half-close (Hawser standard).
  const stats = await execIn(client, helper, [
    ...listing,
    '-exec',
    'stat',
    '-c',
    `${STAT_FORMAT} %n`,
    '--',
    '{}',
    '+',
  ]);
  const listed = parseStats(new TextDecoder().decode(stats.stdout), paths);
  const links = listed.filter(({ entry }) => entry.type === 'symlink');
  if (links.length > 0) {
    // The same folder in the same order: the nth link found is the nth link listed.
    const targets = await execIn(client, helper, [
      ...listing,
      '-type',
      'l',
      '-exec',
      ...READ_LINKS,
      '{}',
      '+',
    ]);
    nulSeparated(targets.stdout).forEach((target, index) => {
      const link = links[index];
      if (link && target.text) link.entry.target = target.text;
    });
  }
  return listed.map(({ entry }) => entry);
}

// readlink for each path given, each target followed by a NUL (empty if gone).
const READ_LINKS = ['sh', '-c', 'for f; do readlink -n -- "$f"; printf "\\0"; done', 'sh'];

/** One NUL-terminated field (a name as find gave it, a link target): its bytes and its text. */
interface NulField {
  bytes: Uint8Array;
  text: string;
}

/**
 * stat prints `<fields> <path>\n` for each path it could read, in order, and nothing for one
 * removed since find ran. Reading each line against the expected path keeps names with spaces or
 * newlines whole.
 */
function parseStats(output: string, paths: readonly NulField[]): { path: NulField; entry: VolumeEntry }[] {
  const listed: { path: NulField; entry: VolumeEntry }[] = [];
  let at = 0;
  for (const path of paths) {
    const nameStart = afterFields(output, at);
    if (nameStart < 0) break;
    if (!output.startsWith(`${path.text}\n`, nameStart)) continue;
    listed.push({ path, entry: toEntry(output.slice(at, nameStart - 1), path.text) });
    at = nameStart + path.text.length + 1;
  }
  return listed;
}

/** Where the name starts in the stat line that starts at `at`, or -1 past the last line. */
function afterFields(output: string, at: number): number {
  let cursor = at;
  for (let field = 0; field < STAT_FIELDS; field++) {
    const space = output.indexOf(' ', cursor);
    if (space < 0) return -1;
    cursor = space + 1;
  }
  return cursor;
}

/** The NUL-terminated fields of a command's output. */
function nulSeparated(bytes: Uint8Array): NulField[] {
  const fields: NulField[] = [];
  const decoder = new TextDecoder();
  for (let start = 0, end = bytes.indexOf(0); end >= 0; start = end + 1, end = bytes.indexOf(0, start)) {
    const field = bytes.subarray(start, end);
    fields.push({ bytes: field, text: decoder.decode(field) });
  }
  return fields;
}

function toEntry(fields: string, absolute: string): VolumeEntry {
  const [modeHex = '0', size = '0', uid = '0', gid = '0', mtime = '0'] = fields.split(' ');
  const rawMode = Number.parseInt(modeHex, 16);
  return {
    name: absolute.split('/').pop() ?? '',
    path: relativePath(absolute),
    type: TYPE_BITS.get(rawMode & S_IFMT) ?? 'other',
    size: Number(size),
    mode: (rawMode & 0o7777).toString(8).padStart(4, '0'),
    uid: Number(uid),
    gid: Number(gid),
    mtime: new Date(Number(mtime) * 1000).toISOString(),
  };
}

function decodeText(bytes: Uint8Array, segments: readonly string[]): string {
  const binary = new HttpError(
    415,
    'BINARY_FILE',
    `${describe(segments)} is not text (it holds binary data); download it instead`,
  );
  if (bytes.includes(0)) throw binary;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw binary;
  }
}

/** The data of the first regular file in a tar stream. */
function firstFileOf(archive: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = archive.getReader();
  let done = false;
  let pending: Uint8Array[] = [];
  let inFile = false;
  const parser = new TarParser({
    onEntry: (entry) => {
      inFile = !done && entry.type === 'file';
    },
    onData: (bytes) => {
      if (inFile) pending.push(bytes.slice());
    },
    onEntryEnd: () => {
      if (inFile) done = true;
      inFile = false;
    },
  });
  return new ReadableStream({
    async pull(controller) {
      while (pending.length === 0 && !done) {
        const { value, done: ended } = await reader.read();
        if (ended) {
          parser.end();
          done = true;
          break;
        }
        parser.push(value);
      }
      for (const bytes of pending) controller.enqueue(bytes);
      pending = [];
      if (done) {
        controller.close();
        await reader.cancel().catch(() => undefined);
      }
    },
    async cancel() {
      await reader.cancel().catch(() => undefined);
    },
  });
}

/** Passes a stream through and calls `onDone` once when it ends, fails or is cancelled. */
function whenDone(
  stream: ReadableStream<Uint8Array>,
  onDone: () => Promise<void>,
): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  let finished = false;
  const finish = async () => {
    if (finished) return;
    finished = true;
    await onDone();
  };
  return new ReadableStream({
    async pull(controller) {
      try {
        const { value, done } = await reader.read();
        if (done) {
          controller.close();
          await finish();
        } else controller.enqueue(value);
      } catch (error) {
        controller.error(error);
        await finish();
      }
    },
    async cancel(reason) {
      await reader.cancel(reason).catch(() => undefined);
      await finish();
    },
  });
}

/** Writes the upload to `spool` while checking every entry's name; returns the entry count. */
/**
 * The symbolic links already in the volume (a container may have made `data -> /`): tar follows
 * a link on the way to an entry, so an entry under one would be written wherever it points.
 */
async function symlinksIn(client: DockerClient, helper: string): Promise<Set<string>> {
  const found = await execIn(client, helper, ['find', MOUNT_ROOT, '-type', 'l', '-print0'], {
    maxStdoutBytes: MAX_SYMLINK_LISTING_BYTES,
  });
  if (found.exitCode !== 0 || found.truncated)
    throw new HttpError(
      409,
      'VOLUME_UNREADABLE',
      'The links in the volume could not be listed before the import',
    );
  return new Set(
    new TextDecoder()
      .decode(found.stdout)
      .split('\0')
      .filter((path) => path.startsWith(`${MOUNT_ROOT}/`))
      .map((path) => normalizeEntryName(path.slice(MOUNT_ROOT.length + 1))),
  );
}

const MAX_SYMLINK_LISTING_BYTES = 16 * 1024 * 1024;

async function checkAndSpool(
  archive: ReadableStream<Uint8Array>,
  spool: string,
  volumeSymlinks: ReadonlySet<string>,
): Promise<number> {
  let entries = 0;
  const symlinks = new Set<string>();
  const parser = new TarParser({
    onEntry: (entry) => {
      assertInsideArchive(entry, symlinks, volumeSymlinks);
      if (entry.type === 'symlink') symlinks.add(normalizeEntryName(entry.name));
      entries += 1;
    },
  });
  const writer = Bun.file(spool).writer();
  try {
    for await (const chunk of archive) {
      parser.push(chunk);
      writer.write(chunk);
    }
    parser.end();
  } catch (error) {
    if (error instanceof TarFormatError) throw new HttpError(400, 'ARCHIVE_INVALID', error.message);
    throw error;
  } finally {
    await writer.end();
  }
  if (entries === 0) throw new HttpError(400, 'ARCHIVE_INVALID', 'The archive is empty');
  return entries;
}

/**
 * Entries must stay below the root: files, folders and links only (no devices or FIFOs), no
 * absolute names, no "..", and no path through a symbolic link the archive made earlier or the
 * volume already has (tar would follow it wherever it points). A symbolic link may point
 * anywhere: nothing is written through it.
 */
function assertInsideArchive(
  entry: TarEntry,
  symlinks: ReadonlySet<string>,
  volumeSymlinks: ReadonlySet<string>,
): void {
  const refuse = (what: string, name: string, why: string) =>
    new HttpError(400, 'ARCHIVE_UNSAFE', `The archive has ${what} "${printable(name)}" that ${why}`);
  if (entry.type === 'other')
    throw refuse('a special file', entry.name, 'is not a file, folder or link (a device or a FIFO)');
  const check = (what: string, name: string) => {
    if (name.startsWith('/') || name.split('/').includes('..')) {
      throw refuse(what, name, 'leads outside the volume');
    }
    const segments = normalizeEntryName(name).split('/');
    for (let depth = 1; depth < segments.length; depth++) {
      const prefix = segments.slice(0, depth).join('/');
      if (symlinks.has(prefix)) throw refuse(what, name, 'goes through a symbolic link in the archive');
      if (volumeSymlinks.has(prefix)) throw refuse(what, name, 'goes through a symbolic link in the volume');
    }
  };
  check('an entry', entry.name);
  if (entry.type === 'hardlink') check('a hard link to', entry.linkName);
}

function normalizeEntryName(name: string): string {
  return name
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.')
    .join('/');
}

function commandFailed(stderr: string, segments: readonly string[]): HttpError {
  if (/No such file or directory/i.test(stderr)) return notFound(segments);
  if (/Not a directory/i.test(stderr)) return notADirectory(segments);
  if (/File exists/i.test(stderr))
    return new HttpError(409, 'ALREADY_EXISTS', `${describe(segments)} already exists`);
  if (/Permission denied|Read-only file system/i.test(stderr)) {
    return new HttpError(403, 'VOLUME_PERMISSION_DENIED', `${describe(segments)}: ${stderr}`);
  }
  return new HttpError(
    500,
    'VOLUME_COMMAND_FAILED',
    `${describe(segments)}: ${stderr || 'the helper command failed'}`,
  );
}

function notFound(segments: readonly string[]): HttpError {
  return new HttpError(404, 'PATH_NOT_FOUND', `${describe(segments)} does not exist`);
}

function notADirectory(segments: readonly string[]): HttpError {
  return new HttpError(400, 'NOT_A_DIRECTORY', `${describe(segments)} is not a folder`);
}

function tooLarge(segments: readonly string[], size: number, limit: number): HttpError {
  return new HttpError(
    413,
    'FILE_TOO_LARGE',
    `${describe(segments)} is ${size} bytes; files over ${limit} bytes are not shown, download it instead`,
  );
}

function describe(segments: readonly string[]): string {
  return segments.length === 0 ? "The volume's root" : `"${printable(segments.join('/'))}"`;
}
