// The container form's text fields <-> the API's spec: commands typed as a shell would split
// them, env and labels as KEY=value lines (an env file pastes as it is).
import type { ContainerSpec, MountSpec, NetworkSpec, PortSpec } from './api-containers';

export interface ContainerForm {
  image: string;
  name: string;
  command: string;
  entrypoint: string;
  env: string;
  labels: string;
  ports: { hostIp: string; hostPort: string; containerPort: string; protocol: 'tcp' | 'udp' }[];
  mounts: MountSpec[];
  networks: { name: string; aliases: string; ipv4Address: string }[];
  restartPolicy: ContainerSpec['restartPolicy'];
  maxRetries: string;
  memory: string;
  cpus: string;
  user: string;
  workingDir: string;
  hostname: string;
  privileged: boolean;
  capAdd: string;
  capDrop: string;
  tty: boolean;
  healthcheck: { command: string; interval: string; timeout: string; retries: string; startPeriod: string };
}

export function emptyForm(): ContainerForm {
  return {
    image: '',
    name: '',
    command: '',
    entrypoint: '',
    env: '',
    labels: '',
    ports: [],
    mounts: [],
    networks: [],
    restartPolicy: 'no',
    maxRetries: '',
    memory: '',
    cpus: '',
    user: '',
    workingDir: '',
    hostname: '',
    privileged: false,
    capAdd: '',
    capDrop: '',
    tty: false,
    healthcheck: { command: '', interval: '', timeout: '', retries: '', startPeriod: '' },
  };
}

/** Splits like a shell: spaces separate, quotes group, a backslash escapes. */
export function splitCommand(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: '"' | "'" | undefined;
  let started = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index] as string;
    if (quote) {
      if (char === quote) quote = undefined;
      else if (char === '\\' && quote === '"' && index + 1 < text.length) word += text[++index];
      else word += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      started = true;
    } else if (char === '\\' && index + 1 < text.length) {
      word += text[++index];
      started = true;
    } else if (/\s/.test(char)) {
      if (started) words.push(word);
      word = '';
      started = false;
    } else {
      word += char;
      started = true;
    }
  }
  if (quote) throw new Error(`A ${quote} quote is not closed`);
  if (started) words.push(word);
  return words;
}

export function joinCommand(words: string[] | undefined): string {
  return (words ?? [])
    .map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}

/** KEY=value lines; blank lines, comments and an `export ` prefix (env files) are fine. */
export function parsePairs(text: string, what: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim().replace(/^export\s+/, '');
    if (!line || line.startsWith('#')) continue;
    const at = line.indexOf('=');
    if (at <= 0) throw new Error(`${what}, line ${index + 1}: write KEY=value`);
    let value = line.slice(at + 1);
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1);
    pairs[line.slice(0, at).trim()] = value;
  }
  return pairs;
}

const pairsText = (pairs: Record<string, string>) =>
  Object.entries(pairs)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n');

const optionalNumber = (text: string, what: string): number | undefined => {
  if (!text.trim()) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${what} must be a number`);
  return value;
};

const words = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((word) => word.trim())
    .filter(Boolean);

export function formFromSpec(spec: ContainerSpec): ContainerForm {
  const health = spec.healthcheck;
  return {
    image: spec.image,
    name: spec.name ?? '',
    command: joinCommand(spec.command),
    entrypoint: joinCommand(spec.entrypoint),
    env: pairsText(spec.env),
    labels: pairsText(spec.labels),
    ports: spec.ports.map((port) => ({
      hostIp: port.hostIp ?? '',
      hostPort: port.hostPort === undefined ? '' : String(port.hostPort),
      containerPort: String(port.containerPort),
      protocol: port.protocol,
    })),
    mounts: spec.mounts.map((mount) => ({ ...mount })),
    networks: spec.networks.map((network) => ({
      name: network.name,
      aliases: network.aliases.join(', '),
      ipv4Address: network.ipv4Address ?? '',
    })),
    restartPolicy: spec.restartPolicy,
    maxRetries: spec.maxRetries === undefined ? '' : String(spec.maxRetries),
    memory: spec.memory ?? '',
    cpus: spec.cpus === undefined ? '' : String(spec.cpus),
    user: spec.user ?? '',
    workingDir: spec.workingDir ?? '',
    hostname: spec.hostname ?? '',
    privileged: spec.privileged,
    capAdd: spec.capAdd.join(', '),
    capDrop: spec.capDrop.join(', '),
    tty: spec.tty,
    healthcheck: {
      command: health?.command ?? '',
      interval: health?.intervalSeconds === undefined ? '' : String(health.intervalSeconds),
      timeout: health?.timeoutSeconds === undefined ? '' : String(health.timeoutSeconds),
      retries: health?.retries === undefined ? '' : String(health.retries),
      startPeriod: health?.startPeriodSeconds === undefined ? '' : String(health.startPeriodSeconds),
    },
  };
}

/** Throws an Error whose message names the field, for the form to show. */
export function specFromForm(form: ContainerForm): ContainerSpec {
  const ports: PortSpec[] = form.ports
    .filter((port) => port.containerPort.trim())
    .map((port) => {
      const containerPort = Number(port.containerPort);
      if (!Number.isInteger(containerPort) || containerPort < 1 || containerPort > 65535) {
        throw new Error(`Port "${port.containerPort}" is not a port number (1-65535)`);
      }
      const hostPort = optionalNumber(port.hostPort, `Host port for ${containerPort}`);
      return {
        containerPort,
        protocol: port.protocol,
        ...(hostPort === undefined ? {} : { hostPort }),
        ...(port.hostIp.trim() ? { hostIp: port.hostIp.trim() } : {}),
      };
    });
  const networks: NetworkSpec[] = form.networks
    .filter((network) => network.name.trim())
    .map((network) => ({
      name: network.name.trim(),
      aliases: words(network.aliases),
      ...(network.ipv4Address.trim() ? { ipv4Address: network.ipv4Address.trim() } : {}),
    }));
  const health = form.healthcheck;
  const maxRetries = optionalNumber(form.maxRetries, 'Maximum retries');
  const cpus = optionalNumber(form.cpus, 'CPUs');
  return {
    image: form.image.trim(),
    name: form.name.trim(),
    command: splitCommand(form.command),
    entrypoint: splitCommand(form.entrypoint),
    env: parsePairs(form.env, 'Environment'),
    labels: parsePairs(form.labels, 'Labels'),
    ports,
    mounts: form.mounts.filter((mount) => mount.source.trim() && mount.target.trim()),
    networks,
    restartPolicy: form.restartPolicy,
    ...(form.restartPolicy === 'on-failure' && maxRetries !== undefined ? { maxRetries } : {}),
    ...(form.memory.trim() ? { memory: form.memory.trim() } : {}),
    ...(cpus ? { cpus } : {}),
    ...(form.user.trim() ? { user: form.user.trim() } : {}),
    ...(form.workingDir.trim() ? { workingDir: form.workingDir.trim() } : {}),
    ...(form.hostname.trim() ? { hostname: form.hostname.trim() } : {}),
    privileged: form.privileged,
    capAdd: words(form.capAdd).map((cap) => cap.toUpperCase()),
    capDrop: words(form.capDrop).map((cap) => cap.toUpperCase()),
    tty: form.tty,
    ...(health.command.trim()
      ? {
          healthcheck: {
            command: health.command.trim(),
            intervalSeconds: optionalNumber(health.interval, 'Health check interval'),
            timeoutSeconds: optionalNumber(health.timeout, 'Health check timeout'),
            retries: optionalNumber(health.retries, 'Health check retries'),
            startPeriodSeconds: optionalNumber(health.startPeriod, 'Health check start period'),
          },
        }
      : {}),
  };
}
