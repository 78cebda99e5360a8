// The short forms of the Compose file, parsed as compose-go parses them: `command: "a b"` split
// like mattn/go-shellwords, `ports: "127.0.0.1:8080-8081:80-81/udp"` like docker's nat.ParsePortSpec,
// `volumes: "./data:/data:ro,z"` like compose-go's format.ParseVolume, and `devices: "a:b:rwm"`.

/** go-shellwords' Parse (no env, no backticks): quotes, backslash escapes; stops at an unquoted ; & | < >. */
export function splitShellWords(line: string): string[] {
  const args: string[] = [];
  let buf = '';
  let escaped = false;
  let doubleQuoted = false;
  let singleQuoted = false;
  let backQuote = false;
  let dollarQuote = false;
  let got: 'no' | 'single' | 'quoted' = 'no';
  loop: for (const ch of line) {
    let r = ch;
    if (escaped) {
      escaped = false;
      if (backQuote || dollarQuote) {
        buf += `\\${r}`;
        got = 'single';
        continue;
      }
      if (r === 't') r = '\t';
      if (r === 'n') r = '\n';
      buf += r;
      got = 'single';
      continue;
    }
    if (r === '\\') {
      if (singleQuoted) buf += r;
      else escaped = true;
      continue;
    }
    if (r === ' ' || r === '\t' || r === '\r' || r === '\n') {
      if (singleQuoted || doubleQuoted || backQuote || dollarQuote) {
        buf += r;
      } else if (got !== 'no') {
        args.push(buf);
        buf = '';
        got = 'no';
      }
      continue;
    }
    switch (r) {
      case '`':
        if (!singleQuoted && !doubleQuoted && !dollarQuote) backQuote = !backQuote;
        break;
      case ')':
        if (!singleQuoted && !doubleQuoted && !backQuote) {
          if (!dollarQuote) throw new Error('invalid command line string');
          dollarQuote = false;
        }
        break;
      case '(':
        if (!singleQuoted && !doubleQuoted && !backQuote) {
          if (!dollarQuote && buf.endsWith('$') && !buf.endsWith('\\$')) {
            dollarQuote = true;
            buf += '(';
            continue;
          }
          throw new Error('invalid command line string');
        }
        break;
      case '"':
        if (!singleQuoted && !dollarQuote && !backQuote) {
          if (doubleQuoted) got = 'quoted';
          doubleQuoted = !doubleQuoted;
          continue;
        }
        break;
      case "'":
        if (!doubleQuoted && !dollarQuote && !backQuote) {
          if (singleQuoted) got = 'quoted';
          singleQuoted = !singleQuoted;
          continue;
        }
        break;
      case ';':
      case '&':
      case '|':
      case '<':
      case '>':
        if (!(singleQuoted || doubleQuoted || backQuote || dollarQuote)) {
          if (r === '>' && /^\d+$/.test(buf)) got = 'no';
          break loop;
        }
        break;
    }
    got = 'single';
    buf += r;
  }
  if (got !== 'no') args.push(buf);
  if (escaped || singleQuoted || doubleQuoted || backQuote || dollarQuote) {
    throw new Error('invalid command line string');
  }
  return args;
}

export interface PortMapping {
  mode: 'ingress';
  host_ip?: string;
  target: number;
  published?: string;
  protocol: string;
}

function parsePortRange(value: string): [number, number] {
  if (value === '') throw new Error('empty string specified for ports');
  const parse = (s: string) => {
    if (!/^\d+$/.test(s) || Number(s) > 65535) throw new Error(`invalid port ${JSON.stringify(s)}`);
    return Number(s);
  };
  const dash = value.indexOf('-');
  if (dash < 0) {
    const port = parse(value);
    return [port, port];
  }
  const start = parse(value.slice(0, dash));
  const end = parse(value.slice(dash + 1));
  if (end < start) throw new Error(`invalid range specified for port: ${value}`);
  return [start, end];
}

function isIp(value: string): boolean {
  if (/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(value)) {
    return value.split('.').every((part) => Number(part) <= 255);
  }
  return value.includes(':') && /^[0-9a-fA-F:.]+$/.test(value) && (value.match(/::/g) ?? []).length <= 1;
}

/** types.ParsePortConfig over nat.ParsePortSpec: one entry per container port, sorted as compose sorts them. */
export function parsePortSpec(raw: string): PortMapping[] {
  const parts = raw.split(':');
  const n = parts.length;
  let containerPart = parts[n - 1] as string;
  let rawIp = '';
  let hostPort = '';
  if (n === 2) hostPort = parts[0] as string;
  else if (n === 3) [rawIp, hostPort] = [parts[0] as string, parts[1] as string];
  else if (n > 3) [rawIp, hostPort] = [parts.slice(0, n - 2).join(':'), parts[n - 2] as string];
  let proto = 'tcp';
  const slash = containerPart.indexOf('/');
  if (slash >= 0) {
    proto = containerPart.slice(slash + 1) || 'tcp';
    containerPart = containerPart.slice(0, slash);
  }
  const ip = rawIp.replace(/^\[/, '').replace(/\]$/, '');
  if (ip !== '' && !isIp(ip)) throw new Error(`Invalid ip address: ${ip}`);
  if (containerPart === '') throw new Error(`No port specified: ${raw}<empty>`);
  let start: number;
  let end: number;
  try {
    [start, end] = parsePortRange(containerPart);
  } catch {
    throw new Error(`Invalid containerPort: ${containerPart}`);
  }
  let hostStart = 0;
  let hostEnd = 0;
  if (hostPort !== '') {
    try {
      [hostStart, hostEnd] = parsePortRange(hostPort);
    } catch {
      throw new Error(`Invalid hostPort: ${hostPort}`);
    }
    if (end - start !== hostEnd - hostStart && end !== start) {
      throw new Error(
        `Invalid ranges specified for container and host Ports: ${containerPart} and ${hostPort}`,
      );
    }
  }
  const protocol = proto.toLowerCase();
  if (!['tcp', 'udp', 'sctp'].includes(protocol)) throw new Error(`Invalid proto: ${proto}`);
  const mappings: Array<PortMapping & { key: string }> = [];
  for (let i = 0; i <= end - start; i++) {
    let published = hostPort === '' ? '' : String(hostStart + i);
    if (start === end && hostStart !== hostEnd) published = `${published}-${hostEnd}`;
    const mapping: PortMapping & { key: string } = {
      key: `${start + i}/${protocol}`,
      mode: 'ingress',
      target: start + i,
      protocol,
    };
    if (ip) mapping.host_ip = ip;
    if (published) mapping.published = published;
    mappings.push(mapping);
  }
  return mappings
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ key: _key, ...mapping }) => mapping);
}

export interface ParsedVolume {
  type: 'bind' | 'volume';
  source?: string;
  target: string;
  read_only?: boolean;
  bind?: { propagation?: string; selinux?: string; create_host_path: true };
  volume?: { nocopy?: true };
}

const PROPAGATIONS = ['rprivate', 'private', 'rshared', 'shared', 'rslave', 'slave'];

function isWindowsDrive(buffer: string, char: string): boolean {
  return char === ':' && buffer.length === 1 && /^\p{L}$/u.test(buffer);
}

function isFilePath(source: string | undefined): boolean {
  if (!source) return false;
  if ('./~'.includes(source[0] as string)) return true;
  if (source.startsWith('\\\\')) return true;
  const [first, second] = Array.from(source);
  return first !== undefined && second !== undefined && isWindowsDrive(first, second);
}

/** compose-go's format.ParseVolume: `[source:]target[:options]`. */
export function parseVolumeSpec(spec: string): ParsedVolume {
  if (spec.length === 0) throw new Error('invalid empty volume spec');
  if (spec.length <= 2) return { type: 'volume', target: spec };
  const volume: { source?: string; target?: string; read_only?: boolean; options?: string } = {};
  let buffer = '';
  let depth = 0;
  const chars = [...Array.from(spec), '\0'];
  const fail = (message: string) => new Error(`invalid spec: ${spec}: ${message}`);
  chars.forEach((char, i) => {
    if (char === '$' && chars[i + 1] === '{') {
      depth++;
      buffer += char;
      return;
    }
    if (char === '}' && depth > 0) {
      depth--;
      buffer += char;
      return;
    }
    if (isWindowsDrive(buffer, char)) {
      buffer += char;
    } else if ((char === ':' || char === '\0') && depth === 0) {
      if (buffer.length === 0) throw fail('empty section between colons');
      if (volume.source === undefined && char === '\0') volume.target = buffer;
      else if (volume.source === undefined) volume.source = buffer;
      else if (volume.target === undefined) volume.target = buffer;
      else if (char === ':') throw fail('too many colons');
      else volume.options = buffer;
      buffer = '';
    } else {
      buffer += char;
    }
  });
  const parsed: ParsedVolume = isFilePath(volume.source)
    ? { type: 'bind', source: volume.source, target: volume.target ?? '', bind: { create_host_path: true } }
    : { type: 'volume', target: volume.target ?? '', volume: {} };
  if (volume.source !== undefined && parsed.type === 'volume') parsed.source = volume.source;
  for (const option of volume.options?.split(',') ?? []) {
    if (option === 'ro') parsed.read_only = true;
    else if (option === 'rw') parsed.read_only = false;
    else if (option === 'nocopy') parsed.volume = { nocopy: true };
    else if (PROPAGATIONS.includes(option) || option === 'z' || option === 'Z') {
      parsed.bind ??= { create_host_path: true };
      if (option === 'z' || option === 'Z') parsed.bind.selinux = option;
      else parsed.bind.propagation = option;
    }
  }
  if (parsed.read_only === false) delete parsed.read_only;
  return parsed;
}

/** compose-go's transformDeviceMapping: `source[:target[:permissions]]`. */
export function parseDeviceSpec(spec: string): { source: string; target: string; permissions: string } {
  const parts = spec.split(':');
  if (parts.length > 3) throw new Error(`confusing device mapping, please use long syntax: ${spec}`);
  const [source = '', target = '', permissions = 'rwm'] = parts;
  return { source, target: target || source, permissions };
}
