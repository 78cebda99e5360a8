// What `scripts/testbed.sh` set up, read by tests. Tests never skip when the test bed is
// missing: they fail with a message that says how to create it.
import { existsSync, readFileSync } from 'node:fs';

export interface Testbed {
  /** Unix socket of the main Docker daemon. */
  dockerSocket: string;
  /** A second Docker daemon that listens only on TCP with mutual TLS. PEM file paths. */
  tlsDaemon: { host: string; port: number; ca: string; cert: string; key: string };
  /** A certificate for 127.0.0.1 and localhost signed by `ca`, for serving HTTPS. PEM file paths. */
  localhostTls: { ca: string; cert: string; key: string };
  /** A plain-HTTP registry on loopback (the daemon treats 127.0.0.0/8 as insecure-allowed). */
  registry: { address: string };
  /** Registries that need a password: basic (htpasswd) and token (Bearer challenge) auth. */
  authRegistries: {
    basic: RegistryLogin;
    /** Its tokens come from the issuer in registry-token-issuer.ts, run by the tests. */
    token: RegistryLogin & { realm: string; service: string; issuer: string; key: string; cert: string };
  };
  /** A role with CREATEDB on a real PostgreSQL server. */
  postgresUrl: string;
  /** slapd on loopback, seeded by scripts/testbed/slapd.sh (see that script for the tree). */
  ldap: {
    url: string;
    /** ldaps:// URL of the same server. */
    tlsUrl: string;
    /** PEM path of the CA that signed slapd's certificate. */
    ca: string;
    baseDn: string;
    bindDn: string;
    bindPassword: string;
  };
  /**
   * nginx and Caddy run from the shipped configs (scripts/proxies/), with TLS by `localhostTls`.
   * Root sites pass to a Windflow on 127.0.0.1:upstreams.root, /windflow/ sites to one started
   * with WINDFLOW_BASE_PATH=/windflow on 127.0.0.1:upstreams.subpath.
   */
  proxies: {
    upstreams: { root: number; subpath: number };
    sites: { proxy: 'nginx' | 'caddy'; url: string; upstream: 'root' | 'subpath' }[];
  };
  /** Podman 4 (rootful) serving the Docker-compatible API; has `images.busybox` too. */
  podman: { socket: string; version: string };
  /**
   * OpenSSH on loopback, key-only, whose login runs git-shell, serving the bare repositories in
   * `reposDir` (scripts/testbed/git-ssh.sh): `ssh://user@host:port<reposDir>/<name>.git`.
   */
  gitSsh: {
    host: string;
    port: number;
    user: string;
    reposDir: string;
    /** The server's second authorized_keys file, for deploy keys tests add (authorizeDeployKey). */
    deployKeysFile: string;
    /** The server's ed25519 host key, `ssh-ed25519 AAAA…`, and its `SHA256:` fingerprint. */
    hostPublicKey: string;
    hostKeyFingerprint: string;
    /** Its RSA host key, `ssh-rsa AAAA…`. */
    hostRsaPublicKey: string;
    /** Paths of unencrypted OpenSSH private keys the server accepts. */
    clientKeys: { ed25519: string; rsa: string };
  };
  /** The real Hawser agent binary (third-party, copied from ../shared/hawser/). */
  hawser: string;
  /**
   * `git http-backend` behind nginx with basic auth: `<url>/<name>.git` serves the bare
   * repository `<reposDir>/<name>.git` (fetch and push). Tests make their own repositories.
   */
  gitHttp: { url: string; username: string; password: string; reposDir: string };
  /**
   * Stand-ins for the Grype and Trivy images (scripts/testbed/scanners.sh): they answer the
   * scanners' command lines with real reports (src/testing/scan-reports/<name>.json), the one
   * /windflow-scan-report in the scanned image names for that scanner ("grype-image
   * trivy-debian-buster"), else grype-empty / trivy-alpine-310.
   */
  scanners: { grype: string; trivy: string };
  images: {
    /** Imported from busybox-static; has sh, sleep, echo, cat ... on PATH. */
    busybox: string;
    /** The same image pushed to the test registry. */
    registryBusybox: string;
    /** A different image that is only in the registry: pulling it downloads layers. */
    pullable: string;
    /** A minimal Debian 12 made with debootstrap, slimmed like debian:12-slim (has glibc, bash). */
    debian: string;
  };
}

export interface RegistryLogin {
  address: string;
  username: string;
  password: string;
}

export const TESTBED_FILE = process.env.WINDFLOW_TESTBED ?? '/var/lib/windflow-testbed/env.json';

let cached: Testbed | undefined;

export function testbed(): Testbed {
  if (cached) return cached;
  if (!existsSync(TESTBED_FILE)) {
    throw new Error(`test bed not found at ${TESTBED_FILE}: run "bash scripts/testbed.sh" first`);
  }
  cached = JSON.parse(readFileSync(TESTBED_FILE, 'utf8')) as Testbed;
  return cached;
}
