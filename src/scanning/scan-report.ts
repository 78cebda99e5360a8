// The JSON reports of Grype (`-o json`) and Trivy (`--format json`) read into one model: each
// finding's id, severity, package, installed and fixed versions, and the counts by severity.
// Anything that is not such a report is refused with what was wrong, never read as "clean".
import {
  type Scanner,
  SEVERITIES,
  type Severity,
  type SeverityCounts,
  type Vulnerability,
} from '../docker/views.ts';

export class ScanReportError extends Error {}

export interface ScanFindings {
  counts: SeverityCounts;
  vulnerabilities: Vulnerability[];
}

export function parseScanReport(scanner: Scanner, text: string): ScanFindings {
  let report: unknown;
  try {
    report = JSON.parse(text);
  } catch {
    throw new ScanReportError(
      `${scanner} did not answer with JSON: ${text.trim().slice(0, 200) || '(nothing)'}`,
    );
  }
  const vulnerabilities = scanner === 'grype' ? grypeFindings(report) : trivyFindings(report);
  vulnerabilities.sort(
    (a, b) =>
      SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
      a.id.localeCompare(b.id) ||
      a.package.localeCompare(b.package),
  );
  return { counts: countBySeverity(vulnerabilities), vulnerabilities };
}

export function countBySeverity(vulnerabilities: readonly { severity: Severity }[]): SeverityCounts {
  const counts = Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as SeverityCounts;
  for (const each of vulnerabilities) counts[each.severity] += 1;
  return counts;
}

/** "Critical", "HIGH", "negligible" ...; anything else is "unknown". */
export function severityOf(value: unknown): Severity {
  const lower = typeof value === 'string' ? value.toLowerCase() : '';
  return (SEVERITIES as readonly string[]).includes(lower) ? (lower as Severity) : 'unknown';
}

interface GrypeMatch {
  vulnerability?: {
    id?: unknown;
    severity?: unknown;
    description?: unknown;
    dataSource?: unknown;
    urls?: unknown;
    fix?: { versions?: unknown };
  };
  artifact?: { name?: unknown; version?: unknown };
}

function grypeFindings(report: unknown): Vulnerability[] {
  const matches = (report as { matches?: unknown } | null)?.matches;
  if (!Array.isArray(matches)) throw new ScanReportError('not a Grype JSON report: it has no "matches" list');
  return (matches as GrypeMatch[]).map((match, index) => {
    const vulnerability = match.vulnerability ?? {};
    const artifact = match.artifact ?? {};
    if (typeof vulnerability.id !== 'string' || typeof artifact.name !== 'string')
      throw new ScanReportError(`Grype match ${index} has no vulnerability id or package name`);
    const fixes = Array.isArray(vulnerability.fix?.versions) ? vulnerability.fix.versions : [];
    const urls = Array.isArray(vulnerability.urls) ? vulnerability.urls : [];
    const url = [vulnerability.dataSource, ...urls].find((each) => typeof each === 'string' && each !== '');
    return {
      id: vulnerability.id,
      severity: severityOf(vulnerability.severity),
      package: artifact.name,
      installedVersion: text(artifact.version),
      fixedVersion: fixes.filter((each) => typeof each === 'string').join(', '),
      title: text(vulnerability.description).slice(0, 300),
      url: (url as string | undefined) ?? null,
    };
  });
}

interface TrivyResult {
  Target?: unknown;
  Vulnerabilities?: unknown;
}

interface TrivyVulnerability {
  VulnerabilityID?: unknown;
  PkgName?: unknown;
  InstalledVersion?: unknown;
  FixedVersion?: unknown;
  Severity?: unknown;
  Title?: unknown;
  Description?: unknown;
  PrimaryURL?: unknown;
}

function trivyFindings(report: unknown): Vulnerability[] {
  const root = report as { SchemaVersion?: unknown; Results?: unknown } | null;
  if (typeof root?.SchemaVersion !== 'number')
    throw new ScanReportError('not a Trivy JSON report: it has no "SchemaVersion"');
  // A clean image's report may leave Results out.
  const results = root.Results ?? [];
  if (!Array.isArray(results)) throw new ScanReportError('Trivy\'s "Results" is not a list');
  return (results as TrivyResult[]).flatMap((result) =>
    ((result.Vulnerabilities ?? []) as TrivyVulnerability[]).map((each, index) => {
      if (typeof each.VulnerabilityID !== 'string' || typeof each.PkgName !== 'string')
        throw new ScanReportError(
          `Trivy finding ${index} of ${text(result.Target)} has no vulnerability id or package name`,
        );
      return {
        id: each.VulnerabilityID,
        severity: severityOf(each.Severity),
        package: each.PkgName,
        installedVersion: text(each.InstalledVersion),
        fixedVersion: text(each.FixedVersion),
        title: (text(each.Title) || text(each.Description)).slice(0, 300),
        url: typeof each.PrimaryURL === 'string' && each.PrimaryURL ? each.PrimaryURL : null,
      };
    }),
  );
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
