// Vulnerability scans per image digest (the image id): the newest scan of each digest by each
// scanner is kept, with its findings; an older one of the same digest and scanner is replaced.
import type { ImageScan, Scanner, SeverityCounts, Vulnerability } from '../docker/views.ts';
import type { Database } from './database.ts';

interface ScanRow {
  id: number;
  environment_id: number;
  image: string;
  digest: string;
  scanner: Scanner;
  counts: string;
  vulnerabilities: string;
  error: string | null;
  scanned_at: string;
}

export type NewImageScan = Omit<ImageScan, 'id'>;

export class ImageScanStore {
  constructor(private readonly db: Database) {}

  async save(scan: NewImageScan): Promise<ImageScan> {
    return this.db.transaction(async (db) => {
      await db.run('DELETE FROM image_scans WHERE environment_id = ? AND digest = ? AND scanner = ?', [
        scan.environmentId,
        scan.digest,
        scan.scanner,
      ]);
      const row = await db.get<{ id: number }>(
        `INSERT INTO image_scans (environment_id, image, digest, scanner, counts, vulnerabilities, error, scanned_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
        [
          scan.environmentId,
          scan.image,
          scan.digest,
          scan.scanner,
          JSON.stringify(scan.counts),
          JSON.stringify(scan.vulnerabilities),
          scan.error,
          scan.scannedAt,
        ],
      );
      return { ...scan, id: Number(row?.id) };
    });
  }

  /** The newest scan of the digest by each scanner, newest first. */
  async forDigest(environmentId: number, digest: string): Promise<ImageScan[]> {
    const rows = await this.db.all<ScanRow>(
      'SELECT * FROM image_scans WHERE environment_id = ? AND digest = ? ORDER BY scanned_at DESC, id DESC',
      [environmentId, digest],
    );
    return rows.map(toScan);
  }

  /** Counts only, for lists: the newest successful scan of each digest of the environment. */
  async summaries(
    environmentId: number,
  ): Promise<{ digest: string; scanner: Scanner; counts: SeverityCounts; scannedAt: string }[]> {
    const rows = await this.db.all<Pick<ScanRow, 'digest' | 'scanner' | 'counts' | 'scanned_at'>>(
      `SELECT digest, scanner, counts, scanned_at FROM image_scans
       WHERE environment_id = ? AND error IS NULL ORDER BY scanned_at DESC, id DESC`,
      [environmentId],
    );
    const seen = new Set<string>();
    return rows.flatMap((row) => {
      if (seen.has(row.digest)) return [];
      seen.add(row.digest);
      return [
        {
          digest: row.digest,
          scanner: row.scanner,
          counts: JSON.parse(row.counts) as SeverityCounts,
          scannedAt: row.scanned_at,
        },
      ];
    });
  }
}

function toScan(row: ScanRow): ImageScan {
  return {
    id: Number(row.id),
    environmentId: Number(row.environment_id),
    image: row.image,
    digest: row.digest,
    scanner: row.scanner,
    counts: JSON.parse(row.counts) as SeverityCounts,
    vulnerabilities: JSON.parse(row.vulnerabilities) as Vulnerability[],
    error: row.error,
    scannedAt: row.scanned_at,
  };
}
