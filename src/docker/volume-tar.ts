// Just enough tar for the volume browser: a streaming writer for uploads (ustar headers, with a
// PAX record for long or non-ASCII names) and a push parser that reads the entries of what the
// Engine's archive API sends or a person imports (ustar, PAX and GNU long names).
import { streamFrom } from './streams.ts';

const BLOCK = 512;
const MAX_OCTAL_SIZE = 8 ** 11 - 1;

export type TarEntryType = 'file' | 'hardlink' | 'symlink' | 'directory' | 'other';

export interface TarEntry {
  name: string;
  linkName: string;
  type: TarEntryType;
  size: number;
}

export interface TarSourceEntry {
  name: string;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch. */
  mtime: number;
  body: () => ReadableStream<Uint8Array>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A tar of regular files, streamed: each body is read only when its turn comes. */
export function tarStream(entries: readonly TarSourceEntry[]): ReadableStream<Uint8Array> {
  async function* blocks(): AsyncGenerator<Uint8Array> {
    for (const entry of entries) {
      const pax = paxRecords(entry);
      if (pax) {
        yield header({ ...entry, name: 'PaxHeader', size: pax.length }, 'x');
        yield* padded(pax);
      }
      yield header(entry, '0');
      let written = 0;
      for await (const chunk of entry.body()) {
        written += chunk.length;
        yield chunk;
      }
      if (written !== entry.size) throw new Error(`${entry.name} changed size while it was being sent`);
      yield padding(written);
    }
    yield new Uint8Array(BLOCK * 2);
  }
  return streamFrom(blocks());
}

function paxRecords(entry: TarSourceEntry): Uint8Array | undefined {
  const records: string[] = [];
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ustar names are 7-bit ASCII
  if (Buffer.byteLength(entry.name) > 100 || /[^\u0001-\u007f]/.test(entry.name))
    records.push(paxRecord('path', entry.name));
  if (entry.size > MAX_OCTAL_SIZE) records.push(paxRecord('size', String(entry.size)));
  return records.length > 0 ? encoder.encode(records.join('')) : undefined;
}

/** "<length> key=value\n", where length counts the whole record including its own digits. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyBytes = Buffer.byteLength(body);
  let digits = String(bodyBytes).length;
  while (String(bodyBytes + digits).length !== digits) digits += 1;
  return `${bodyBytes + digits}${body}`;
}

function header(entry: Omit<TarSourceEntry, 'body'>, typeflag: string): Uint8Array {
  const block = new Uint8Array(BLOCK);
  const put = (offset: number, length: number, text: string) =>
    block.set(encoder.encode(text).subarray(0, length), offset);
  const octal = (offset: number, length: number, value: number) =>
    put(
      offset,
      length,
      `${Math.min(value, 8 ** (length - 1) - 1)
        .toString(8)
        .padStart(length - 1, '0')}\0`,
    );
  put(0, 100, asciiName(entry.name));
  octal(100, 8, entry.mode);
  octal(108, 8, entry.uid);
  octal(116, 8, entry.gid);
  octal(124, 12, entry.size);
  octal(136, 12, entry.mtime);
  put(148, 8, ' '.repeat(8));
  put(156, 1, typeflag);
  put(257, 8, 'ustar\x0000');
  const checksum = block.reduce((sum, byte) => sum + byte, 0);
  put(148, 8, `${checksum.toString(8).padStart(6, '0')}\0 `);
  return block;
}

/** The ustar name field's fallback when a PAX path carries the real one. */
function asciiName(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: replace what ustar cannot hold
  const ascii = name.replace(/[^\u0001-\u007f]/g, '_');
  return ascii.length > 100 ? ascii.slice(0, 100) : ascii;
}

async function* padded(data: Uint8Array): AsyncGenerator<Uint8Array> {
  yield data;
  yield padding(data.length);
}

function padding(size: number): Uint8Array {
  return new Uint8Array((BLOCK - (size % BLOCK)) % BLOCK);
}

export interface TarHandlers {
  onEntry?(entry: TarEntry): void;
  /** The bytes of the current entry (not of PAX or GNU meta entries). */
  onData?(bytes: Uint8Array): void;
  onEntryEnd?(entry: TarEntry): void;
}

export class TarFormatError extends Error {
  override name = 'TarFormatError';
}

/**
 * Reads a tar stream as it arrives. Throws TarFormatError (from push or end) on a damaged
 * header or a stream that stops inside an entry.
 */
export class TarParser {
  private buffer: Uint8Array = new Uint8Array(0);
  private current: TarEntry | undefined;
  private remaining = 0;
  private paddingLeft = 0;
  private paddingAfter = 0;
  private meta: { kind: 'x' | 'g' | 'L' | 'K'; bytes: Uint8Array[]; left: number } | undefined;
  private pending: { path?: string; linkpath?: string; size?: number } = {};
  private finished = false;

  constructor(private readonly handlers: TarHandlers) {}

  get ended(): boolean {
    return this.finished;
  }

  push(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length && !this.finished) {
      if (this.paddingLeft > 0) {
        const skip = Math.min(this.paddingLeft, chunk.length - offset);
        this.paddingLeft -= skip;
        offset += skip;
      } else if (this.meta) {
        offset += this.readMeta(chunk.subarray(offset));
      } else if (this.current) {
        const take = Math.min(this.remaining, chunk.length - offset);
        if (take > 0) this.handlers.onData?.(chunk.subarray(offset, offset + take));
        this.remaining -= take;
        offset += take;
        if (this.remaining === 0) this.endEntry();
      } else {
        const need = BLOCK - this.buffer.length;
        const take = Math.min(need, chunk.length - offset);
        this.buffer = concat(this.buffer, chunk.subarray(offset, offset + take));
        offset += take;
        if (this.buffer.length === BLOCK) {
          const block = this.buffer;
          this.buffer = new Uint8Array(0);
          this.readHeader(block);
        }
      }
    }
  }

  /** The input is over: it must not stop inside an entry. */
  end(): void {
    if (this.current || this.meta || this.buffer.length > 0) {
      throw new TarFormatError('The archive ends in the middle of an entry');
    }
  }

  private readHeader(block: Uint8Array): void {
    if (block.every((byte) => byte === 0)) {
      this.finished = true;
      return;
    }
    if (!checksumMatches(block)) throw new TarFormatError('The archive has a damaged header (bad checksum)');
    const typeflag = String.fromCharCode(block[156] ?? 0);
    const size = readNumber(block.subarray(124, 136));
    if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
      this.meta = { kind: typeflag, bytes: [], left: size };
      this.paddingLeft = 0;
      if (size === 0) this.finishMeta();
      return;
    }
    const isPosix = readString(block.subarray(257, 263)) === 'ustar';
    const prefix = isPosix ? readString(block.subarray(345, 500)) : '';
    const name = readString(block.subarray(0, 100));
    const entry: TarEntry = {
      name: this.pending.path ?? (prefix ? `${prefix}/${name}` : name),
      linkName: this.pending.linkpath ?? readString(block.subarray(157, 257)),
      type: entryType(typeflag),
      size: this.pending.size ?? size,
    };
    this.pending = {};
    // As in Go's archive/tar: links, devices, directories and FIFOs carry no data whatever
    // their size field says.
    const dataSize = '123456'.includes(typeflag) ? 0 : entry.size;
    this.current = entry;
    this.remaining = dataSize;
    this.paddingAfter = (BLOCK - (dataSize % BLOCK)) % BLOCK;
    this.handlers.onEntry?.(entry);
    if (dataSize === 0) this.endEntry();
  }

  private endEntry(): void {
    const entry = this.current;
    if (!entry) return;
    this.current = undefined;
    this.paddingLeft = this.paddingAfter;
    this.handlers.onEntryEnd?.(entry);
  }

  private readMeta(chunk: Uint8Array): number {
    const meta = this.meta;
    if (!meta) return 0;
    const take = Math.min(meta.left, chunk.length);
    meta.bytes.push(chunk.slice(0, take));
    meta.left -= take;
    if (meta.left === 0) this.finishMeta();
    return take;
  }

  private finishMeta(): void {
    const meta = this.meta;
    if (!meta) return;
    this.meta = undefined;
    const bytes = meta.bytes.reduce(concat, new Uint8Array(0));
    this.paddingLeft = (BLOCK - (bytes.length % BLOCK)) % BLOCK;
    if (meta.kind === 'L') this.pending.path = readString(bytes);
    else if (meta.kind === 'K') this.pending.linkpath = readString(bytes);
    else if (meta.kind === 'x') Object.assign(this.pending, parsePax(bytes));
  }
}

function parsePax(bytes: Uint8Array): { path?: string; linkpath?: string; size?: number } {
  const found: { path?: string; linkpath?: string; size?: number } = {};
  let offset = 0;
  while (offset < bytes.length) {
    const space = bytes.indexOf(0x20, offset);
    const length = Number(decoder.decode(bytes.subarray(offset, space)));
    if (space < 0 || !Number.isInteger(length) || length <= 0) {
      throw new TarFormatError('The archive has a damaged PAX header');
    }
    const record = decoder.decode(bytes.subarray(space + 1, offset + length - 1));
    const equals = record.indexOf('=');
    const key = record.slice(0, equals);
    const value = record.slice(equals + 1);
    if (key === 'path') found.path = value;
    else if (key === 'linkpath') found.linkpath = value;
    else if (key === 'size') found.size = Number(value);
    offset += length;
  }
  return found;
}

function entryType(typeflag: string): TarEntryType {
  if (typeflag === '0' || typeflag === '\0' || typeflag === '7') return 'file';
  if (typeflag === '1') return 'hardlink';
  if (typeflag === '2') return 'symlink';
  if (typeflag === '5') return 'directory';
  return 'other';
}

function checksumMatches(block: Uint8Array): boolean {
  let sum = 0;
  for (let index = 0; index < BLOCK; index++) sum += index >= 148 && index < 156 ? 0x20 : (block[index] ?? 0);
  return readNumber(block.subarray(148, 156)) === sum;
}

/** Octal, or base-256 when the top bit of the first byte is set (GNU, for big values). */
function readNumber(field: Uint8Array): number {
  if (((field[0] ?? 0) & 0x80) !== 0) {
    let value = (field[0] ?? 0) & 0x7f;
    for (const byte of field.subarray(1)) value = value * 256 + byte;
    return value;
  }
  const text = readString(field).trim();
  return text === '' ? 0 : Number.parseInt(text, 8);
}

function readString(field: Uint8Array): string {
  const end = field.indexOf(0);
  return decoder.decode(end < 0 ? field : field.subarray(0, end));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}
