// Which Windflow permission an Engine API call needs, for the Docker API endpoint per
// environment. Reads need the kind's read (logs need containers:logs); each change needs the
// permission its Windflow route needs; prunes need system:prune. Paths outside this table (swarm,
// plugins, secrets, distribution, sessions, ...) are refused: Windflow does not manage them.
import type { Permission } from '../auth/permissions.ts';

type Rule = [method: string, pattern: RegExp, permission: Permission];

const ID = '[^/]+';
const RULES: Rule[] = [
  ['GET', /^\/(_ping|version|info|system\/df)$/, 'environments:read'],
  ['HEAD', /^\/_ping$/, 'environments:read'],
  ['GET', /^\/events$/, 'environments:read'],
  ['POST', /^\/(containers|images|volumes|networks|build)\/prune$/, 'system:prune'],

  ['GET', /^\/containers\/json$/, 'containers:read'],
  ['GET', new RegExp(`^/containers/${ID}/(json|top|changes|stats)$`), 'containers:read'],
  ['GET', new RegExp(`^/containers/${ID}/logs$`), 'containers:logs'],
  ['GET', new RegExp(`^/containers/${ID}/(archive|export)$`), 'containers:read'],
  ['HEAD', new RegExp(`^/containers/${ID}/archive$`), 'containers:read'],
  ['POST', /^\/containers\/create$/, 'containers:create'],
  ['POST', new RegExp(`^/containers/${ID}/(start|restart|unpause)$`), 'containers:start'],
  ['POST', new RegExp(`^/containers/${ID}/(stop|kill|pause)$`), 'containers:stop'],
  ['POST', new RegExp(`^/containers/${ID}/wait$`), 'containers:read'],
  ['POST', new RegExp(`^/containers/${ID}/(update|rename)$`), 'containers:update'],
  ['PUT', new RegExp(`^/containers/${ID}/archive$`), 'containers:update'],
  ['POST', new RegExp(`^/containers/${ID}/(exec|attach|resize)$`), 'containers:exec'],
  ['DELETE', new RegExp(`^/containers/${ID}$`), 'containers:delete'],
  ['GET', new RegExp(`^/exec/${ID}/json$`), 'containers:read'],
  ['POST', new RegExp(`^/exec/${ID}/(start|resize)$`), 'containers:exec'],

  ['GET', /^\/images\/(json|search)$/, 'images:read'],
  ['GET', /^\/images\/get$/, 'images:read'],
  ['GET', /^\/images\/.+\/(json|history|get)$/, 'images:read'],
  ['POST', /^\/images\/create$/, 'images:pull'],
  ['POST', /^\/images\/load$/, 'images:pull'],
  ['POST', /^\/images\/.+\/tag$/, 'images:pull'],
  ['POST', /^\/images\/.+\/push$/, 'images:push'],
  ['POST', /^\/build$/, 'images:build'],
  ['DELETE', /^\/images\/.+$/, 'images:delete'],

  ['GET', /^\/volumes$/, 'volumes:read'],
  ['GET', new RegExp(`^/volumes/${ID}$`), 'volumes:read'],
  ['POST', /^\/volumes\/create$/, 'volumes:create'],
  ['DELETE', new RegExp(`^/volumes/${ID}$`), 'volumes:delete'],

  ['GET', /^\/networks$/, 'networks:read'],
  ['GET', new RegExp(`^/networks/${ID}$`), 'networks:read'],
  ['POST', /^\/networks\/create$/, 'networks:create'],
  ['POST', new RegExp(`^/networks/${ID}/(connect|disconnect)$`), 'networks:connect'],
  ['DELETE', new RegExp(`^/networks/${ID}$`), 'networks:delete'],
];

/** The permission an Engine call needs, or undefined when Windflow does not pass it on. */
export function enginePermission(method: string, path: string): Permission | undefined {
  const bare = path.replace(/^\/v\d+\.\d+(?=\/)/, '');
  return RULES.find(([ruleMethod, pattern]) => ruleMethod === method && pattern.test(bare))?.[2];
}
