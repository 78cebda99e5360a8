// Git stacks through the API, against the test bed's real Git server (smart HTTP, basic auth),
// the real Docker daemon, and the store on SQLite and on PostgreSQL: a stack deployed from a
// repository, a push redeploying (through the repository's webhook) only the stacks on the
// pushed branch whose files it touched; a wrong signature, a replayed delivery, an unknown
// webhook and a push to another branch refused or ignored with their reasons in the log;
// polling picking up a commit; a breaking commit rolled back with both in the history; and bad
// input (wrong token, missing compose file, missing ref, too large a repository) each a clear
// error with nothing deployed.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  GitRepositoryView,
  StackDetail,
  StackGitView,
  WebhookDeliveryView,
  WebhookSecretView,
} from '../docker/views.ts';
import type { Job } from '../jobs/job-registry.ts';
import type { Dialect } from '../store/database.ts';
import type { StackRevision } from '../store/records.ts';
import { startTestApp, type TestApp } from '../testing/app.ts';
import { DIALECTS } from '../testing/databases.ts';
import { createTestRepo, type TestRepo } from '../testing/git-repos.ts';
import { type GitStackApp, startGitStackApp } from '../testing/git-stack-app.ts';
import type { ApiSession } from '../testing/session.ts';
import { testbed } from '../testing/testbed.ts';

const bed = testbed();
const busybox = bed.images.busybox;
const run = `${process.pid}${Date.now().toString(36)}`;

/** A service that runs; MESSAGE tells versions apart. */
const compose = (message: string, extra = '') => `
services:
  web:
    image: ${busybox}
    command: ["sh", "-c", "echo $$MESSAGE; sleep 3600"]
    env_file: [web.env]
    environment:
      MESSAGE: ${message}
      FROM_DOTENV: \${FROM_DOTENV:-unset}
      WINNER: \${WINNER:-unset}
    stop_grace_period: 1s
${extra}`;

/** A service that exits at once: its deploy fails verification. */
const breaking = `
services:
  web:
    image: ${busybox}
    command: ["sh", "-c", "exit 3"]
    stop_grace_period: 1s
`;

describe.each(DIALECTS)('Git stacks on %s', (dialect: Dialect) => {
  let stacks: GitStackApp;
  let app: TestApp;
  let admin: ApiSession;
  let base: string;
  let repo: TestRepo;
  let repository: GitRepositoryView;
  const name = (label: string) => stacks.stackName(label);

  beforeAll(async () => {
    stacks = await startGitStackApp(dialect, 'wfgit');
    ({ app, admin, base } = stacks);
    repo = createTestRepo(`stacks-${dialect}`);
    repo.commit(
      {
        'app/compose.yaml': compose('one'),
        'app/web.env': 'FROM_ENV_FILE=yes\n',
        'app/.env': 'FROM_DOTENV=repo\nWINNER=repo\n',
        'other/compose.yaml': compose('other'),
        'other/web.env': '',
      },
      'first version',
    );
    repo.commit({ 'app/compose.yaml': compose('staging') }, 'staging version', { branch: 'staging' });
    const created = await admin.call('POST', `${base}/git/repositories`, {
      name: 'compose',
      url: repo.httpUrl,
      auth: 'basic',
      username: bed.gitHttp.username,
      secret: bed.gitHttp.password,
    });
    expect(created.status).toBe(201);
    repository = created.body as GitRepositoryView;
  }, 60_000);

  afterAll(async () => {
    repo.remove();
    await stacks.close();
  }, 120_000);

  const finished = (job: Job) => stacks.finished(job);

  async function createStack(stack: string, body: Record<string, unknown>): Promise<Job> {
    const answer = await admin.call('POST', `${base}/git/stacks`, {
      name: stack,
      repositoryId: repository.id,
      ...body,
    });
    if (answer.status !== 202) throw new Error(`create ${stack}: ${answer.status} ${answer.text}`);
    return finished(answer.body as Job);
  }

  const revisions = (stack: string) => stacks.revisions(stack);
  const environmentOf = (stack: string) => stacks.environmentOf(stack);

  function deliver(path: string, secret: string, payload: unknown, headers: Record<string, string>) {
    const body = JSON.stringify(payload);
    const signature = createHmac('sha256', secret).update(body).digest('hex');
    const signed: Record<string, string> = { 'content-type': 'application/json', ...headers };
    for (const [key, value] of Object.entries(signed)) signed[key] = value.replace('{sig}', signature);
    return app.session().request('POST', path, body, signed);
  }

  /** Waits until the delivery log's newest entry has a result for every stack it chose. */
  async function settled(hook: string, count: number): Promise<WebhookDeliveryView> {
    for (let attempt = 0; attempt < 600; attempt++) {
      const [latest] = (await admin.call('GET', hook)).body as WebhookDeliveryView[];
      if (latest && latest.results.length >= count) return latest;
      await Bun.sleep(100);
    }
    throw new Error('the delivery never settled');
  }

  const app1 = () => name('app');

  test('deploys from HTTP with basic auth; .env and env_file resolve beside the compose file; Windflow variables win', async () => {
    const job = await createStack(name('app'), {
      ref: 'main',
      composePath: 'app/compose.yaml',
      variables: [{ name: 'WINNER', value: 'windflow' }],
    });
    expect(job.status).toBe('succeeded');
    const environment = await environmentOf(app1());
    expect(environment.MESSAGE).toBe('one');
    expect(environment.FROM_ENV_FILE).toBe('yes');
    expect(environment.FROM_DOTENV).toBe('repo');
    expect(environment.WINNER).toBe('windflow');
    const [revision] = await revisions(app1());
    expect(revision?.outcome).toBe('deployed');
    expect(revision?.trigger).toBe('create');
    expect(revision?.git).toMatchObject({
      commit: repo.revParse('main'),
      author: 'Windflow Test <test@windflow.test>',
      message: 'first version',
      ref: 'refs/heads/main',
      composePath: 'app/compose.yaml',
    });
    const detail = (await admin.call('GET', `${base}/stacks/${app1()}`)).body as StackDetail;
    expect(detail.origin).toBe('git');
    expect(detail.commit?.message).toBe('first version');
    // The credentials never come back.
    const listed = await admin.call('GET', `${base}/git/repositories`);
    expect(listed.text).not.toContain(bed.gitHttp.password);
    expect((listed.body as GitRepositoryView[])[0]?.hasSecret).toBe(true);
  }, 120_000);

  test('a push redeploys, through the repository webhook, only the stacks on that branch and path', async () => {
    const other = name('other');
    const staging = name('staging');
    expect((await createStack(other, { ref: 'main', composePath: 'other/compose.yaml' })).status).toBe(
      'succeeded',
    );
    expect((await createStack(staging, { ref: 'staging', composePath: 'app/compose.yaml' })).status).toBe(
      'succeeded',
    );
    const hook = (await admin.call('GET', `${base}/git/repositories/${repository.id}/webhook`))
      .body as WebhookSecretView;
    expect(hook.secret).toMatch(/^[0-9a-f]{64}$/);
    const before = await revisions(other);
    const commit = repo.commit({ 'app/compose.yaml': compose('two') }, 'second version');
    const answer = await deliver(
      hook.webhookPath,
      hook.secret,
      {
        ref: 'refs/heads/main',
        after: commit,
        commits: [{ added: [], modified: ['app/compose.yaml'], removed: [] }],
      },
      { 'x-github-event': 'push', 'x-github-delivery': `gh-${run}-1`, 'x-hub-signature-256': 'sha256={sig}' },
    );
    expect(answer.status).toBe(202);
    const log = await settled(`${base}/git/repositories/${repository.id}/deliveries`, 3);
    expect(log.outcome).toBe('accepted');
    const byStack = Object.fromEntries(log.results.map((each) => [each.stack, each]));
    expect(byStack[other]).toMatchObject({ outcome: 'ignored', reason: 'no changed file under other/' });
    expect(byStack[staging]).toMatchObject({ outcome: 'ignored', reason: 'follows staging, not main' });
    expect(byStack[app1()]?.outcome).toBe('deploying');
    const job = await app.services.jobs.get(byStack[app1()]?.jobId as string);
    expect((await finished(job as Job)).status).toBe('succeeded');
    expect((await environmentOf(app1())).MESSAGE).toBe('two');
    const [latest] = await revisions(app1());
    expect(latest).toMatchObject({ trigger: 'webhook', outcome: 'deployed' });
    expect(latest?.git?.commit).toBe(commit);
    expect(await revisions(other)).toEqual(before);
  }, 120_000);

  test('wrong signature, replayed delivery, unknown webhook, another branch: refused or ignored with the reason logged', async () => {
    const hook = (await admin.call('GET', `${base}/git/repositories/${repository.id}/webhook`))
      .body as WebhookSecretView;
    const deliveries = `${base}/git/repositories/${repository.id}/deliveries`;
    const push = { ref: 'refs/heads/main', after: 'a'.repeat(40), commits: [] };
    const count = (await revisions(app1())).length;

    const forged = await deliver(hook.webhookPath, 'not-the-secret', push, {
      'x-github-event': 'push',
      'x-github-delivery': `gh-${run}-forged`,
      'x-hub-signature-256': 'sha256={sig}',
    });
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { code: string }).code).toBe('WEBHOOK_SIGNATURE_INVALID');
    let [latest] = (await admin.call('GET', deliveries)).body as WebhookDeliveryView[];
    expect(latest).toMatchObject({
      outcome: 'refused',
      reason: 'signature: X-Hub-Signature-256 does not match',
    });

    // GitLab's token, Gitea's signature: a push to a branch no stack follows is ignored.
    const gitlab = await deliver(
      hook.webhookPath,
      hook.secret,
      { object_kind: 'push', ref: 'refs/heads/feature', after: 'b'.repeat(40), commits: [] },
      { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': hook.secret, 'x-gitlab-event-uuid': `gl-${run}` },
    );
    expect(gitlab.status).toBe(202);
    [latest] = (await admin.call('GET', deliveries)).body as WebhookDeliveryView[];
    expect(latest?.outcome).toBe('ignored');
    expect(latest?.results.map((each) => each.reason)).toContain('follows main, not feature');

    const giteaHeaders = {
      'x-gitea-event': 'push',
      'x-gitea-delivery': `gt-${run}`,
      'x-gitea-signature': '{sig}',
    };
    const gitea = await deliver(
      hook.webhookPath,
      hook.secret,
      { ...push, ref: 'refs/heads/feature' },
      giteaHeaders,
    );
    expect(gitea.status).toBe(202);
    const replay = await deliver(
      hook.webhookPath,
      hook.secret,
      { ...push, ref: 'refs/heads/feature' },
      giteaHeaders,
    );
    expect(replay.status).toBe(409);
    expect(((await replay.json()) as { code: string }).code).toBe('WEBHOOK_REPLAYED');
    // The same payload under a new delivery id is a replay too (the id is not signed).
    const renamed = await deliver(
      hook.webhookPath,
      hook.secret,
      { ...push, ref: 'refs/heads/feature' },
      {
        ...giteaHeaders,
        'x-gitea-delivery': `gt-${run}-again`,
      },
    );
    expect(renamed.status).toBe(409);
    [latest] = (await admin.call('GET', deliveries)).body as WebhookDeliveryView[];
    expect(latest).toMatchObject({
      outcome: 'refused',
      reason: 'replayed: this delivery (or its payload) was already taken',
    });

    const unknown = await deliver('/api/git/webhooks/no-such-hook', hook.secret, push, {
      'x-github-event': 'push',
      'x-hub-signature-256': 'sha256={sig}',
    });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { code: string }).code).toBe('WEBHOOK_NOT_FOUND');

    const unsigned = await app.session().request('POST', hook.webhookPath, JSON.stringify(push), {
      'content-type': 'application/json',
    });
    expect(unsigned.status).toBe(401);
    expect((await revisions(app1())).length).toBe(count);
  }, 60_000);

  test("a stack's own webhook (generic HMAC) and polling pick up a commit; polling skips a commit already running", async () => {
    const stack = app1();
    const view = (await admin.call('GET', `${base}/stacks/${stack}/git`)).body as StackGitView;
    expect(view).toMatchObject({ ref: 'main', composePath: 'app/compose.yaml', poll: null });
    const own = (await admin.call('GET', `${base}/stacks/${stack}/git/webhook`)).body as WebhookSecretView;
    expect(own.webhookPath).toBe(view.webhookPath);
    const third = repo.commit({ 'app/compose.yaml': compose('three') }, 'third version');
    const answer = await deliver(
      own.webhookPath,
      own.secret,
      { ref: 'refs/heads/main', after: third },
      {
        'x-windflow-signature': 'sha256={sig}',
        'x-windflow-delivery': `own-${run}`,
      },
    );
    expect(answer.status).toBe(202);
    const log = await settled(`${base}/stacks/${stack}/git/deliveries`, 1);
    expect(
      (await finished((await app.services.jobs.get(log.results[0]?.jobId as string)) as Job)).status,
    ).toBe('succeeded');
    expect((await environmentOf(stack)).MESSAGE).toBe('three');

    const attached = await admin.call('PUT', `${base}/stacks/${stack}/git`, {
      repositoryId: repository.id,
      ref: 'main',
      composePath: 'app/compose.yaml',
      poll: '0 0 1 1 *',
    });
    expect(attached.status).toBe(200);
    expect(attached.body.skipped).toStartWith('already at');
    const scheduleId = ((await admin.call('GET', `${base}/stacks/${stack}/git`)).body as StackGitView)
      .pollScheduleId as number;
    const fourth = repo.commit({ 'app/compose.yaml': compose('four') }, 'fourth version');
    expect(await app.services.scheduler.runNow(scheduleId)).toBe('started');
    await app.services.scheduler.whenIdle(scheduleId);
    const [polled] = await revisions(stack);
    expect(polled).toMatchObject({ trigger: 'poll' });
    expect(polled?.git?.commit).toBe(fourth);
    expect((await finished((await app.services.jobs.get(polled?.jobId as string)) as Job)).status).toBe(
      'succeeded',
    );
    expect((await environmentOf(stack)).MESSAGE).toBe('four');
    const count = (await revisions(stack)).length;
    expect(await app.services.scheduler.runNow(scheduleId)).toBe('started');
    await app.services.scheduler.whenIdle(scheduleId);
    expect((await revisions(stack)).length).toBe(count);
  }, 120_000);

  test('a breaking commit is rolled back; the history shows both; a rollback to any commit works', async () => {
    const stack = app1();
    const bad = repo.commit({ 'app/compose.yaml': breaking }, 'this one breaks');
    const answer = await admin.call('POST', `${base}/stacks/${stack}/git/redeploy`);
    expect(answer.status).toBe(202);
    const job = await finished(answer.body.job as Job);
    expect(job.status).toBe('failed');
    const [failed, running] = await revisions(stack);
    expect(failed).toMatchObject({ outcome: 'rolled-back', trigger: 'manual' });
    expect(failed?.git?.commit).toBe(bad);
    expect(failed?.message).toContain(`Revision ${running?.number} was put back`);
    expect(running?.git?.message).toBe('fourth version');
    expect((await environmentOf(stack)).MESSAGE).toBe('four');
    // Back to the first commit, whose checkout is fetched again if it was pruned.
    const first = (await revisions(stack)).find((each) => each.git?.message === 'first version');
    const rolled = await admin.call('POST', `${base}/stacks/${stack}/rollback`, { revision: first?.number });
    expect(rolled.status).toBe(202);
    expect((await finished(rolled.body as Job)).status).toBe('succeeded');
    expect((await environmentOf(stack)).MESSAGE).toBe('one');
    const [latest] = await revisions(stack);
    expect(latest).toMatchObject({ trigger: 'rollback', rollbackOf: first?.number });
    expect(latest?.git?.message).toBe('first version');
    repo.commit({ 'app/compose.yaml': compose('four') }, 'fixed');
  }, 120_000);

  test('Git attached to a stack written in the editor, then detached: it keeps running and stops following', async () => {
    const stack = name('attached');
    const written = await admin.call('POST', `${base}/stacks`, {
      name: stack,
      compose: compose('editor').replace('    env_file: [web.env]\n', ''),
    });
    expect(written.status).toBe(202);
    expect((await finished(written.body as Job)).status).toBe('succeeded');
    expect((await environmentOf(stack)).MESSAGE).toBe('editor');
    // A missing compose file leaves the stack as it was, not following anything.
    const wrong = await admin.call('PUT', `${base}/stacks/${stack}/git`, {
      repositoryId: repository.id,
      ref: 'main',
      composePath: 'nowhere/compose.yaml',
    });
    expect(wrong.body.code).toBe('GIT_COMPOSE_FILE_NOT_FOUND');
    expect((await admin.call('GET', `${base}/stacks/${stack}/git`)).status).toBe(404);

    const attached = await admin.call('PUT', `${base}/stacks/${stack}/git`, {
      repositoryId: repository.id,
      ref: 'staging',
      composePath: 'app/compose.yaml',
    });
    expect(attached.status).toBe(202);
    expect((await finished(attached.body.job as Job)).status).toBe('succeeded');
    expect((await environmentOf(stack)).MESSAGE).toBe('staging');
    const [fromGit, fromEditor] = await revisions(stack);
    expect(fromGit?.git).toMatchObject({ ref: 'refs/heads/staging', message: 'staging version' });
    expect(fromEditor?.git).toBeFalsy();
    const own = (await admin.call('GET', `${base}/stacks/${stack}/git/webhook`)).body as WebhookSecretView;

    const detached = await admin.call('DELETE', `${base}/stacks/${stack}/git`);
    expect(detached.status).toBe(204);
    expect((await admin.call('GET', `${base}/stacks/${stack}/git`)).status).toBe(404);
    expect((await environmentOf(stack)).MESSAGE).toBe('staging');
    // Its webhook no longer exists: a signed push is refused as unknown and deploys nothing.
    const count = (await revisions(stack)).length;
    const push = await deliver(
      own.webhookPath,
      own.secret,
      { ref: 'refs/heads/staging', after: 'b'.repeat(40) },
      { 'x-windflow-signature': 'sha256={sig}', 'x-windflow-delivery': `detached-${run}` },
    );
    expect(push.status).toBe(404);
    expect(await revisions(stack)).toHaveLength(count);
  }, 120_000);

  test("relative binds point into the stack's work tree: what containers wrote stays across pushes, tracked files follow the commit", async () => {
    const stack = name('binds');
    const service = (message: string) => `
services:
  web:
    image: ${busybox}
    command: ["sh", "-c", "echo ${message} >> /data/starts; sleep 3600"]
    volumes: ["./data:/data", "./site:/site:ro"]
    stop_grace_period: 1s
`;
    repo.commit(
      { 'keep/compose.yaml': service('one'), 'keep/site/index.html': 'one\n', 'keep/site/old.html': 'old\n' },
      'binds one',
    );
    expect((await createStack(stack, { ref: 'main', composePath: 'keep/compose.yaml' })).status).toBe(
      'succeeded',
    );
    const work = join(
      app.services.stackService.checkoutDir(stacks.environmentId, stack, 'x'),
      '..',
      '..',
      'work',
    );
    expect(readFileSync(join(work, 'keep/data/starts'), 'utf8')).toBe('one\n');
    expect(readFileSync(join(work, 'keep/site/index.html'), 'utf8')).toBe('one\n');

    repo.commit(
      { 'keep/compose.yaml': service('two'), 'keep/site/index.html': 'two\n', 'keep/site/old.html': null },
      'binds two',
    );
    const answer = await admin.call('POST', `${base}/stacks/${stack}/git/redeploy`);
    expect((await finished(answer.body.job as Job)).status).toBe('succeeded');
    // The new container appended to the data the first one wrote; the commit's files replaced the old.
    expect(readFileSync(join(work, 'keep/data/starts'), 'utf8')).toBe('one\ntwo\n');
    expect(readFileSync(join(work, 'keep/site/index.html'), 'utf8')).toBe('two\n');
    expect(existsSync(join(work, 'keep/site/old.html'))).toBe(false);
    const [binds] = (await admin.call('GET', `${base}/stacks/${stack}/revisions`)).body as StackRevision[];
    expect(binds?.git?.message).toBe('binds two');
  }, 120_000);

  test('webhook deploys act for whoever set the stack up, with what they may do now (roles and token scope)', async () => {
    const person = {
      username: `gita-${dialect.slice(0, 2)}-${run}`.slice(0, 30),
      password: 'deployer secret 4242',
    };
    const made = await admin.call('POST', '/api/users', { ...person, roles: [{ role: 'admin' }] });
    expect(made.status).toBe(201);
    const userId = made.body.id as number;
    const gita = app.session();
    expect((await gita.login(person)).status).toBe(200);
    const service = (message: string, bind: boolean) => `
services:
  web:
    image: ${busybox}
    command: ["sh", "-c", "echo ${message}; sleep 3600"]
    environment: { MESSAGE: ${message} }
${bind ? '    volumes: ["./data:/data"]\n' : ''}    stop_grace_period: 1s
`;
    /** Sets a stack up as `caller` from `folder`, which holds `message`. */
    const setUp = async (caller: ApiSession, label: string, headers: Record<string, string> = {}) => {
      const stack = name(label);
      const created = await caller.call(
        'POST',
        `${base}/git/stacks`,
        { name: stack, repositoryId: repository.id, ref: 'main', composePath: `${label}/compose.yaml` },
        headers,
      );
      expect(created.status).toBe(202);
      expect((await finished(created.body as Job)).status).toBe('succeeded');
      expect(((await admin.call('GET', `${base}/stacks/${stack}/git`)).body as StackGitView).deploysAs).toBe(
        person.username,
      );
      return stack;
    };
    /** Pushes a new compose file for the stack and delivers its own webhook; the stack's result. */
    const push = async (stack: string, label: string, message: string, bind: boolean) => {
      const commit = repo.commit(
        { [`${label}/compose.yaml`]: service(message, bind) },
        `${label} ${message}`,
      );
      const own = (await admin.call('GET', `${base}/stacks/${stack}/git/webhook`)).body as WebhookSecretView;
      const deliveryId = `${label}-${message}-${run}`;
      const answer = await deliver(
        own.webhookPath,
        own.secret,
        { ref: 'refs/heads/main', after: commit },
        { 'x-windflow-signature': 'sha256={sig}', 'x-windflow-delivery': deliveryId },
      );
      expect(answer.status).toBe(202);
      for (let attempt = 0; attempt < 600; attempt++) {
        const [latest] = (await admin.call('GET', `${base}/stacks/${stack}/git/deliveries`))
          .body as WebhookDeliveryView[];
        const result = latest?.deliveryId === deliveryId ? latest.results[0] : undefined;
        if (result) return result;
        await Bun.sleep(100);
      }
      throw new Error('the delivery never settled');
    };

    // Gita may use host paths: a push's deploy with a bind mount goes through, acting for her.
    repo.commit({ 'acting/compose.yaml': service('first', true) }, 'acting first');
    const stack = await setUp(gita, 'acting');
    const second = await push(stack, 'acting', 'second', true);
    expect(second.outcome).toBe('deploying');
    expect((await finished((await app.services.jobs.get(second.jobId as string)) as Job)).status).toBe(
      'succeeded',
    );
    expect((await environmentOf(stack)).MESSAGE).toBe('second');

    // No longer: her roles are read again at the next push, which is refused and changes nothing.
    expect((await admin.call('PUT', `/api/users/${userId}/roles`, [{ role: 'operator' }])).status).toBe(200);
    const third = await push(stack, 'acting', 'third', true);
    expect(third).toMatchObject({ outcome: 'failed', reason: expect.stringContaining('host:access') });
    expect((await environmentOf(stack)).MESSAGE).toBe('second');

    // A stack set up with a narrower token acts within that token's scope, whatever her roles.
    expect((await admin.call('PUT', `/api/users/${userId}/roles`, [{ role: 'admin' }])).status).toBe(200);
    const token = await gita.call('POST', '/api/auth/tokens', {
      name: `acting-${run}`,
      scope: ['stacks:read', 'stacks:deploy'],
    });
    expect(token.status).toBe(201);
    repo.commit({ 'scoped/compose.yaml': service('first', false) }, 'scoped first');
    const scoped = await setUp(app.session(), 'scoped', { authorization: `Bearer ${token.body.secret}` });
    const widened = await push(scoped, 'scoped', 'second', true);
    expect(widened).toMatchObject({ outcome: 'failed', reason: expect.stringContaining('host:access') });
    expect((await environmentOf(scoped)).MESSAGE).toBe('first');
  }, 180_000);

  test('bad input: wrong token, missing compose file, missing ref, a path out of the repository; nothing deployed', async () => {
    const stack = `wfgit-${dialect.slice(0, 2)}-bad-${run}`;
    const wrong = await admin.call('POST', `${base}/git/repositories`, {
      name: 'wrong',
      url: repo.httpUrl,
      auth: 'basic',
      username: bed.gitHttp.username,
      secret: 'wrong-token',
    });
    const attempts: [Record<string, unknown>, string][] = [
      [{ repositoryId: wrong.body.id, ref: 'main', composePath: 'app/compose.yaml' }, 'GIT_AUTH_FAILED'],
      [{ ref: 'main', composePath: 'nowhere/compose.yaml' }, 'GIT_COMPOSE_FILE_NOT_FOUND'],
      [{ ref: 'no-such-branch', composePath: 'app/compose.yaml' }, 'GIT_REF_NOT_FOUND'],
      [{ ref: 'main', composePath: '../etc/passwd' }, 'GIT_PATH_INVALID'],
    ];
    for (const [body, code] of attempts) {
      const answer = await admin.call('POST', `${base}/git/stacks`, {
        name: stack,
        repositoryId: repository.id,
        ...body,
      });
      expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 400, code });
    }
    const test = await admin.call('POST', `${base}/git/test`, {
      url: repo.httpUrl,
      auth: 'basic',
      username: bed.gitHttp.username,
      secret: 'wrong-token',
    });
    expect(test.body.code).toBe('GIT_AUTH_FAILED');
    const listed = await admin.call('POST', `${base}/git/test`, {
      url: repo.httpUrl,
      auth: 'basic',
      username: bed.gitHttp.username,
      secret: bed.gitHttp.password,
    });
    expect(listed.body.branches.map((each: { name: string }) => each.name)).toEqual(['main', 'staging']);
    expect((await admin.call('GET', `${base}/stacks/${stack}`)).status).toBe(404);
  }, 60_000);
});

describe('a 200 MB repository, over HTTP and SSH', () => {
  let app: TestApp;
  let big: TestRepo;
  afterAll(async () => {
    big?.remove();
    await app?.close();
  });

  test('is refused at the 64 MiB default limit as REPOSITORY_TOO_LARGE, nothing deployed, nothing left on disk', async () => {
    app = await startTestApp();
    const admin = await app.session().setUpAdmin();
    const environmentId = (
      await admin.call('POST', '/api/environments', {
        name: 'local',
        type: 'local-socket',
        address: bed.dockerSocket,
      })
    ).body.id;
    big = createTestRepo('too-large');
    // Random bytes do not compress: the pack is as large as the file.
    big.commit(
      { 'compose.yaml': compose('big'), 'web.env': '', 'big.bin': randomBytes(200 * 1024 * 1024) },
      'big',
    );
    const overHttp = {
      name: 'big',
      url: big.httpUrl,
      auth: 'basic',
      username: bed.gitHttp.username,
      secret: bed.gitHttp.password,
    };
    const overSsh = {
      name: 'big-ssh',
      url: big.sshUrl,
      auth: 'ssh',
      secret: readFileSync(bed.gitSsh.clientKeys.ed25519, 'utf8'),
      knownHostKey: bed.gitSsh.hostPublicKey,
    };
    for (const connection of [overHttp, overSsh]) {
      const repository = await admin.call(
        'POST',
        `/api/environments/${environmentId}/git/repositories`,
        connection,
      );
      const stack = `wfgit-${connection.name}-${run}`;
      const answer = await admin.call('POST', `/api/environments/${environmentId}/git/stacks`, {
        name: stack,
        repositoryId: repository.body.id,
        ref: 'main',
        composePath: 'compose.yaml',
      });
      expect({ transport: connection.auth, status: answer.status, code: answer.body.code }).toEqual({
        transport: connection.auth,
        status: 413,
        code: 'REPOSITORY_TOO_LARGE',
      });
      expect(answer.body.message).toContain('64 MiB');
      expect((await admin.call('GET', `/api/environments/${environmentId}/stacks/${stack}`)).status).toBe(
        404,
      );
      const folder = join(app.services.stackService.checkoutDir(environmentId, stack, 'x'), '..');
      expect(Array.from(new Bun.Glob('*').scanSync({ cwd: folder, onlyFiles: false })).length).toBe(0);
    }
  }, 180_000);
});
