// The stream readers on hand-built byte streams, cut at every possible place.
import { expect, test } from 'bun:test';
import { DockerApiError } from './errors.ts';
import { demuxDockerStream, jsonLines, type LogChunk, rawStream } from './streams.ts';
import { collect, textOf } from './test-support.ts';

function frame(streamType: number, text: string): Uint8Array {
  const payload = new TextEncoder().encode(text);
  const bytes = new Uint8Array(8 + payload.length);
  bytes[0] = streamType;
  new DataView(bytes.buffer).setUint32(4, payload.length);
  bytes.set(payload, 8);
  return bytes;
}

/** A byte stream that delivers `bytes` in chunks ending at `cuts`. */
function chunked(bytes: Uint8Array, cuts: number[]): ReadableStream<Uint8Array> {
  const chunks = [...cuts, bytes.length].map((end, index, ends) => bytes.slice(ends[index - 1] ?? 0, end));
  return new ReadableStream({
    pull(controller) {
      const next = chunks.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
}

const labelled = (chunks: LogChunk[]) =>
  chunks.map((chunk) => `${chunk.stream}:${new TextDecoder().decode(chunk.data)}`);

test('frames come apart whether split across chunks or several to a chunk', async () => {
  const whole = new Uint8Array([
    ...frame(1, 'hello\n'),
    ...frame(2, 'oops\n'),
    ...frame(1, ''),
    ...frame(0, 'typed'),
    ...frame(1, 'bye'),
  ]);
  const expected = ['stdout:hello\n', 'stderr:oops\n', 'stdout:', 'stdin:typed', 'stdout:bye'];
  expect(labelled(await collect(demuxDockerStream(chunked(whole, []))))).toEqual(expected);
  for (let cut = 1; cut < whole.length; cut++) {
    expect(labelled(await collect(demuxDockerStream(chunked(whole, [cut]))))).toEqual(expected);
  }
  const byteByByte = [...whole.keys()].slice(1);
  expect(labelled(await collect(demuxDockerStream(chunked(whole, byteByByte))))).toEqual(expected);
});

test('a frame larger than the chunks it arrives in is put back together', async () => {
  const big = 'x'.repeat(100_000);
  const bytes = frame(2, big);
  const cuts = Array.from({ length: Math.floor(bytes.length / 4096) }, (_, index) => (index + 1) * 4096);
  const chunks = await collect(demuxDockerStream(chunked(bytes, cuts)));
  expect(chunks).toHaveLength(1);
  expect(textOf(chunks, 'stderr')).toBe(big);
});

test('a stream that ends inside a frame is an error, not silent loss', async () => {
  const truncated = frame(1, 'hello').slice(0, 10);
  await expect(collect(demuxDockerStream(chunked(truncated, [])))).rejects.toThrow('ended inside a frame');
});

test("the daemon's own error frames are thrown, unknown stream types refused", async () => {
  const systemError = new Uint8Array([...frame(1, 'partial'), ...frame(3, 'container stopped unexpectedly')]);
  const seen: LogChunk[] = [];
  const error = await (async () => {
    for await (const chunk of demuxDockerStream(chunked(systemError, []))) seen.push(chunk);
  })().catch((caught: unknown) => caught);
  expect(labelled(seen)).toEqual(['stdout:partial']);
  expect(error).toBeInstanceOf(DockerApiError);
  expect((error as Error).message).toBe('container stopped unexpectedly');
  await expect(collect(demuxDockerStream(chunked(frame(7, 'x'), [])))).rejects.toThrow(
    'unknown stream type 7',
  );
});

test('a TTY stream is passed through as stdout, bytes untouched', async () => {
  const bytes = new Uint8Array([1, 0, 0, 0, 0, 0, 0, 2, 104, 105]); // looks like a frame, is not one
  const chunks = await collect(rawStream(chunked(bytes, [3])));
  expect(chunks.map((chunk) => chunk.stream)).toEqual(['stdout', 'stdout']);
  expect(Buffer.concat(chunks.map((chunk) => chunk.data))).toEqual(Buffer.from(bytes));
});

test('JSON lines across chunk boundaries, multi-byte characters and blank lines included', async () => {
  const bytes = new TextEncoder().encode(
    '{"status":"Pulling é"}\r\n{"id":"a","progress":"[=>  ]"}\n\n{"status":"done"}',
  );
  const expected = [{ status: 'Pulling é' }, { id: 'a', progress: '[=>  ]' }, { status: 'done' }];
  for (let cut = 1; cut < bytes.length; cut++) {
    expect(await collect(jsonLines(chunked(bytes, [cut])))).toEqual(expected);
  }
  expect(await collect(jsonLines(chunked(bytes, [...bytes.keys()].slice(1))))).toEqual(expected);
});
