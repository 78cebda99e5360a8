// Scanning through the container path against the real daemon, with the test bed's stand-ins for
// the Grype and Trivy images (they answer the scanners' command lines with real reports, chosen
// by a file in the scanned image): a scan on demand as a job, results per image digest, the
// database volume kept between runs, a failing scanner, the schedule kind, permissions, and the
// update gate refusing a v2 with a critical finding and letting a clean v3 through.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Principal } from '../auth/principal.ts';
import type { ImageScan } from '../docker/views.ts';
import {
  addWebhookChannel,
  type LocalEnvironment,
  localEnvironment,
  principalWith,
  removeRunObjects,
  routesApp,
  runScript,
  updateRoutesOf,
} from '../http/routes/docker-test-fixture.ts';
import { scanRoutes } from '../http/routes/scans.ts';
import { settingsRoutes } from '../http/routes/settings.ts';
import type { Job } from '../jobs/job-registry.ts';
import { type HttpReceiver, startHttpReceiver } from '../testing/http-receiver.ts';
import { commitImage } from '../testing/images.ts';
import { jobEnd } from '../testing/jobs.ts';
import { testbed } from '../testing/testbed.ts';
import { databaseVolume } from './run-scanner.ts';
import { gateVerdict } from './scan-service.ts';

const bed = testbed();
let env: LocalEnvironment;
let receiver: HttpReceiver;

beforeAll(async () => {
  env = await localEnvironment({ notifier: { retryDelaysMs: [50] } });
  await env.services.settings.setScanning({
    scanner: 'grype',
    grypeImage: bed.scanners.grype,
    trivyImage: bed.scanners.trivy,
  });
  receiver = startHttpReceiver();
  await addWebhookChannel(env, `${receiver.url}/hook`, ['updated', 'scan-findings']);
});
afterAll(async () => {
  receiver.stop();
  await removeRunObjects(env);
  await env.close();
});

/** Busybox with /windflow-scan-report naming the reports the stand-in scanners answer with. */
function imageWithReport(report: string | null, repo: string, tag = 'latest', push = false): Promise<string> {
  return commitImage(env.docker, {
    base: bed.images.busybox,
    script: report ? `echo '${report}' > /windflow-scan-report` : `echo ${tag} > /version`,
    reference: `${repo}:${tag}`,
    labels: env.labels,
    config: { Cmd: ['sleep', '3600'], Labels: { ...env.labels, version: tag } },
    push,
  });
}

function scansAs(principal?: Principal) {
  return routesApp(
    (access) =>
      scanRoutes({
        access,
        environments: env.environments,
        clients: env.clients,
        imageScans: env.services.imageScans,
        scanService: env.services.scanService,
        jobs: env.jobs,
      }),
    principal,
  ).api;
}

const finished = (job: Job) => jobEnd(env.jobs, job);

test('a scan on demand is a job; the result is kept per image digest with every finding', async () => {
  const repo = `windflow-test/scan-${env.name('grype')}`;
  const imageId = await imageWithReport('grype-image trivy-busybox-with-lockfile', repo);
  const api = scansAs();
  const base = `/api/environments/${env.environmentId}/scans`;
  const started = await api.call('POST', base, { ref: `${repo}:latest` });
  expect(started.status).toBe(202);
  const job = await finished(started.body as Job);
  expect(job.status).toBe('succeeded');
  const steps = (await env.jobs.events(job.id)).map((event) => (event.data as { status?: string }).status);
  expect(steps).toEqual(
    expect.arrayContaining([`saving ${imageId}`, 'scanning with grype', 'reading the report']),
  );

  const answer = await api.call('GET', `${base}/image?ref=${encodeURIComponent(`${repo}:latest`)}`);
  expect(answer.status).toBe(200);
  const { imageId: answeredId, scans } = answer.body as { imageId: string; scans: ImageScan[] };
  expect(answeredId).toBe(imageId);
  expect(scans).toHaveLength(1);
  expect(scans[0]).toMatchObject({
    digest: imageId,
    image: `${repo}:latest`,
    scanner: 'grype',
    error: null,
    counts: { critical: 1, high: 0, medium: 0, low: 1, negligible: 0, unknown: 0 },
  });
  expect(scans[0]?.vulnerabilities.map((each) => `${each.severity} ${each.id} ${each.package}`)).toEqual([
    'critical CVE-1999-0002 package-2',
    'low CVE-1999-0001 package-1',
  ]);
  // The summaries list it; a scan by the other scanner is kept beside it, not instead.
  const trivy = await finished(
    (await api.call('POST', base, { ref: imageId, scanner: 'trivy' })).body as Job,
  );
  expect(trivy.error).toBeUndefined();
  const both = (await api.call('GET', `${base}/image?ref=${imageId}`)).body as { scans: ImageScan[] };
  expect(both.scans.map((scan) => [scan.scanner, scan.counts.critical, scan.counts.high])).toEqual([
    ['trivy', 0, 1],
    ['grype', 1, 0],
  ]);
  const summaries = (await api.call('GET', base)).body as { digest: string; scanner: string }[];
  expect(summaries.find((each) => each.digest === imageId)?.scanner).toBe('trivy');

  // The scanners wrote to their database volumes, which outlive the scan containers.
  for (const scanner of ['grype', 'trivy'] as const) {
    const runs = await runScript(env, 'wc -l < /db/fake-db-updates', { [databaseVolume(scanner)]: '/db' });
    expect(Number(runs.trim())).toBeGreaterThanOrEqual(1);
  }
  const leftovers = await env.docker.listContainers({
    all: true,
    filters: { label: [`windflow.scan.target=${imageId}`] },
  });
  expect(leftovers).toEqual([]);

  // Critical findings were told.
  await env.services.notifier.idle();
  const told = receiver.requests.find((request) => request.json.event === 'scan-findings');
  expect(told?.json.title).toBe(`${repo}:latest: 1 critical, 1 low`);
}, 120_000);

test('a scanner that fails leaves the failure on record and the job says why', async () => {
  const repo = `windflow-test/scan-${env.name('broken')}`;
  const imageId = await imageWithReport(null, repo);
  // Trivy's stand-in as "Grype": it does not understand Grype's command line and says so.
  await env.services.settings.setScanning({ grypeImage: bed.scanners.trivy });
  try {
    const api = scansAs();
    const base = `/api/environments/${env.environmentId}/scans`;
    const job = await finished((await api.call('POST', base, { ref: imageId })).body as Job);
    expect(job.status).toBe('failed');
    expect(job.error).toBe(
      'grype exited with code 2: fake trivy: unexpected command: docker-archive:/windflow-scan/image.tar -o json',
    );
    const { scans } = (await api.call('GET', `${base}/image?ref=${imageId}`)).body as { scans: ImageScan[] };
    expect(scans[0]).toMatchObject({ error: job.error, counts: { critical: 0 }, vulnerabilities: [] });
    // An image that is not there is a 404, before any job.
    const missing = await api.call('POST', base, { ref: 'windflow-test/not-there:never' });
    expect(missing.status).toBe(404);
  } finally {
    await env.services.settings.setScanning({ grypeImage: bed.scanners.grype });
  }
});

test('reading images is not enough to scan one; only settings managers choose the scanner', async () => {
  const base = `/api/environments/${env.environmentId}/scans`;
  const reader = scansAs(principalWith('images:read'));
  expect((await reader.call('GET', base)).status).toBe(200);
  expect((await reader.call('POST', base, { ref: bed.images.busybox })).status).toBe(403);
  const settingsAs = (principal: Principal) =>
    routesApp((access) => settingsRoutes({ access, settings: env.services.settings }), principal).api;
  const operator = settingsAs(principalWith('settings:read'));
  expect((await operator.call('GET', '/api/settings/scanning')).body).toMatchObject({ scanner: 'grype' });
  expect((await operator.call('PUT', '/api/settings/scanning', { scanner: 'trivy' })).status).toBe(403);
  const admin = settingsAs(principalWith('settings:read', 'settings:manage'));
  expect((await admin.call('PUT', '/api/settings/scanning', { scanner: 'clamav' })).status).toBe(400);
  expect((await admin.call('PUT', '/api/settings/scanning', { grypeImage: 'bad image' })).status).toBe(400);
});

test('the schedule kind scans the images of the labelled containers once each', async () => {
  const repo = `windflow-test/scan-${env.name('scheduled')}`;
  const imageId = await imageWithReport('trivy-debian-buster', repo);
  const label = `windflow.scan-test=${env.name('label')}`;
  for (const _ of [1, 2]) {
    await env.docker.createContainer({
      Image: `${repo}:latest`,
      Labels: { ...env.labels, [label.split('=')[0] as string]: label.split('=')[1] as string },
    });
  }
  const scheduler = env.services.scheduler;
  await expect(
    scheduler.create({
      kind: 'image-scan',
      name: 'bad',
      cron: '0 3 * * *',
      environmentId: env.environmentId,
      options: { scanner: 'clamav' },
    }),
  ).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
  const schedule = await scheduler.create({
    kind: 'image-scan',
    name: 'nightly scan',
    cron: '0 3 * * *',
    environmentId: env.environmentId,
    options: { scanner: 'trivy', labels: [label] },
  });
  expect(await scheduler.runNow(schedule.id)).toBe('started');
  await scheduler.whenIdle(schedule.id);
  expect((await env.services.schedules.get(schedule.id))?.lastSummary).toBe(
    '1 image(s) scanned: 1 with critical or high findings',
  );
  const [scan] = await env.services.imageScans.forDigest(env.environmentId, imageId);
  expect(scan).toMatchObject({ scanner: 'trivy', image: `${repo}:latest`, counts: { critical: 1, low: 1 } });
});

test('the update gate refuses a v2 with a critical finding, then lets a clean v3 through', async () => {
  const repository = `${bed.registry.address}/windflow-test/gate-${env.name('app')}`;
  const reference = `${repository}:stable`;
  const push = (report: string | null) => imageWithReport(report, repository, 'stable', true);
  const v1 = await push(null);
  const name = env.name('gated');
  const { Id } = await env.docker.createContainer({ Image: reference, Labels: env.labels }, name);
  await env.docker.startContainer(Id);
  const v2 = await push('grype-image');

  const scheduler = env.services.scheduler;
  const policy = await scheduler.create({
    kind: 'auto-update',
    name: 'gated',
    cron: '0 4 * * *',
    environmentId: env.environmentId,
    options: { containers: [name], gate: 'critical', graceSeconds: 2 },
  });
  await scheduler.runNow(policy.id);
  await scheduler.whenIdle(policy.id);
  expect((await env.services.schedules.get(policy.id))?.lastSummary).toBe('1 refused');
  expect((await env.docker.inspectContainer(name)).Image).toBe(v1);
  // The tag still names what runs; the refused image's scan is kept under its digest.
  expect((await env.docker.inspectImage(reference)).Id).toBe(v1);
  expect((await env.services.imageScans.forDigest(env.environmentId, v2))[0]?.counts.critical).toBe(1);
  const [refused] = await env.services.updates.runs(env.environmentId);
  expect(refused).toMatchObject({
    container: name,
    outcome: 'refused',
    scanVerdict: '1 critical, 1 low (grype)',
  });

  // Run by hand with a gate, the same update is refused the same way, and the job says so.
  const manual = await routesApp((access) => updateRoutesOf(env, access)).api.call(
    'POST',
    `/api/environments/${env.environmentId}/updates/containers/${name}`,
    {
      gate: 'high',
    },
  );
  expect(manual.status).toBe(202);
  const job = await finished(manual.body as Job);
  expect(job.error).toBe(`refused: the scan gate refused ${reference}: 1 critical, 1 low (grype)`);
  expect((await env.docker.inspectContainer(name)).Image).toBe(v1);

  const v3 = await push(null);
  await scheduler.runNow(policy.id);
  await scheduler.whenIdle(policy.id);
  expect((await env.services.schedules.get(policy.id))?.lastSummary).toBe('1 updated');
  expect((await env.docker.inspectContainer(name)).Image).toBe(v3);
  const [updated] = await env.services.updates.runs(env.environmentId);
  expect(updated).toMatchObject({ outcome: 'updated', scanVerdict: 'no vulnerabilities (grype)' });
}, 180_000);

test('gate verdicts: thresholds, and "worse" compared from the most severe level down', () => {
  const counts = (critical: number, high: number, medium: number, low: number) => ({
    critical,
    high,
    medium,
    low,
    negligible: 0,
    unknown: 0,
  });
  expect(gateVerdict('critical', counts(0, 3, 0, 0), null, 'grype').refuse).toBe(false);
  expect(gateVerdict('high', counts(0, 3, 0, 0), null, 'grype')).toEqual({
    verdict: '3 high (grype)',
    refuse: true,
  });
  expect(gateVerdict('low', counts(0, 0, 0, 1), null, 'trivy').refuse).toBe(true);
  expect(gateVerdict('medium', counts(0, 0, 0, 1), null, 'trivy').refuse).toBe(false);
  // Fewer highs but more lows than the running image is not worse; one more critical is.
  expect(gateVerdict('worse', counts(0, 1, 0, 9), counts(0, 2, 0, 0), 'grype').refuse).toBe(false);
  expect(gateVerdict('worse', counts(1, 0, 0, 0), counts(0, 5, 5, 5), 'grype')).toEqual({
    verdict: '1 critical (grype); the running image has 5 high, 5 medium, 5 low',
    refuse: true,
  });
  expect(gateVerdict('worse', counts(0, 0, 0, 0), null, 'grype').refuse).toBe(true);
});
