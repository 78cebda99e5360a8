// The volume browser's helper image, made at build time so that Windflow carries it and never
// needs a registry: one layer holding Debian's static busybox (package busybox-static) and a link
// for each of its applets, written as a `docker save` archive that POST /images/load takes.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BUSYBOX = '/bin/busybox';
const PT_INTERP = 3;

export function writeHelperImage(outFile: string, tag: string): void {
  const busybox = readStaticBusybox();
  const work = mkdtempSync(join(tmpdir(), 'windflow-helper-image-'));
  try {
    const rootfs = join(work, 'rootfs');
    mkdirSync(join(rootfs, 'bin'), { recursive: true });
    writeFileSync(join(rootfs, 'bin', 'busybox'), busybox, { mode: 0o755 });
    const applets = run([BUSYBOX, '--list']).split('\n').filter(Boolean);
    for (const applet of applets)
      if (applet !== 'busybox') symlinkSync('busybox', join(rootfs, 'bin', applet));
    for (const dir of ['tmp', 'etc', 'volume']) mkdirSync(join(rootfs, dir));

    const image = join(work, 'image');
    mkdirSync(image);
    // Reproducible: the same busybox gives the same layer, config and image id.
    const layerTar = join(work, 'layer.tar');
    run([
      'tar',
      '--sort=name',
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '--mtime=@0',
      '-C',
      rootfs,
      '-cf',
      layerTar,
      '.',
    ]);
    const layer = readFileSync(layerTar);
    const diffId = sha256(layer);
    mkdirSync(join(image, diffId));
    writeFileSync(join(image, diffId, 'layer.tar'), layer);
    const config = JSON.stringify({
      architecture: { x64: 'amd64', arm64: 'arm64' }[process.arch as string] ?? process.arch,
      os: 'linux',
      created: '1970-01-01T00:00:00Z',
      config: { Env: ['PATH=/bin'], Cmd: ['sh'], WorkingDir: '/' },
      rootfs: { type: 'layers', diff_ids: [`sha256:${diffId}`] },
      history: [{ created: '1970-01-01T00:00:00Z', created_by: `Windflow: ${BUSYBOX} from busybox-static` }],
    });
    const configFile = `${sha256(Buffer.from(config))}.json`;
    writeFileSync(join(image, configFile), config);
    writeFileSync(
      join(image, 'manifest.json'),
      JSON.stringify([{ Config: configFile, RepoTags: [tag], Layers: [`${diffId}/layer.tar`] }]),
    );
    run(['tar', '--owner=0', '--group=0', '--numeric-owner', '-C', image, '-cf', outFile, '.']);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Debian's busybox package has a dynamically linked /bin/busybox; the image needs the static one. */
function readStaticBusybox(): Buffer {
  let binary: Buffer;
  try {
    binary = readFileSync(BUSYBOX);
  } catch {
    throw new Error(
      `${BUSYBOX} is missing: install Debian's busybox-static (apt-get install busybox-static)`,
    );
  }
  if (!isStaticElf(binary))
    throw new Error(`${BUSYBOX} is dynamically linked: install busybox-static instead of busybox`);
  return binary;
}

/** A 64-bit little-endian ELF without a program interpreter. */
function isStaticElf(binary: Buffer): boolean {
  if (binary.readUInt32BE(0) !== 0x7f454c46 || binary[4] !== 2 || binary[5] !== 1) return false;
  const offset = Number(binary.readBigUInt64LE(0x20));
  const size = binary.readUInt16LE(0x36);
  const count = binary.readUInt16LE(0x38);
  for (let index = 0; index < count; index++) {
    if (binary.readUInt32LE(offset + index * size) === PT_INTERP) return false;
  }
  return true;
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function run(argv: string[]): string {
  const result = Bun.spawnSync(argv, { stderr: 'pipe' });
  if (result.exitCode !== 0) throw new Error(`${argv[0]} failed: ${result.stderr.toString()}`);
  return result.stdout.toString();
}
