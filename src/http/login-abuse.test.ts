// Failed logins and second-factor codes through the listening binary, from several loopback
// addresses at once: delays grow per account name and per address, never lock anyone out of the
// right password plus second factor, tell no user names apart, and an admin can lift them.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'otplib';
import { ACCOUNT_THROTTLE, ADDRESS_THROTTLE, MFA_ATTEMPTS_PER_LOGIN } from '../auth/authenticator.ts';
import { type RunningBinary, startBinary } from '../testing/binary.ts';
import { ApiSession, TEST_ADMIN_CREDENTIALS } from '../testing/session.ts';

let server: RunningBinary;
let dataDir: string;
let admin: ApiSession;
/** Each test acts from its own addresses, so address delays of one do not reach another. */
let addressesUsed = 0;
const newAddress = () => {
  const n = 10 + addressesUsed++;
  return `127.0.${Math.floor(n / 250)}.${(n % 250) + 2}`;
};
const from = (address: string) => ApiSession.forServerFrom(server.url, address);

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'windflow-login-abuse-'));
  server = await startBinary({ dataDir, dockerSocket: join(dataDir, 'no-docker.sock') });
  admin = await from(newAddress()).setUpAdmin();
});
afterAll(async () => {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function addUser(username: string, password: string, role = 'viewer'): Promise<number> {
  const created = await admin.call('POST', '/api/users', { username, password, roles: [{ role }] });
  if (created.status !== 201) throw new Error(`user not created: ${created.text}`);
  return created.body.id;
}

/** Enough wrong passwords for `username`, from addresses that stay under their own limit. */
async function failLogins(username: string, times = ACCOUNT_THROTTLE.freeFailures): Promise<void> {
  for (let attempt = 0; attempt < times; attempt++)
    await from(newAddress()).login({ username, password: `wrong guess ${attempt}` });
}

/**
 * Someone guesses `username`'s password from ever new addresses until its logins wait at least
 * `minimumMs` more (failures past the free ones double the wait); the guessing goes on until stop().
 */
async function guessUntilWaiting(username: string, userId: number, minimumMs = 5_000) {
  let guessing = true;
  const guesses = (async () => {
    for (let guess = 0; guessing; guess++)
      await from(newAddress()).login({ username, password: `guess ${guess}` });
  })();
  const delayedUntil = async () =>
    Date.parse((await admin.call('GET', `/api/users/${userId}`)).body.loginDelayedUntil ?? '') || 0;
  while ((await delayedUntil()) < Date.now() + minimumMs) await Bun.sleep(200);
  return {
    waitEnds: await delayedUntil(),
    async stop() {
      guessing = false;
      await guesses;
    },
  };
}

/** The TOTP code of the next time step: after enrolment used this one (each step works once). */
const nextCode = (secret: string) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });

describe('failed passwords make the next attempt wait instead of locking', () => {
  test('a known and an unknown user name get the same answers, failure after failure', async () => {
    await addUser('lucy', 'tangerine sky 4242');
    const address = newAddress();
    const answers = async (username: string) => {
      const seen: string[] = [];
      for (let attempt = 0; attempt <= ACCOUNT_THROTTLE.freeFailures; attempt++) {
        const answer = await from(address).login({ username, password: `not it ${attempt}` });
        seen.push(`${answer.status} ${answer.body.code}`);
      }
      return seen;
    };
    const known = await answers('lucy');
    const unknown = await answers('nobody-at-all');
    expect(unknown).toEqual(known);
    expect(known.at(-1)).toBe('429 TOO_MANY_ATTEMPTS');
    expect(known.at(-2)).toBe('401 INVALID_CREDENTIALS');
  });

  test('the wait ends by itself, the right password works after it, and success starts the count again', async () => {
    await addUser('wendy', 'copper lantern 4242');
    await failLogins('wendy');
    const waiting = await from(newAddress()).login({ username: 'wendy', password: 'copper lantern 4242' });
    expect(waiting).toMatchObject({ status: 429, body: { code: 'TOO_MANY_ATTEMPTS' } });
    const retryAfter = Number(waiting.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(ACCOUNT_THROTTLE.firstDelayMs / 1000);
    await Bun.sleep(retryAfter * 1000 + 100);
    expect(
      (await from(newAddress()).login({ username: 'wendy', password: 'copper lantern 4242' })).status,
    ).toBe(200);
    // The success forgot the failures: the next wrong password is an ordinary 401 again.
    expect((await from(newAddress()).login({ username: 'wendy', password: 'wrong' })).status).toBe(401);
  });

  test('an admin lifts the wait from the users page route', async () => {
    const id = await addUser('ursula', 'juniper candle 4242');
    const guessing = await guessUntilWaiting('ursula', id);
    await guessing.stop();
    const viewer = from(newAddress());
    await viewer.login({ username: 'lucy', password: 'tangerine sky 4242' });
    expect((await viewer.call('POST', `/api/users/${id}/unlock`)).status).toBe(403);
    expect((await admin.call('POST', `/api/users/${id}/unlock`)).status).toBe(204);
    expect((await admin.call('GET', `/api/users/${id}`)).body.loginDelayedUntil).toBeNull();
    expect(
      (await from(newAddress()).login({ username: 'ursula', password: 'juniper candle 4242' })).status,
    ).toBe(200);
    expect(Date.now()).toBeLessThan(guessing.waitEnds);
  });

  test("someone else's wrong guesses never keep the only admin out of the right password and code", async () => {
    const enrolment = await admin.call('POST', '/api/auth/mfa/enrolment');
    const activation = await admin.call('POST', '/api/auth/mfa/activation', {
      code: await generate({ secret: enrolment.body.secret }),
    });
    expect(activation.status).toBe(200);
    // Someone keeps guessing the admin's password from ever new addresses all along.
    const guessing = await guessUntilWaiting(TEST_ADMIN_CREDENTIALS.username, 1);

    const owner = from(newAddress());
    expect((await owner.login(TEST_ADMIN_CREDENTIALS)).body).toEqual({ mfaRequired: true });
    expect(Date.now()).toBeLessThan(guessing.waitEnds);
    const second = await owner.call('POST', '/api/auth/mfa', { code: await nextCode(enrolment.body.secret) });
    expect(second.status).toBe(200);
    expect((await owner.call('GET', '/api/auth/me')).body.user.username).toBe('admin');
    await guessing.stop();
    admin = owner;
  });
});

describe('an address that keeps failing waits, whoever it tries', () => {
  test('past its free failures an address waits even with the right password; other addresses do not', async () => {
    await addUser('arthur', 'walnut compass 4242');
    const noisy = newAddress();
    for (let attempt = 0; attempt < ADDRESS_THROTTLE.freeFailures; attempt++)
      await from(noisy).login({ username: `someone-${attempt}`, password: 'guessing' });
    expect(await from(noisy).login({ username: 'arthur', password: 'walnut compass 4242' })).toMatchObject({
      status: 429,
      body: { code: 'TOO_MANY_ATTEMPTS' },
    });
    expect(
      (await from(newAddress()).login({ username: 'arthur', password: 'walnut compass 4242' })).status,
    ).toBe(200);
  });
});

describe('the second-factor step has an attempt limit', () => {
  test(`a pending login gets ${MFA_ATTEMPTS_PER_LOGIN} wrong codes, then must start again with the password`, async () => {
    await addUser('mona', 'saffron ladder 4242');
    const mona = from(newAddress());
    await mona.login({ username: 'mona', password: 'saffron ladder 4242' });
    const enrolment = await mona.call('POST', '/api/auth/mfa/enrolment');
    await mona.call('POST', '/api/auth/mfa/activation', {
      code: await generate({ secret: enrolment.body.secret }),
    });

    const pending = from(newAddress());
    expect(
      (await pending.login({ username: 'mona', password: 'saffron ladder 4242' })).body.mfaRequired,
    ).toBe(true);
    const codes: string[] = [];
    for (let attempt = 0; attempt < MFA_ATTEMPTS_PER_LOGIN; attempt++)
      codes.push((await pending.call('POST', '/api/auth/mfa', { code: `00000${attempt}` })).body.code);
    expect(codes.slice(0, -1).every((code) => code === 'INVALID_MFA_CODE')).toBe(true);
    expect(codes.at(-1)).toBe('MFA_ATTEMPTS_EXHAUSTED');
    // The right code no longer helps this login.
    const late = await pending.call('POST', '/api/auth/mfa', { code: await nextCode(enrolment.body.secret) });
    expect(late.status).toBe(401);
    expect((await pending.call('GET', '/api/auth/me')).status).toBe(401);
  });

  test('wrong codes count against the address, across pending logins', async () => {
    const address = newAddress();
    const answers: number[] = [];
    while (answers.length <= ADDRESS_THROTTLE.freeFailures + 1) {
      const pending = from(address);
      const login = await pending.login({ username: 'mona', password: 'saffron ladder 4242' });
      if (login.status === 429) {
        answers.push(429);
        break;
      }
      for (let attempt = 0; attempt < MFA_ATTEMPTS_PER_LOGIN - 1; attempt++)
        answers.push((await pending.call('POST', '/api/auth/mfa', { code: '123456' })).status);
    }
    expect(answers.slice(0, ADDRESS_THROTTLE.freeFailures).every((status) => status === 401)).toBe(true);
    expect(answers.at(-1)).toBe(429);
  });
});
