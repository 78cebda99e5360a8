// The tar writer and parser together, on names ustar cannot hold and data that spans blocks.
import { expect, test } from 'bun:test';
import { type TarEntry, TarFormatError, TarParser, tarStream } from './volume-tar.ts';

const source = (name: string, data: Uint8Array) => ({
  name,
  size: data.length,
  mode: 0o640,
  uid: 1000,
  gid: 1001,
  mtime: 1_700_000_000,
  body: () => new Blob([data]).stream(),
});

async function parse(archive: Uint8Array, chunkSize: number) {
  const entries: { entry: TarEntry; data: Uint8Array }[] = [];
  let parts: Uint8Array[] = [];
  const parser = new TarParser({
    onEntry: () => {
      parts = [];
    },
    onData: (bytes) => parts.push(bytes.slice()),
    onEntryEnd: (entry) => entries.push({ entry, data: Buffer.concat(parts) }),
  });
  for (let offset = 0; offset < archive.length; offset += chunkSize) {
    parser.push(archive.subarray(offset, offset + chunkSize));
  }
  parser.end();
  return { entries, ended: parser.ended };
}

test('what the writer writes, the parser reads back, whatever the chunking', async () => {
  const names = [
    'plain.txt',
    'ü-名前-✓.txt',
    'x'.repeat(99),
    'y'.repeat(100),
    'z'.repeat(200),
    // 91 bytes: its PAX record's length is 101, where the length field grows to three digits.
    `ü${'p'.repeat(89)}`,
  ];
  const data = names.map((_, index) =>
    new Uint8Array(index * 700 + 3).map((_, byte) => (byte * 7 + index) % 256),
  );
  const archive = new Uint8Array(
    await new Response(
      tarStream(names.map((name, index) => source(name, data[index] ?? new Uint8Array()))),
    ).arrayBuffer(),
  );
  expect(archive.length % 512).toBe(0);
  for (const chunkSize of [1, 511, 4096, archive.length]) {
    const { entries, ended } = await parse(archive, chunkSize);
    expect(ended).toBe(true);
    expect(entries.map(({ entry }) => entry.name)).toEqual(names);
    expect(entries.map(({ data }) => data)).toEqual(data);
    expect(entries.every(({ entry }) => entry.type === 'file')).toBe(true);
  }
});

test('a damaged header or an archive cut short is an error', async () => {
  const archive = new Uint8Array(
    await new Response(tarStream([source('a.txt', new Uint8Array(1000))])).arrayBuffer(),
  );
  const damaged = archive.slice();
  damaged[10] = 0x41;
  await expect(parse(damaged, 512)).rejects.toBeInstanceOf(TarFormatError);
  await expect(parse(archive.subarray(0, 1024), 512)).rejects.toThrow('ends in the middle of an entry');
});

test('the writer refuses a body that is not the size it announced', async () => {
  const liar = { ...source('liar.txt', new Uint8Array(10)), size: 20 };
  await expect(new Response(tarStream([liar])).arrayBuffer()).rejects.toThrow('changed size');
});
