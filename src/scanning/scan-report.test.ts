// The report parsers on real reports from Grype's and Trivy's own test data
// (src/testing/scan-reports/NOTICE.md), and on what is not a report.
import { expect, test } from 'bun:test';
import { join } from 'node:path';
import { parseScanReport, ScanReportError } from './scan-report.ts';

const fixture = (name: string) => Bun.file(join(import.meta.dir, '../testing/scan-reports', name)).text();

test('a Grype image report: ids, severities, packages, installed and fixed versions, counts', async () => {
  const findings = parseScanReport('grype', await fixture('grype-image.json'));
  expect(findings.vulnerabilities).toEqual([
    {
      id: 'CVE-1999-0002',
      severity: 'critical',
      package: 'package-2',
      installedVersion: '2.2.2',
      fixedVersion: '',
      title: '',
      url: null,
    },
    {
      id: 'CVE-1999-0001',
      severity: 'low',
      package: 'package-1',
      installedVersion: '1.1.1',
      fixedVersion: '1.2.1, 2.1.3, 3.4.0',
      title: '',
      url: null,
    },
  ]);
  expect(findings.counts).toEqual({ critical: 1, high: 0, medium: 0, low: 1, negligible: 0, unknown: 0 });
});

test('an empty Grype report is a clean image', async () => {
  const findings = parseScanReport('grype', await fixture('grype-empty.json'));
  expect(findings.vulnerabilities).toEqual([]);
  expect(Object.values(findings.counts).every((count) => count === 0)).toBe(true);
});

test('Trivy reports: OS packages with an unfixed finding, and a language lock file', async () => {
  const debian = parseScanReport('trivy', await fixture('trivy-debian-buster.json'));
  expect(debian.vulnerabilities).toEqual([
    {
      id: 'CVE-2019-18224',
      severity: 'critical',
      package: 'libidn2-0',
      installedVersion: '2.0.5-1',
      fixedVersion: '2.0.5-1+deb10u1',
      title: 'libidn2: heap-based buffer overflow in idn2_to_ascii_4i in lib/lookup.c',
      url: 'https://avd.aquasec.com/nvd/cve-2019-18224',
    },
    {
      id: 'CVE-2019-18276',
      severity: 'low',
      package: 'bash',
      installedVersion: '5.0-4',
      fixedVersion: '',
      title: 'bash: when effective UID is not equal to its real UID the saved UID is not dropped',
      url: 'https://avd.aquasec.com/nvd/cve-2019-18276',
    },
  ]);
  expect(debian.counts).toMatchObject({ critical: 1, high: 0, medium: 0, low: 1 });

  const cargo = parseScanReport('trivy', await fixture('trivy-busybox-with-lockfile.json'));
  expect(
    cargo.vulnerabilities.map((each) => [each.id, each.severity, each.package, each.fixedVersion]),
  ).toEqual([
    ['CVE-2019-15542', 'high', 'ammonia', '>= 2.1.0'],
    ['CVE-2021-38193', 'medium', 'ammonia', '>= 3.1.0, >= 2.1.3, < 3.0.0'],
  ]);

  // The same CVE in two packages is two findings.
  const alpine = parseScanReport('trivy', await fixture('trivy-alpine-310.json'));
  expect(alpine.counts).toMatchObject({ critical: 0, medium: 4 });
  expect(
    alpine.vulnerabilities.filter((each) => each.id === 'CVE-2019-1549').map((each) => each.package),
  ).toEqual(['libcrypto1.1', 'libssl1.1']);
});

test('what is not a report is refused, never read as a clean image', async () => {
  for (const [scanner, text, message] of [
    ['grype', '', 'did not answer with JSON'],
    ['grype', 'failed to pull image', 'did not answer with JSON: failed to pull image'],
    ['grype', '{"SchemaVersion":2,"Results":[]}', 'not a Grype JSON report'],
    ['trivy', await fixture('grype-empty.json'), 'not a Trivy JSON report'],
    ['trivy', '{"SchemaVersion":2,"Results":{}}', 'is not a list'],
    [
      'trivy',
      '{"SchemaVersion":2,"Results":[{"Target":"x","Vulnerabilities":[{"Severity":"HIGH"}]}]}',
      'no vulnerability id',
    ],
    ['grype', '{"matches":[{"vulnerability":{"severity":"High"}}]}', 'no vulnerability id'],
  ] as const) {
    expect(() => parseScanReport(scanner, text)).toThrow(ScanReportError);
    expect(() => parseScanReport(scanner, text)).toThrow(message);
  }
  // A clean Trivy image may leave Results out.
  expect(parseScanReport('trivy', '{"SchemaVersion":2}').vulnerabilities).toEqual([]);
});
