// Vulnerability scans of one environment's images: an image's kept scans, counts of every
// scanned image, and a scan now (a job to follow).
import type { ImageScan, Job, Scanner, ScanSettings, SeverityCounts } from '../../src/docker/views.ts';
import { call } from './api';

export type { Severity, Vulnerability } from '../../src/docker/views.ts';
export { SCANNERS, SEVERITIES } from '../../src/docker/views.ts';
export type { ImageScan, Scanner, ScanSettings, SeverityCounts };

export interface ScanSummary {
  digest: string;
  scanner: Scanner;
  counts: SeverityCounts;
  scannedAt: string;
}

const base = (environmentId: number) => `api/environments/${environmentId}/scans`;

export const scansApi = {
  summaries: (environmentId: number) => call<ScanSummary[]>('GET', base(environmentId)),
  image: (environmentId: number, reference: string) =>
    call<{ imageId: string; tags: string[]; scans: ImageScan[] }>(
      'GET',
      `${base(environmentId)}/image?ref=${encodeURIComponent(reference)}`,
    ),
  scan: (environmentId: number, reference: string, scanner?: Scanner) =>
    call<Job>('POST', base(environmentId), { ref: reference, ...(scanner ? { scanner } : {}) }),
  settings: () => call<ScanSettings>('GET', 'api/settings/scanning'),
  saveSettings: (settings: Partial<ScanSettings>) =>
    call<ScanSettings>('PUT', 'api/settings/scanning', settings),
};
