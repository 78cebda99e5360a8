// What a Git server's webhook delivery says, and whether it is really from that server: the
// provider told from its headers, the shared secret checked the provider's way in constant time
// (GitHub X-Hub-Signature-256, GitLab X-Gitlab-Token, Gitea/Forgejo X-Gitea-Signature /
// X-Forgejo-Signature, Bitbucket X-Hub-Signature, and a generic form: X-Windflow-Signature,
// `sha256=` and the HMAC-SHA256 of the body in hex), then the push read out of the payload:
// the ref, the new commit and, where the provider lists them, the paths it changed.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type Provider = 'github' | 'gitlab' | 'gitea' | 'bitbucket' | 'generic';

export interface Delivery {
  provider: Provider;
  /** The provider's delivery id, or the payload's digest when it sends none. */
  deliveryId: string;
  payloadDigest: string;
  /** The provider's event name ("push", "Push Hook", "repo:push", "ping"). */
  event: string;
}

export interface PushEvent {
  /** Full ref (refs/heads/main, refs/tags/v1). */
  ref: string;
  /** The commit the ref now points at; null when the ref was deleted. */
  after: string | null;
  /** Paths the pushed commits touched; null when the provider does not say. */
  paths: string[] | null;
}

/** The provider, its delivery id and event, from the headers. */
export function readDelivery(headers: Headers, body: Uint8Array): Delivery {
  const payloadDigest = createHash('sha256').update(body).digest('hex');
  const provider = providerOf(headers);
  const id =
    {
      github: headers.get('x-github-delivery'),
      gitlab: headers.get('x-gitlab-event-uuid') ?? headers.get('idempotency-key'),
      gitea: headers.get('x-gitea-delivery') ?? headers.get('x-forgejo-delivery'),
      bitbucket: headers.get('x-request-uuid') ?? headers.get('x-hook-uuid'),
      generic: headers.get('x-windflow-delivery'),
    }[provider] ?? null;
  const event =
    {
      github: headers.get('x-github-event'),
      gitlab: headers.get('x-gitlab-event'),
      gitea: headers.get('x-gitea-event') ?? headers.get('x-forgejo-event'),
      bitbucket: headers.get('x-event-key'),
      generic: 'push',
    }[provider] ?? '';
  return {
    provider,
    deliveryId: (id ?? payloadDigest).slice(0, 200),
    payloadDigest,
    event: event.slice(0, 100),
  };
}

function providerOf(headers: Headers): Provider {
  // Gitea and Forgejo also send GitHub's headers: they are asked first.
  if (headers.has('x-gitea-event') || headers.has('x-forgejo-event') || headers.has('x-gitea-signature'))
    return 'gitea';
  if (headers.has('x-gitlab-event') || headers.has('x-gitlab-token')) return 'gitlab';
  if (headers.has('x-github-event')) return 'github';
  if (headers.has('x-event-key')) return 'bitbucket';
  return 'generic';
}

/** Whether the delivery carries proof of `secret`; the reason when it does not. */
export function verifySignature(
  provider: Provider,
  headers: Headers,
  body: Uint8Array,
  secret: string,
): { ok: true } | { ok: false; reason: string } {
  const hmac = () => createHmac('sha256', secret).update(body).digest('hex');
  switch (provider) {
    case 'gitlab': {
      const token = headers.get('x-gitlab-token');
      if (token === null) return { ok: false, reason: 'no X-Gitlab-Token header' };
      return sameSecret(token, secret)
        ? { ok: true }
        : { ok: false, reason: 'X-Gitlab-Token does not match' };
    }
    case 'gitea': {
      const header = headers.has('x-gitea-signature') ? 'X-Gitea-Signature' : 'X-Forgejo-Signature';
      const signature = headers.get(header);
      if (signature === null) return { ok: false, reason: 'no X-Gitea-Signature header' };
      return sameSecret(signature.toLowerCase(), hmac())
        ? { ok: true }
        : { ok: false, reason: `${header} does not match` };
    }
    default: {
      const header = {
        github: 'X-Hub-Signature-256',
        bitbucket: 'X-Hub-Signature',
        generic: 'X-Windflow-Signature',
      }[provider];
      const signature = headers.get(header);
      if (signature === null) return { ok: false, reason: `no ${header} header` };
      if (!signature.startsWith('sha256=')) return { ok: false, reason: `${header} is not sha256=<hex>` };
      return sameSecret(signature.slice('sha256='.length).toLowerCase(), hmac())
        ? { ok: true }
        : { ok: false, reason: `${header} does not match` };
    }
  }
}

/** Constant-time comparison (of digests, so lengths never leak either). */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

const ZERO = /^0+$/;

/** The push in the payload; null for another event (a ping, an issue) or a payload without one. */
export function readPush(delivery: Delivery, payload: unknown): PushEvent | null {
  if (!payload || typeof payload !== 'object') return null;
  const body = payload as Record<string, unknown>;
  if (delivery.provider === 'bitbucket') {
    if (delivery.event !== 'repo:push') return null;
    const change = (
      (
        body.push as {
          changes?: { new?: { type?: string; name?: string; target?: { hash?: string } } | null }[];
        }
      )?.changes ?? []
    ).find((each) => each.new?.name);
    if (!change?.new?.name) return null;
    const kind = change.new.type === 'tag' ? 'tags' : 'heads';
    return { ref: `refs/${kind}/${change.new.name}`, after: change.new.target?.hash ?? null, paths: null };
  }
  const pushEvent =
    delivery.provider === 'gitlab'
      ? body.object_kind === 'push' || body.object_kind === 'tag_push'
      : delivery.provider === 'generic' || delivery.event === 'push';
  if (!pushEvent || typeof body.ref !== 'string') return null;
  const after = typeof body.after === 'string' && !ZERO.test(body.after) ? body.after : null;
  const commits = Array.isArray(body.commits) ? (body.commits as Record<string, unknown>[]) : null;
  let paths: string[] | null = null;
  if (delivery.provider === 'generic') {
    paths = Array.isArray(body.paths)
      ? body.paths.filter((each): each is string => typeof each === 'string')
      : null;
  } else if (commits && commits.length > 0 && commits.every((commit) => Array.isArray(commit.modified))) {
    paths = commits.flatMap((commit) =>
      ['added', 'modified', 'removed'].flatMap((key) =>
        Array.isArray(commit[key])
          ? (commit[key] as unknown[]).filter((each): each is string => typeof each === 'string')
          : [],
      ),
    );
  }
  return { ref: body.ref, after, paths };
}

/** Whether a push that changed `paths` concerns a stack whose files live in `folders` ('.' is the whole repository). */
export function touches(paths: string[] | null, folders: string[]): boolean {
  if (paths === null) return true;
  return paths.some((path) =>
    folders.some((folder) => folder === '.' || path === folder || path.startsWith(`${folder}/`)),
  );
}
