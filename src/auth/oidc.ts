// Login through an external identity provider: the OAuth 2.0 authorization code flow with PKCE, as
// OpenID Connect (discovery, ID token, nonce) or as plain OAuth 2.0 with a GitHub-style user API.
// The caller keeps the pending login between `begin` and `complete`, bound to the browser.
import * as client from 'openid-client';
import { type Claims, identityFromClaims } from './oidc-claims.ts';
import { OAuthClientConfigurations } from './oidc-configuration.ts';
import { loginErrorFrom, OAuthLoginError } from './oidc-error.ts';

export { OAuthLoginError, type OAuthLoginErrorCode } from './oidc-error.ts';

/** oidc: discovery from an issuer URL, ID token. oauth2: explicit endpoints, identity from a user API. */
export type OAuthProviderKind = 'oidc' | 'oauth2';

export interface OAuthProviderSettings {
  /** Slug used in URLs, e.g. 'keycloak'. */
  id: string;
  /** Button label. */
  name: string;
  kind: OAuthProviderKind;
  /** oidc */
  issuerUrl?: string;
  /** oauth2 */
  authorizationUrl?: string;
  /** oauth2 */
  tokenUrl?: string;
  /** oauth2: answers a bearer token with a JSON user that has `sub` or `id`. */
  userInfoUrl?: string;
  clientId: string;
  clientSecret: string;
  /** Empty for oidc means openid, profile, email and, when the provider offers it, groups. */
  scopes: string[];
  /** e.g. 'preferred_username', 'login', 'email' */
  usernameClaim: string;
  /** e.g. 'groups'; a missing claim means no groups. */
  groupsClaim: string;
  /** Allows an http:// provider; only for tests and development on loopback. */
  allowInsecureHttp?: boolean;
}

export interface PendingOAuthLogin {
  providerId: string;
  state: string;
  nonce?: string;
  codeVerifier: string;
  redirectUri: string;
  /** Epoch milliseconds. */
  createdAt: number;
}

export interface OAuthIdentity {
  providerId: string;
  /** The provider's stable id for the user (`sub`, or `id` from a GitHub-style user API). */
  subject: string;
  username: string;
  email?: string;
  displayName?: string;
  groups: string[];
}

export const PENDING_LOGIN_LIFETIME_MS = 10 * 60 * 1000;

const DEFAULT_OIDC_SCOPES = ['openid', 'profile', 'email'];

export class OAuthLogins {
  readonly #configurations = new OAuthClientConfigurations();

  async begin(
    provider: OAuthProviderSettings,
    redirectUri: string,
  ): Promise<{ authorizationUrl: URL; pending: PendingOAuthLogin }> {
    const configuration = await this.#configurations.configurationFor(provider);
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = provider.kind === 'oidc' ? client.randomNonce() : undefined;
    const parameters: Record<string, string> = {
      redirect_uri: redirectUri,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
    };
    const scopes = requestedScopes(provider, configuration.serverMetadata());
    if (scopes.length > 0) parameters.scope = scopes.join(' ');
    if (nonce) parameters.nonce = nonce;
    return {
      authorizationUrl: client.buildAuthorizationUrl(configuration, parameters),
      pending: { providerId: provider.id, state, nonce, codeVerifier, redirectUri, createdAt: Date.now() },
    };
  }

  async complete(
    provider: OAuthProviderSettings,
    pending: PendingOAuthLogin,
    callbackUrl: URL,
  ): Promise<OAuthIdentity> {
    if (Date.now() - pending.createdAt > PENDING_LOGIN_LIFETIME_MS) {
      const minutes = PENDING_LOGIN_LIFETIME_MS / 60_000;
      throw new OAuthLoginError(
        'EXPIRED',
        `the login took longer than ${minutes} minutes; please start again`,
      );
    }
    if (pending.providerId !== provider.id || callbackUrl.searchParams.get('state') !== pending.state) {
      throw new OAuthLoginError('STATE_MISMATCH', 'the login response does not belong to this login attempt');
    }
    // The token request must repeat the redirect URI of the authorization request exactly, which
    // the URL the callback arrived on may not (proxies, host aliases).
    const authorizationResponse = new URL(pending.redirectUri);
    authorizationResponse.search = callbackUrl.search;

    const configuration = await this.#configurations.configurationFor(provider);
    const tokens = await client
      .authorizationCodeGrant(configuration, authorizationResponse, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: provider.kind === 'oidc',
      })
      .catch((error: unknown) => {
        throw loginErrorFrom(error, 'the authorization code exchange failed');
      });

    const { subject, claims } =
      provider.kind === 'oidc'
        ? await openIdClaims(configuration, tokens)
        : await userApiClaims(configuration, tokens.access_token);
    return identityFromClaims(provider, subject, claims);
  }
}

function requestedScopes(provider: OAuthProviderSettings, server: client.ServerMetadata): string[] {
  if (provider.kind === 'oauth2') return provider.scopes;
  const scopes =
    provider.scopes.length > 0
      ? provider.scopes
      : [...DEFAULT_OIDC_SCOPES, ...(server.scopes_supported?.includes('groups') ? ['groups'] : [])];
  return scopes.includes('openid') ? scopes : ['openid', ...scopes];
}

// Many providers (oidc-provider, Authentik by default) put profile claims only in the userinfo
// response, so it is merged over the ID token's claims when the provider has one.
async function openIdClaims(
  configuration: client.Configuration,
  tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers,
): Promise<{ subject: string; claims: Claims }> {
  const idToken = tokens.claims();
  if (!idToken) throw new OAuthLoginError('INVALID_RESPONSE', 'the identity provider sent no ID token');
  if (!configuration.serverMetadata().userinfo_endpoint) return { subject: idToken.sub, claims: idToken };
  const userInfo = await client
    .fetchUserInfo(configuration, tokens.access_token, idToken.sub)
    .catch((error: unknown) => {
      throw loginErrorFrom(error, 'the userinfo request failed');
    });
  return { subject: idToken.sub, claims: { ...idToken, ...userInfo } };
}

async function userApiClaims(
  configuration: client.Configuration,
  accessToken: string,
): Promise<{ subject: string; claims: Claims }> {
  // Always set for oauth2 providers, see explicitConfiguration.
  const userInfoUrl = new URL(configuration.serverMetadata().userinfo_endpoint as string);
  const response = await client
    .fetchProtectedResource(
      configuration,
      accessToken,
      userInfoUrl,
      'GET',
      undefined,
      new Headers({ accept: 'application/json' }),
    )
    .catch((error: unknown) => {
      throw loginErrorFrom(error, 'the user info request failed');
    });
  if (!response.ok) {
    throw new OAuthLoginError('PROVIDER_ERROR', `the user info request failed with HTTP ${response.status}`);
  }
  const user: unknown = await response.json().catch(() => undefined);
  if (typeof user !== 'object' || user === null) {
    throw new OAuthLoginError('INVALID_RESPONSE', 'the user info response is not a JSON object');
  }
  const claims = user as Claims;
  const subject = claims.sub ?? claims.id;
  if (typeof subject !== 'string' && typeof subject !== 'number') {
    throw new OAuthLoginError('INVALID_RESPONSE', 'the user info response has neither "sub" nor "id"');
  }
  return { subject: String(subject), claims };
}
