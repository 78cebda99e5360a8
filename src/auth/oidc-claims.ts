// Turning the claims a provider sent (ID token + userinfo, or a GitHub-style user API) into an identity.
import type { OAuthIdentity, OAuthProviderSettings } from './oidc.ts';
import { OAuthLoginError } from './oidc-error.ts';

export type Claims = Record<string, unknown>;

export function identityFromClaims(
  provider: OAuthProviderSettings,
  subject: string,
  claims: Claims,
): OAuthIdentity {
  const username = claims[provider.usernameClaim];
  if (typeof username !== 'string' || username === '') {
    throw new OAuthLoginError(
      'INVALID_RESPONSE',
      `the identity provider sent no "${provider.usernameClaim}" claim to use as the username`,
    );
  }
  return {
    providerId: provider.id,
    subject,
    username,
    // An address the provider itself calls unverified must not be able to match a local account.
    email: claims.email_verified === false ? undefined : stringClaim(claims.email),
    displayName: stringClaim(claims.name),
    groups: groupsClaim(claims[provider.groupsClaim]),
  };
}

function stringClaim(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function groupsClaim(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) return [];
  return value.filter((group): group is string => typeof group === 'string');
}
