// LDAP login against the test bed's real slapd (scripts/testbed/slapd.sh has the tree), plus a
// silent TCP listener standing in for a server that accepts connections and never answers.
import { afterAll, describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { testbed } from '../testing/testbed.ts';
import {
  authenticateWithLdap,
  LdapInvalidCredentialsError,
  type LdapSettings,
  LdapUnavailableError,
  mapGroupsToRoles,
  testLdapConnection,
} from './ldap.ts';
import { firstRdnValue } from './ldap-dn.ts';
import { fillFilterTemplate, MATCH_ANY } from './ldap-filter.ts';

const bed = testbed().ldap;
const ca = readFileSync(bed.ca, 'utf8');

function settings(overrides: Partial<LdapSettings> = {}): LdapSettings {
  return {
    url: bed.url,
    startTls: false,
    tls: { rejectUnauthorized: true },
    bindDn: bed.bindDn,
    bindPassword: bed.bindPassword,
    userBaseDn: `ou=people,${bed.baseDn}`,
    userFilter: '(&(objectClass=inetOrgPerson)(uid={username}))',
    usernameAttribute: 'uid',
    displayNameAttribute: 'cn',
    emailAttribute: 'mail',
    groupBaseDn: `ou=groups,${bed.baseDn}`,
    groupFilter: '(&(objectClass=groupOfNames)(member={dn}))',
    groupNameAttribute: 'cn',
    timeoutMs: 5000,
    ...overrides,
  };
}

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

/** Accepts TCP connections and never says a word; counts the connections it got. */
const silentServer = (() => {
  let connections = 0;
  const listener = Bun.listen({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      open() {
        connections += 1;
      },
      data() {},
    },
  });
  return {
    url: `ldap://127.0.0.1:${listener.port}`,
    connections: () => connections,
    stop: () => listener.stop(true),
  };
})();

afterAll(() => silentServer.stop());

describe('authenticateWithLdap', () => {
  test('alice gets her groups, display name and email', async () => {
    expect(await authenticateWithLdap(settings(), 'alice', 'alice-pass')).toEqual({
      dn: `uid=alice,ou=people,${bed.baseDn}`,
      username: 'alice',
      displayName: 'Alice Admin',
      email: 'alice@windflow.test',
      groups: ['windflow-admins', 'windflow-operators'],
    });
  });

  test('bob is an operator', async () => {
    const bob = await authenticateWithLdap(settings(), 'bob', 'bob-pass');
    expect(bob.username).toBe('bob');
    expect(bob.groups).toEqual(['windflow-operators']);
  });

  test('carol is in no group', async () => {
    const carol = await authenticateWithLdap(settings(), 'carol', 'carol-pass');
    expect(carol.groups).toEqual([]);
  });

  test('the user name comes back as the directory spells it', async () => {
    expect((await authenticateWithLdap(settings(), 'ALICE', 'alice-pass')).username).toBe('alice');
  });

  test('a user whose uid has filter metacharacters logs in and gets groups by an escaped DN', async () => {
    const dave = await authenticateWithLdap(settings(), 'dave*(x)', 'dave-pass');
    expect(dave.dn).toBe(`uid=dave*(x),ou=people,${bed.baseDn}`);
    expect(dave.groups).toEqual(['windflow-viewers']);
  });

  test('groups from memberOf when no group base DN is set, as with Active Directory', async () => {
    const alice = await authenticateWithLdap(
      settings({ groupBaseDn: '', groupFilter: '' }),
      'alice',
      'alice-pass',
    );
    expect(alice.groups).toEqual(['windflow-admins', 'windflow-operators']);
  });

  test('a wrong password and an unknown user fail alike', async () => {
    const wrongPassword = await failureOf(authenticateWithLdap(settings(), 'alice', 'bob-pass'));
    const unknownUser = await failureOf(authenticateWithLdap(settings(), 'mallory', 'alice-pass'));
    expect(wrongPassword).toBeInstanceOf(LdapInvalidCredentialsError);
    expect(unknownUser).toBeInstanceOf(LdapInvalidCredentialsError);
    expect(unknownUser.message).toBe(wrongPassword.message);
  });

  test('an empty password is refused without any traffic', async () => {
    const before = silentServer.connections();
    const failure = await failureOf(authenticateWithLdap(settings({ url: silentServer.url }), 'alice', ''));
    expect(failure).toBeInstanceOf(LdapInvalidCredentialsError);
    expect(silentServer.connections()).toBe(before);
  });

  test.each([
    ['a wildcard that would match only alice', 'al*'],
    ['a wildcard that would match everyone', '*'],
    ['a filter break-out', 'alice)(uid=*'],
    ['a filter break-out with an OR', '*)(|(uid=*'],
    ['a replacement pattern', '$&'],
    ['a NUL byte', 'alice\0'],
    ['an escaped wildcard', 'al\\2a'],
  ])('a user name with %s matches nobody', async (_what, username) => {
    const failure = await failureOf(authenticateWithLdap(settings(), username, 'alice-pass'));
    expect(failure).toBeInstanceOf(LdapInvalidCredentialsError);
  });

  test('a filter that matches several users logs nobody in', async () => {
    const failure = await failureOf(
      authenticateWithLdap(settings({ userFilter: '(|(uid={username})(uid=bob))' }), 'alice', 'alice-pass'),
    );
    expect(failure).toBeInstanceOf(LdapInvalidCredentialsError);
  });

  test('ldaps:// with the test bed CA', async () => {
    const tls = settings({ url: bed.tlsUrl, tls: { ca, rejectUnauthorized: true } });
    expect((await authenticateWithLdap(tls, 'alice', 'alice-pass')).groups).toEqual([
      'windflow-admins',
      'windflow-operators',
    ]);
  });

  test('ldaps:// without the CA is unavailable, not a bad password', async () => {
    const failure = await failureOf(
      authenticateWithLdap(settings({ url: bed.tlsUrl }), 'alice', 'alice-pass'),
    );
    expect(failure).toBeInstanceOf(LdapUnavailableError);
    expect(failure.message).toContain(bed.tlsUrl);
  });

  test('StartTLS on ldap:// with the CA', async () => {
    const startTls = settings({ startTls: true, tls: { ca, rejectUnauthorized: true } });
    expect((await authenticateWithLdap(startTls, 'bob', 'bob-pass')).groups).toEqual(['windflow-operators']);
  });

  test('StartTLS without the CA is unavailable', async () => {
    const failure = await failureOf(authenticateWithLdap(settings({ startTls: true }), 'bob', 'bob-pass'));
    expect(failure).toBeInstanceOf(LdapUnavailableError);
  });

  test('a refused service account makes the directory unavailable', async () => {
    const failure = await failureOf(
      authenticateWithLdap(settings({ bindPassword: 'wrong' }), 'alice', 'alice-pass'),
    );
    expect(failure).toBeInstanceOf(LdapUnavailableError);
    expect(failure.message).toContain('service account');
  });

  test('a closed port fails fast', async () => {
    const closedPort = (() => {
      const listener = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
      const port = listener.port;
      listener.stop(true);
      return port;
    })();
    const started = performance.now();
    const failure = await failureOf(
      authenticateWithLdap(settings({ url: `ldap://127.0.0.1:${closedPort}` }), 'alice', 'alice-pass'),
    );
    expect(failure).toBeInstanceOf(LdapUnavailableError);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  test('a server that never answers times out', async () => {
    const started = performance.now();
    const failure = await failureOf(
      authenticateWithLdap(settings({ url: silentServer.url, timeoutMs: 300 }), 'alice', 'alice-pass'),
    );
    expect(failure).toBeInstanceOf(LdapUnavailableError);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  test('StartTLS to a server that never answers times out', async () => {
    const started = performance.now();
    const failure = await failureOf(
      authenticateWithLdap(
        settings({ url: silentServer.url, startTls: true, timeoutMs: 300 }),
        'alice',
        'alice-pass',
      ),
    );
    expect(failure).toBeInstanceOf(LdapUnavailableError);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  test('a user filter without {username} is refused as a setup problem', async () => {
    const failure = await failureOf(
      authenticateWithLdap(settings({ userFilter: '(uid=alice)' }), 'anyone', 'alice-pass'),
    );
    expect(failure).toBeInstanceOf(LdapUnavailableError);
  });
});

describe('testLdapConnection', () => {
  test('counts the users the filter matches', async () => {
    expect(await testLdapConnection(settings())).toEqual({ usersFound: 4 });
  });

  test('over ldaps:// too', async () => {
    expect(
      await testLdapConnection(settings({ url: bed.tlsUrl, tls: { ca, rejectUnauthorized: true } })),
    ).toEqual({
      usersFound: 4,
    });
  });

  test('a wrong service password is reported', async () => {
    const failure = await failureOf(testLdapConnection(settings({ bindPassword: 'wrong' })));
    expect(failure).toBeInstanceOf(LdapUnavailableError);
  });

  test('a user base that does not exist is reported', async () => {
    const failure = await failureOf(testLdapConnection(settings({ userBaseDn: `ou=nobody,${bed.baseDn}` })));
    expect(failure).toBeInstanceOf(LdapUnavailableError);
    expect(failure.message).toContain(`ou=nobody,${bed.baseDn}`);
  });
});

describe('mapGroupsToRoles', () => {
  const mapping = {
    'windflow-admins': 'admin',
    'windflow-operators': 'operator',
    'Windflow-Viewers': 'viewer',
  };

  test('maps each group that has a role, once per role', () => {
    expect(mapGroupsToRoles(['windflow-admins', 'windflow-operators'], mapping)).toEqual([
      'admin',
      'operator',
    ]);
    expect(mapGroupsToRoles(['windflow-admins', 'windflow-admins'], mapping)).toEqual(['admin']);
  });

  test('ignores groups without a role, case-insensitively matches the rest', () => {
    expect(mapGroupsToRoles(['staff', 'WINDFLOW-VIEWERS'], mapping)).toEqual(['viewer']);
    expect(mapGroupsToRoles([], mapping)).toEqual([]);
  });

  test('object prototype names are not groups', () => {
    expect(mapGroupsToRoles(['constructor', '__proto__', 'toString'], mapping)).toEqual([]);
  });
});

describe('fillFilterTemplate', () => {
  test('escapes the RFC 4515 metacharacters', () => {
    expect(fillFilterTemplate('(uid={username})', { username: 'a*b(c)d\\e\0f' })).toBe(
      '(uid=a\\2ab\\28c\\29d\\5ce\\00f)',
    );
  });

  test('does not expand placeholders inside values', () => {
    expect(fillFilterTemplate('(&(uid={username})(member={dn}))', { username: '{dn}', dn: 'x' })).toBe(
      '(&(uid={dn})(member=x))',
    );
  });

  test('MATCH_ANY puts a bare wildcard', () => {
    expect(fillFilterTemplate('(uid={username})', { username: MATCH_ANY })).toBe('(uid=*)');
  });
});

describe('firstRdnValue', () => {
  test('unescapes RFC 4514 escapes, including multi-byte UTF-8', () => {
    expect(firstRdnValue('CN=Ops\\, EU,OU=Groups,DC=corp,DC=example')).toBe('Ops, EU');
    expect(firstRdnValue('cn=J\\C3\\BCrgen\\2BCo,ou=groups')).toBe('Jürgen+Co');
    expect(firstRdnValue('cn=windflow-admins,ou=groups,dc=windflow,dc=test')).toBe('windflow-admins');
  });

  test('has nothing for a DN without type=value', () => {
    expect(firstRdnValue('')).toBeUndefined();
  });
});
