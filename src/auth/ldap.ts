// Login against an LDAP directory or Active Directory: a service account finds the user, a bind
// as that user on a fresh connection proves the password, then the service account reads the
// user's groups.
import { type Client, type Entry, InvalidCredentialsError, ResultCodeError } from 'ldapts';
import { closeLdapConnection, openLdapConnection } from './ldap-connection.ts';
import { firstRdnValue } from './ldap-dn.ts';
import { attributeValues, firstAttributeValue } from './ldap-entry.ts';
import { fillFilterTemplate, MATCH_ANY } from './ldap-filter.ts';

export interface LdapSettings {
  /** ldap:// or ldaps:// */
  url: string;
  /** Upgrade an ldap:// connection with StartTLS. */
  startTls: boolean;
  /** ca is PEM. */
  tls: { ca?: string; rejectUnauthorized: boolean };
  /** The service account that searches users and groups. */
  bindDn: string;
  bindPassword: string;
  userBaseDn: string;
  /** `{username}` is replaced, escaped: '(&(objectClass=inetOrgPerson)(uid={username}))', AD '(sAMAccountName={username})'. */
  userFilter: string;
  /** 'uid' | 'sAMAccountName' */
  usernameAttribute: string;
  /** 'cn' | 'displayName' */
  displayNameAttribute: string;
  /** 'mail' */
  emailAttribute: string;
  /** '' reads the user's memberOf attribute (AD) instead of searching groups. */
  groupBaseDn: string;
  /** `{dn}` and `{username}` are replaced, escaped: '(&(objectClass=groupOfNames)(member={dn}))'. */
  groupFilter: string;
  /** 'cn' */
  groupNameAttribute: string;
  /** Limit for connecting and for each operation. */
  timeoutMs: number;
}

export interface LdapIdentity {
  dn: string;
  username: string;
  displayName?: string;
  email?: string;
  /** Group names, sorted. */
  groups: string[];
}

/** Unknown user, wrong password or empty password: one message for all, so that logins cannot probe for users. */
export class LdapInvalidCredentialsError extends Error {
  constructor() {
    super('invalid user name or password');
    this.name = 'LdapInvalidCredentialsError';
  }
}

/** The directory could not be used: unreachable, TLS failure, service account refused, search failed. */
export class LdapUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LdapUnavailableError';
  }
}

const PAGE_SIZE = 500;

export async function authenticateWithLdap(
  settings: LdapSettings,
  username: string,
  password: string,
): Promise<LdapIdentity> {
  // Many servers take a simple bind with an empty password as an anonymous bind, and succeed.
  if (password === '' || username === '') throw new LdapInvalidCredentialsError();
  if (!settings.userFilter.includes('{username}')) {
    throw new LdapUnavailableError('the LDAP user filter has no {username} placeholder');
  }
  return withServiceConnection(settings, async (service) => {
    const user = await findUser(service, settings, username);
    await verifyPassword(settings, user.dn, password);
    return {
      dn: user.dn,
      username: firstAttributeValue(user, settings.usernameAttribute) ?? username,
      displayName: firstAttributeValue(user, settings.displayNameAttribute),
      email: firstAttributeValue(user, settings.emailAttribute),
      groups: await findGroupNames(service, settings, user, username),
    };
  });
}

/** Binds as the service account and counts the users the user filter matches, for the settings page. */
export async function testLdapConnection(settings: LdapSettings): Promise<{ usersFound: number }> {
  return withServiceConnection(settings, async (service) => {
    const { searchEntries } = await searching(`searching users under ${settings.userBaseDn}`, () =>
      service.search(settings.userBaseDn, {
        scope: 'sub',
        filter: fillFilterTemplate(settings.userFilter, { username: MATCH_ANY }),
        attributes: ['1.1'],
        paged: { pageSize: PAGE_SIZE },
        timeLimit: serverTimeLimitSeconds(settings),
      }),
    );
    return { usersFound: searchEntries.length };
  });
}

/** The roles of the groups that appear in the mapping; group names compare case-insensitively, as in LDAP. */
export function mapGroupsToRoles(groups: string[], mapping: Record<string, string>): string[] {
  const roleByGroup = new Map(Object.entries(mapping).map(([group, role]) => [group.toLowerCase(), role]));
  const roles = groups.flatMap((group) => roleByGroup.get(group.toLowerCase()) ?? []);
  return [...new Set(roles)];
}

function withServiceConnection<T>(settings: LdapSettings, use: (service: Client) => Promise<T>): Promise<T> {
  const refused = () =>
    new LdapUnavailableError(
      `the LDAP server refused the service account ${settings.bindDn}: check its DN and password`,
    );
  return withBoundConnection(settings, settings.bindDn, settings.bindPassword, refused, use);
}

async function withBoundConnection<T>(
  settings: LdapSettings,
  dn: string,
  password: string,
  refused: () => Error,
  use: (client: Client) => Promise<T>,
): Promise<T> {
  let client: Client;
  try {
    client = await openLdapConnection(settings);
  } catch (error) {
    throw cannotConnect(settings, error);
  }
  try {
    try {
      await client.bind(dn, password);
    } catch (error) {
      if (error instanceof InvalidCredentialsError) throw refused();
      if (error instanceof ResultCodeError) {
        throw new LdapUnavailableError(`binding as ${dn} failed: ${reasonOf(error)}`, { cause: error });
      }
      // ldapts connects on the first operation, so this is where network and TLS failures show.
      throw cannotConnect(settings, error);
    }
    return await use(client);
  } finally {
    await closeLdapConnection(client);
  }
}

/** A bind as the user on a connection of its own: the service account's connection stays the service account's. */
async function verifyPassword(settings: LdapSettings, dn: string, password: string): Promise<void> {
  await withBoundConnection(
    settings,
    dn,
    password,
    () => new LdapInvalidCredentialsError(),
    async () => {},
  );
}

function cannotConnect(settings: LdapSettings, error: unknown): LdapUnavailableError {
  return new LdapUnavailableError(`cannot connect to ${settings.url}: ${reasonOf(error)}`, { cause: error });
}

async function searching<T>(what: string, search: () => Promise<T>): Promise<T> {
  try {
    return await search();
  } catch (error) {
    throw new LdapUnavailableError(`${what} failed: ${reasonOf(error)}`, { cause: error });
  }
}

async function findUser(service: Client, settings: LdapSettings, username: string): Promise<Entry> {
  const attributes = [settings.usernameAttribute, settings.displayNameAttribute, settings.emailAttribute];
  if (settings.groupBaseDn === '') attributes.push('memberOf');
  const { searchEntries } = await searching(`searching users under ${settings.userBaseDn}`, () =>
    service.search(settings.userBaseDn, {
      scope: 'sub',
      filter: fillFilterTemplate(settings.userFilter, { username }),
      attributes,
      // Two are enough to know the name is ambiguous.
      sizeLimit: 2,
      timeLimit: serverTimeLimitSeconds(settings),
    }),
  );
  const [user, ...others] = searchEntries;
  if (!user || others.length > 0) throw new LdapInvalidCredentialsError();
  return user;
}

async function findGroupNames(
  service: Client,
  settings: LdapSettings,
  user: Entry,
  username: string,
): Promise<string[]> {
  if (settings.groupBaseDn === '') {
    return sortedUnique(attributeValues(user, 'memberOf').flatMap((groupDn) => firstRdnValue(groupDn) ?? []));
  }
  const { searchEntries } = await searching(`searching groups under ${settings.groupBaseDn}`, () =>
    service.search(settings.groupBaseDn, {
      scope: 'sub',
      filter: fillFilterTemplate(settings.groupFilter, { dn: user.dn, username }),
      attributes: [settings.groupNameAttribute],
      paged: { pageSize: PAGE_SIZE },
      timeLimit: serverTimeLimitSeconds(settings),
    }),
  );
  return sortedUnique(
    searchEntries.flatMap((group) => firstAttributeValue(group, settings.groupNameAttribute) ?? []),
  );
}

function serverTimeLimitSeconds(settings: LdapSettings): number {
  return Math.ceil(settings.timeoutMs / 1000);
}

function sortedUnique(values: string[]): string[] {
  return [...new Set(values)].sort();
}

function reasonOf(error: unknown): string {
  if (error instanceof ResultCodeError) {
    // ldapts puts the server's diagnostic text first, and servers often send none.
    const diagnostic = error.message.replace(/\s*Code: 0x[0-9a-f]+$/i, '');
    return `${error.name} (LDAP result ${error.code})${diagnostic ? `: ${diagnostic}` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}
