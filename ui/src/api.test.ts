// The UI's ApiError keeps what an error answer says beyond its code and message (an SSH server's
// host key to confirm), against a real HTTP server answering as Windflow's routes do.
import { afterAll, expect, test } from 'bun:test';
import { ApiError, call } from './api';

const hostKey = { publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA', fingerprint: 'SHA256:abc' };
const server = Bun.serve({
  port: 0,
  fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === '/mismatch')
      return Response.json(
        { code: 'HOST_KEY_MISMATCH', message: 'changed', hostKey, expectedFingerprint: 'SHA256:old' },
        { status: 409 },
      );
    if (path === '/odd')
      return Response.json({ code: 'X', message: 'odd', hostKey: { publicKey: 1 } }, { status: 409 });
    return new Response('not json', { status: 502 });
  },
});
afterAll(() => server.stop(true));

async function failure(path: string): Promise<ApiError> {
  const error = await call('GET', `${server.url}${path.slice(1)}`).catch((caught) => caught);
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

test('the host key and the pinned fingerprint come with the code and message', async () => {
  const error = await failure('/mismatch');
  expect([error.status, error.code, error.message]).toEqual([409, 'HOST_KEY_MISMATCH', 'changed']);
  expect(error.hostKey).toEqual(hostKey);
  expect(error.expectedFingerprint).toBe('SHA256:old');
  expect(error.details).toEqual({ hostKey, expectedFingerprint: 'SHA256:old' });
});

test('fields of another shape stay in details only; a body that is not JSON still makes an error', async () => {
  const odd = await failure('/odd');
  expect(odd.hostKey).toBeUndefined();
  expect(odd.details).toEqual({ hostKey: { publicKey: 1 } });
  const bare = await failure('/other');
  expect([bare.status, bare.code, bare.message, bare.details]).toEqual([502, 'UNKNOWN', 'HTTP 502', {}]);
});
