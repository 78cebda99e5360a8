// API version negotiation: against the real daemon, and the choice itself on given versions.
import { expect, test } from 'bun:test';
import { testbed } from '../testing/testbed.ts';
import { chooseApiVersion, MAX_API_VERSION, MIN_API_VERSION } from './api-version.ts';
import { DockerVersionError } from './errors.ts';
import { localDocker } from './test-support.ts';

test("the daemon's version is taken when it is not newer than ours", async () => {
  const docker = localDocker();
  const daemon = await fetchDaemonApiVersion();
  await docker.ping(); // unversioned: does not negotiate
  expect(docker.apiVersion).toBeUndefined();
  const negotiated = await docker.negotiate();
  expect(negotiated).toBe(chooseApiVersion({ ApiVersion: daemon }));
  // The test bed runs Engine 20.10, which speaks 1.41: lower than ours, so it wins.
  expect(negotiated).toBe(daemon);
  expect(docker.apiVersion).toBe(negotiated);
  expect((await docker.version()).ApiVersion).toBe(daemon);
  docker.close();
});

test("one caller's abort does not fail another waiting for the same negotiation", async () => {
  const docker = localDocker();
  const abort = new AbortController();
  const impatient = docker.negotiate(abort.signal);
  const patient = docker.negotiate();
  abort.abort(new Error('gave up'));
  await expect(impatient).rejects.toThrow('gave up');
  expect(await patient).toMatch(/^1\.\d+$/);
  docker.close();
});

test('the lower of the two versions is chosen; an older daemon is refused', () => {
  expect(chooseApiVersion({ ApiVersion: MIN_API_VERSION })).toBe(MIN_API_VERSION);
  expect(chooseApiVersion({ ApiVersion: '1.44' })).toBe('1.44');
  expect(chooseApiVersion({ ApiVersion: MAX_API_VERSION })).toBe(MAX_API_VERSION);
  expect(chooseApiVersion({ ApiVersion: '1.51' })).toBe(MAX_API_VERSION);
  expect(chooseApiVersion({ ApiVersion: '1.100' })).toBe(MAX_API_VERSION);
  expect(() => chooseApiVersion({ ApiVersion: '1.40', Version: '19.03.15' })).toThrow(
    new DockerVersionError('Docker 19.03.15 speaks API 1.40; Windflow needs 1.41 or newer'),
  );
  expect(() => chooseApiVersion({})).toThrow(DockerVersionError);
});

/** The daemon's own answer, read without the client. */
async function fetchDaemonApiVersion(): Promise<string> {
  const response = await fetch('http://docker/version', { unix: testbed().dockerSocket });
  return ((await response.json()) as { ApiVersion: string }).ApiVersion;
}
