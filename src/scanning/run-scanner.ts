// Runs Grype or Trivy as a container on the environment, through the Docker client (so a socket,
// TLS or an agent tunnel alike): the image to scan goes in as a `docker save` archive, so the
// scanner never gets the Docker socket (which would be root on the host), and its vulnerability
// database lives in a named volume, kept between runs. Its JSON report comes back on stdout.
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DockerClient } from '../docker/client.ts';
import { ensureImage } from '../docker/containers.ts';
import type { RegistryAuth } from '../docker/image-reference.ts';
import { exportImage } from '../docker/images.ts';
import type { Scanner } from '../docker/views.ts';
import { tarStream } from '../docker/volume-tar.ts';
import { parseScanReport, type ScanFindings } from './scan-report.ts';

export const SCANNER_LABEL = 'windflow.helper';
export const SCANNER_KIND = 'vulnerability-scan';
const ARCHIVE = '/windflow-scan/image.tar';
const CACHE = '/cache';
const SCAN_TIMEOUT_MS = 60 * 60_000;

/** Each scanner's command line for an image archive, with its database in CACHE. */
const COMMANDS: Record<Scanner, { cmd: string[]; env: string[] }> = {
  grype: {
    cmd: [`docker-archive:${ARCHIVE}`, '-o', 'json'],
    env: [`GRYPE_DB_CACHE_DIR=${CACHE}`, 'GRYPE_CHECK_FOR_APP_UPDATE=false'],
  },
  trivy: {
    cmd: [
      'image',
      '--input',
      ARCHIVE,
      '--format',
      'json',
      '--cache-dir',
      CACHE,
      '--scanners',
      'vuln',
      '--quiet',
    ],
    env: [],
  },
};

/** The named volume a scanner keeps its vulnerability database in. */
export const databaseVolume = (scanner: Scanner) => `windflow-${scanner}-db`;

export class ScanError extends Error {}

export interface ScannerRun {
  scanner: Scanner;
  /** The scanner's own image (anchore/grype, aquasec/trivy or a mirror of them). */
  scannerImage: string;
  /** The image to scan: an id or a reference the environment has. */
  target: string;
  auth?: RegistryAuth;
  report?: (step: string) => void;
  signal?: AbortSignal;
}

export async function runScanner(client: DockerClient, run: ScannerRun): Promise<ScanFindings> {
  const report = run.report ?? (() => {});
  report(`getting ${run.scannerImage}`);
  await ensureImage(client, run.scannerImage, run.auth);
  const volume = databaseVolume(run.scanner);
  await client.request('POST', '/volumes/create', {
    body: { Name: volume, Labels: { [SCANNER_LABEL]: SCANNER_KIND } },
  });
  const archive = join(tmpdir(), `windflow-scan-${crypto.randomUUID()}.tar`);
  let containerId: string | undefined;
  try {
    report(`saving ${run.target}`);
    await Bun.write(archive, new Response(await exportImage(client, run.target)));
    const { cmd, env } = COMMANDS[run.scanner];
    containerId = (
      await client.createContainer({
        Image: run.scannerImage,
        Cmd: cmd,
        Env: env,
        Labels: { [SCANNER_LABEL]: SCANNER_KIND, 'windflow.scan.target': run.target },
        HostConfig: {
          Mounts: [{ Type: 'volume', Source: volume, Target: CACHE }],
          CapDrop: ['ALL'],
          SecurityOpt: ['no-new-privileges'],
        },
      })
    ).Id;
    const file = Bun.file(archive);
    await client.putArchive(
      containerId,
      '/',
      tarStream([
        {
          name: ARCHIVE.slice(1),
          size: file.size,
          mode: 0o644,
          uid: 0,
          gid: 0,
          mtime: Math.floor(Date.now() / 1000),
          body: () => file.stream(),
        },
      ]),
    );
    await rm(archive, { force: true });
    report(`scanning with ${run.scanner}`);
    await client.startContainer(containerId);
    const { StatusCode } = await client.request<{ StatusCode: number }>(
      'POST',
      `/containers/${containerId}/wait`,
      { timeoutMs: SCAN_TIMEOUT_MS, signal: run.signal },
    );
    const { stdout, stderr } = await output(client, containerId);
    if (StatusCode !== 0)
      throw new ScanError(
        `${run.scanner} exited with code ${StatusCode}: ${stderr.trim().slice(-500) || stdout.trim().slice(-500)}`,
      );
    report('reading the report');
    return parseScanReport(run.scanner, stdout);
  } finally {
    await rm(archive, { force: true });
    if (containerId) await client.removeContainer(containerId, { force: true }).catch(() => undefined);
  }
}

async function output(client: DockerClient, id: string): Promise<{ stdout: string; stderr: string }> {
  const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  const text = { stdout: '', stderr: '' };
  for await (const chunk of client.containerLogs(id)) {
    const stream = chunk.stream === 'stderr' ? 'stderr' : 'stdout';
    text[stream] += decoders[stream].decode(chunk.data, { stream: true });
  }
  return text;
}
