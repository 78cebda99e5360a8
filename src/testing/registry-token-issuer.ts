// The token service of the test bed's token-auth registry (scripts/testbed/registries.sh):
// Docker Hub's flow, for real. A client that got a Bearer challenge asks here with its basic
// credentials and the scope it wants; it gets a JWT signed with the key whose certificate the
// registry trusts (ES256, the certificate in x5c).
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { testbed } from './testbed.ts';

export interface TokenIssuer {
  /** Scopes asked for, in order, e.g. "repository:windflow-test/app:pull,push". */
  requests: string[];
  stop(): void;
}

export function startTokenIssuer(): TokenIssuer {
  const { token } = testbed().authRegistries;
  const key = createPrivateKey(readFileSync(token.key));
  const certificate = readFileSync(token.cert, 'utf8')
    .replace(/-----[A-Z ]+-----/g, '')
    .replace(/\s+/g, '');
  const requests: string[] = [];
  const realm = new URL(token.realm);
  const server = Bun.serve({
    hostname: realm.hostname,
    port: Number(realm.port),
    fetch(request) {
      const url = new URL(request.url);
      const scopes = url.searchParams.getAll('scope');
      requests.push(...scopes);
      const [user, password] = Buffer.from(
        (request.headers.get('authorization') ?? '').replace(/^Basic /, ''),
        'base64',
      )
        .toString()
        .split(':');
      if (user !== token.username || password !== token.password) {
        return Response.json(
          { errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] },
          { status: 401 },
        );
      }
      const now = Math.floor(Date.now() / 1000);
      const access = scopes.map((scope) => {
        const [type, ...rest] = scope.split(':');
        const actions = (rest.pop() ?? '').split(',');
        return { type, name: rest.join(':'), actions };
      });
      const jwt = signJwt(
        { alg: 'ES256', typ: 'JWT', x5c: [certificate] },
        {
          iss: token.issuer,
          sub: user,
          aud: url.searchParams.get('service') ?? token.service,
          exp: now + 300,
          nbf: now - 10,
          iat: now,
          jti: crypto.randomUUID(),
          access,
        },
        key,
      );
      return Response.json({
        token: jwt,
        access_token: jwt,
        expires_in: 300,
        issued_at: new Date().toISOString(),
      });
    },
  });
  return { requests, stop: () => void server.stop(true) };
}

function signJwt(header: object, claims: object, key: ReturnType<typeof createPrivateKey>): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const input = `${encode(header)}.${encode(claims)}`;
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}
