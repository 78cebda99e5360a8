// How the daemon's errors reach the caller: 4xx keep a Docker code, a 401/403 from the daemon is
// not the caller's session, and Go's JSON decoder text becomes the field it could not read.
import { expect, test } from 'bun:test';
import { DockerApiError } from '../docker/errors.ts';
import { apiError } from '../docker/transport.ts';
import { GitSshError } from '../git/ssh-errors.ts';
import { describeError } from './errors.ts';

const answer = (error: unknown) => {
  const { status, body } = describeError(error);
  return { status, ...body };
};

test("the daemon's answers under clear codes", () => {
  expect(answer(new DockerApiError(400, 'invalid mount config'))).toEqual({
    status: 400,
    code: 'DOCKER_BAD_REQUEST',
    message: 'invalid mount config',
  });
  expect(answer(new DockerApiError(404, 'No such container: x')).code).toBe('DOCKER_NOT_FOUND');
  expect(answer(new DockerApiError(409, 'name in use')).code).toBe('DOCKER_CONFLICT');
  expect(answer(new DockerApiError(403, 'authorization denied by plugin'))).toMatchObject({
    status: 502,
    code: 'DOCKER_REFUSED',
  });
  expect(answer(new DockerApiError(401, 'x')).status).toBe(502);
  expect(answer(new DockerApiError(422, 'x'))).toMatchObject({ status: 400, code: 'DOCKER_BAD_REQUEST' });
  expect(answer(new DockerApiError(500, 'port is already allocated'))).toMatchObject({
    status: 502,
    code: 'DOCKER_ERROR',
    message: 'port is already allocated',
  });
});

test("Go's decoder text becomes the field it could not read", () => {
  const decoded = answer(
    new DockerApiError(
      500,
      'json: cannot unmarshal number 107374182399998926258176 into Go struct field HostConfig.HostConfig.Memory of type int64',
    ),
  );
  expect(decoded).toEqual({
    status: 400,
    code: 'DOCKER_BAD_REQUEST',
    message: 'Docker could not read the request: HostConfig.Memory is out of range or of the wrong type',
  });
});

test("an answer that is not the daemon's JSON is named by its status, its text not echoed", () => {
  expect(apiError(404, '{"message":"No such image"}').message).toBe('No such image');
  const foreign = apiError(404, '<html>secret internal page</html>');
  expect(foreign.message).toBe('The endpoint answered HTTP 404 without a Docker error message');
});

test('a path that is not percent-encoding is a 400', () => {
  expect(answer(new URIError('URI error'))).toMatchObject({ status: 400, code: 'INVALID_PATH' });
});

test("a Git server over SSH: its key to confirm, its refusals apart from the caller's session", () => {
  const hostKey = { publicKey: 'ssh-ed25519 AAAA', fingerprint: 'SHA256:abc' };
  expect(answer(new GitSshError('UNKNOWN_HOST_KEY', 'confirm it', { hostKey }))).toEqual({
    status: 409,
    code: 'UNKNOWN_HOST_KEY',
    message: 'confirm it',
    hostKey,
  });
  expect(answer(new GitSshError('SSH_AUTH_FAILED', 'refused')).status).toBe(424);
  expect(answer(new GitSshError('GIT_REPOSITORY_NOT_FOUND', 'none')).status).toBe(404);
  expect(answer(new GitSshError('SSH_TIMEOUT', 'slow')).status).toBe(504);
});
