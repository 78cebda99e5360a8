// Image references and registry credentials in the forms the Engine API takes them.

/** Credentials for a registry, as the daemon's X-Registry-Auth header carries them. */
export interface RegistryAuth {
  username?: string;
  password?: string;
  serveraddress?: string;
  identitytoken?: string;
}

/** `registry:5000/name:tag` -> name and tag; a digest reference keeps the digest in the name. */
export function splitReference(reference: string): { name: string; tag?: string } {
  if (reference.includes('@')) return { name: reference };
  const lastSlash = reference.lastIndexOf('/');
  const colon = reference.lastIndexOf(':');
  if (colon > lastSlash) return { name: reference.slice(0, colon), tag: reference.slice(colon + 1) };
  return { name: reference, tag: 'latest' };
}

/**
 * The X-Registry-Auth value: base64url with padding, because the daemon decodes with Go's
 * padded URL encoding and, on a pull, silently drops credentials it cannot decode.
 */
export function encodeRegistryAuth(auth: RegistryAuth | undefined): string {
  return Buffer.from(JSON.stringify(auth ?? {}))
    .toString('base64')
    .replaceAll('+', '-')
    .replaceAll('/', '_');
}

const DOCKER_HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** The registry a reference pulls from: `127.0.0.1:5000/app` -> 127.0.0.1:5000, `nginx` -> docker.io. */
export function registryHostOf(reference: string): string {
  const first = reference.split('/')[0] ?? '';
  const explicit =
    reference.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  return normalizeRegistryHost(explicit ? first : 'docker.io');
}

/** Docker Hub has several names; they are one registry. */
export function normalizeRegistryHost(host: string): string {
  const lower = host.toLowerCase();
  return DOCKER_HUB_HOSTS.has(lower) ? 'docker.io' : lower;
}
