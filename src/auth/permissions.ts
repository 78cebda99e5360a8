// The permission catalogue and the built-in roles. A permission is `kind:action`; every route
// declares exactly one, and a grant may hold a wildcard (`*` or `containers:*`).

export const PERMISSIONS = {
  environments: ['read', 'create', 'update', 'delete'],
  containers: ['read', 'create', 'update', 'delete', 'start', 'stop', 'exec', 'logs'],
  images: ['read', 'pull', 'push', 'delete', 'build', 'scan'],
  volumes: ['read', 'create', 'delete', 'browse'],
  networks: ['read', 'create', 'delete', 'connect'],
  stacks: ['read', 'deploy', 'delete'],
  registries: ['read', 'manage'],
  users: ['read', 'manage'],
  roles: ['read', 'manage'],
  settings: ['read', 'manage'],
  audit: ['read'],
  system: ['read', 'prune'],
  /** Containers that reach past Docker's isolation: host paths, privileged, devices, host namespaces. */
  host: ['access'],
  schedules: ['read', 'manage'],
  notifications: ['read', 'manage'],
  alerts: ['read', 'manage'],
  /** GET /metrics, for a Prometheus server's token: every environment's figures, nothing else. */
  metrics: ['scrape'],
} as const satisfies Record<string, readonly string[]>;

export type ResourceKind = keyof typeof PERMISSIONS;
export type Permission = { [K in ResourceKind]: `${K}:${(typeof PERMISSIONS)[K][number]}` }[ResourceKind];
/** What a role holds: a permission, `kind:*`, or `*`. */
export type Grant = Permission | `${ResourceKind}:*` | '*';

export const ALL_PERMISSIONS: Permission[] = Object.entries(PERMISSIONS).flatMap(([kind, actions]) =>
  actions.map((action) => `${kind}:${action}` as Permission),
);

/** Kinds whose objects live inside an environment; grants on them may be scoped to one. */
export const ENVIRONMENT_SCOPED_KINDS: ReadonlySet<ResourceKind> = new Set([
  'environments',
  'containers',
  'images',
  'volumes',
  'networks',
  'stacks',
  'host',
  'alerts',
]);

const dockerKinds = ['containers', 'images', 'volumes', 'networks', 'stacks'] as const;

export const BUILTIN_ROLES = {
  admin: { description: 'Everything, including users, roles and settings', grants: ['*'] },
  operator: {
    description: 'Runs Docker resources; cannot manage users, roles or settings',
    grants: [
      ...dockerKinds.map((kind) => `${kind}:*` as const),
      'environments:read',
      'registries:read',
      'alerts:*',
    ],
  },
  viewer: {
    description: 'Reads everything Docker; changes nothing',
    grants: [
      ...dockerKinds.map((kind) => `${kind}:read` as const),
      'environments:read',
      'registries:read',
      'alerts:read',
    ],
  },
} as const satisfies Record<string, { description: string; grants: readonly Grant[] }>;

export type BuiltinRoleName = keyof typeof BUILTIN_ROLES;

export function isPermission(value: string): value is Permission {
  return (ALL_PERMISSIONS as string[]).includes(value);
}

export function isGrant(value: string): value is Grant {
  if (value === '*') return true;
  const [kind, action] = value.split(':');
  return action === '*' ? kind !== undefined && kind in PERMISSIONS : isPermission(value);
}

/**
 * What an API token's scope may hold besides grants: `account`, managing its owner's own account
 * (tokens, sessions, password, second factor). A logged-in session always may; a token only when
 * its scope names `account` explicitly (`*` means every permission, not this).
 */
export const ACCOUNT_SCOPE = 'account';
export type TokenGrant = Grant | typeof ACCOUNT_SCOPE;

export function isTokenGrant(value: string): value is TokenGrant {
  return value === ACCOUNT_SCOPE || isGrant(value);
}

export function grantCovers(grant: TokenGrant, permission: Permission): boolean {
  if (grant === '*' || grant === permission) return true;
  return grant.endsWith(':*') && permission.startsWith(grant.slice(0, -1));
}

/** Whether holding `held` includes everything `wanted` gives: a token can only mint narrower ones. */
export function grantIncludes(held: TokenGrant, wanted: TokenGrant): boolean {
  if (held === ACCOUNT_SCOPE || wanted === ACCOUNT_SCOPE) return held === wanted;
  if (held === '*' || held === wanted) return true;
  if (wanted === '*') return false;
  if (wanted.endsWith(':*')) return held === wanted;
  return grantCovers(held, wanted as Permission);
}
