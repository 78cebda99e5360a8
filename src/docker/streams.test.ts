// The stream parsers on hand-made byte streams: frames and lines cut at every possible place.
import { expect, test } from 'bun:test';
import { demuxDockerStream, jsonLines, type OutputChunk } from './streams.ts';

function frame(streamType: number, text: string): Uint8Array {
  const payload = new TextEncoder().encode(text);
  const bytes = new Uint8Array(8 + payload.length);
  bytes[0] = streamType;
  new DataView(bytes.buffer).setUint32(4, payload.length);
  bytes.set(payload, 8);
  return bytes;
}

async function* chunked(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    yield bytes.slice(start, cut);
    start = cut;
  }
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

const text = (chunks: OutputChunk[]) =>
  chunks.map((chunk) => `${chunk.stream}:${new TextDecoder().decode(chunk.data)}`);

test('frames are split out whatever the chunk boundaries', async () => {
  const whole = new Uint8Array([
    ...frame(1, 'hello\n'),
    ...frame(2, 'oops\n'),
    ...frame(1, ''),
    ...frame(1, 'bye'),
  ]);
  for (let cut = 1; cut < whole.length; cut++) {
    const chunks = await collect(demuxDockerStream(chunked(whole, [cut])));
    expect(text(chunks)).toEqual(['stdout:hello\n', 'stderr:oops\n', 'stdout:', 'stdout:bye']);
  }
  const byteByByte = await collect(demuxDockerStream(chunked(whole, [...whole.keys()].slice(1))));
  expect(text(byteByByte)).toHaveLength(4);
});

test('a stream that ends inside a frame is an error, not silent loss', async () => {
  const truncated = frame(1, 'hello').slice(0, 10);
  await expect(collect(demuxDockerStream(chunked(truncated, [])))).rejects.toThrow('ended inside a frame');
});

test('JSON lines across chunk boundaries, multi-byte characters included', async () => {
  const bytes = new TextEncoder().encode(
    '{"status":"Pulling é"}\n{"id":"a","progress":"[=>  ]"}\n\n{"status":"done"}',
  );
  for (let cut = 1; cut < bytes.length; cut++) {
    expect(await collect(jsonLines(chunked(bytes, [cut])))).toEqual([
      { status: 'Pulling é' },
      { id: 'a', progress: '[=>  ]' },
      { status: 'done' },
    ]);
  }
});
