// Why an OAuth 2.0 / OpenID Connect login failed, in terms the HTTP layer can act on.
import {
  AuthorizationResponseError,
  ClientError,
  ResponseBodyError,
  WWWAuthenticateChallengeError,
} from 'openid-client';

export type OAuthLoginErrorCode =
  | 'STATE_MISMATCH'
  | 'PROVIDER_ERROR'
  | 'INVALID_RESPONSE'
  | 'EXPIRED'
  | 'DISCOVERY_FAILED';

export class OAuthLoginError extends Error {
  override readonly name = 'OAuthLoginError';

  constructor(
    readonly code: OAuthLoginErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

// openid-client codes for responses that arrived but failed validation (ID token claims, issuer,
// JSON shape), as opposed to the provider refusing or not answering.
const VALIDATION_FAILURES = new Set([
  'OAUTH_INVALID_RESPONSE',
  'OAUTH_PARSE_ERROR',
  'OAUTH_RESPONSE_IS_NOT_JSON',
  'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
  'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED',
  'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
]);

/** Classifies an error thrown by openid-client while talking to the provider during `step`. */
export function loginErrorFrom(error: unknown, step: string): OAuthLoginError {
  if (error instanceof OAuthLoginError) return error;
  const options = { cause: error };
  if (error instanceof AuthorizationResponseError || error instanceof ResponseBodyError) {
    return new OAuthLoginError(
      'PROVIDER_ERROR',
      providerErrorMessage(error.error, error.error_description),
      options,
    );
  }
  // A 401 with a Bearer or Basic challenge carries the OAuth error in the challenge's parameters.
  const challenge = error instanceof WWWAuthenticateChallengeError ? error.cause[0]?.parameters : undefined;
  if (challenge?.error) {
    return new OAuthLoginError(
      'PROVIDER_ERROR',
      providerErrorMessage(challenge.error, challenge.error_description),
      options,
    );
  }
  const failedValidation = error instanceof ClientError && VALIDATION_FAILURES.has(error.code ?? '');
  const code = failedValidation ? 'INVALID_RESPONSE' : 'PROVIDER_ERROR';
  return new OAuthLoginError(code, `${step}: ${describeError(error)}`, options);
}

/** The messages along an error's cause chain; openid-client wraps the specific reason in generic errors. */
export function describeError(error: unknown): string {
  const messages: string[] = [];
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current.message && !messages.includes(current.message)) messages.push(current.message);
  }
  return messages.join(': ') || String(error);
}

function providerErrorMessage(error: string, description: string | undefined): string {
  return description ? `${description} (${error})` : `the identity provider answered ${error}`;
}
