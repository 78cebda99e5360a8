// Readers for the Engine's streaming answers: the 8-byte-header framing of non-TTY logs and
// attach/exec output, and newline-delimited JSON (pull/push/build progress, events).
import { DockerApiError } from './errors.ts';

/** A piece of a container's output (logs, attach, exec), and which stream it came on. */
export interface LogChunk {
  stream: 'stdin' | 'stdout' | 'stderr';
  data: Uint8Array;
}

const STREAM_NAMES = ['stdin', 'stdout', 'stderr'] as const;
// Newer daemons put their own errors into the stream as frames of this type.
const SYSTEM_ERROR = 3;
const HEADER_BYTES = 8;

/**
 * Splits the multiplexed stream into its frames: a header of [stream type, 0, 0, 0, uint32 BE
 * size] and then `size` bytes. Frames may span chunks and chunks may hold several frames.
 */
export async function* demuxDockerStream(source: AsyncIterable<Uint8Array>): AsyncGenerator<LogChunk> {
  let buffer: Uint8Array = new Uint8Array(0);
  for await (const chunk of source) {
    buffer = buffer.length === 0 ? chunk : concat(buffer, chunk);
    let offset = 0;
    while (buffer.length - offset >= HEADER_BYTES) {
      const view = new DataView(buffer.buffer, buffer.byteOffset + offset, HEADER_BYTES);
      const size = view.getUint32(4);
      if (buffer.length - offset - HEADER_BYTES < size) break;
      const start = offset + HEADER_BYTES;
      const data = buffer.slice(start, start + size);
      offset = start + size;
      const streamType = view.getUint8(0);
      if (streamType === SYSTEM_ERROR) throw new DockerApiError(500, new TextDecoder().decode(data));
      const stream = STREAM_NAMES[streamType];
      if (!stream) throw new Error(`unknown stream type ${streamType} in a multiplexed stream`);
      yield { stream, data };
    }
    buffer = buffer.subarray(offset);
  }
  if (buffer.length > 0) throw new Error(`the stream ended inside a frame (${buffer.length} bytes left)`);
}

/** A TTY stream has no framing: everything is stdout. */
export async function* rawStream(source: AsyncIterable<Uint8Array>): AsyncGenerator<LogChunk> {
  for await (const data of source) yield { stream: 'stdout', data };
}

/** Newline-delimited JSON (progress of pull and push, events); lines may span chunks. */
export async function* jsonLines<T>(source: AsyncIterable<Uint8Array>): AsyncGenerator<T> {
  const decoder = new TextDecoder();
  let pending = '';
  for await (const chunk of source) {
    pending += decoder.decode(chunk, { stream: true });
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) yield JSON.parse(line) as T;
  }
  pending += decoder.decode();
  if (pending.trim()) yield JSON.parse(pending) as T;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

/** A byte stream pulled from a generator; cancelling the stream ends the generator. */
export function streamFrom(source: AsyncGenerator<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream({
    async pull(controller) {
      const { value, done } = await source.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel() {
      await source.return(undefined);
    },
  });
}
