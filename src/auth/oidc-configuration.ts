// openid-client Configurations for the configured providers: discovered from the issuer for OpenID
// Connect (cached per provider until its settings change or discovery fails), built from explicit
// endpoints for plain OAuth 2.0.
import * as client from 'openid-client';
import type { OAuthProviderSettings } from './oidc.ts';
import { describeError, OAuthLoginError } from './oidc-error.ts';

const REQUEST_TIMEOUT_SECONDS = 10;

interface CachedDiscovery {
  settingsKey: string;
  configuration: Promise<client.Configuration>;
}

export class OAuthClientConfigurations {
  readonly #discovered = new Map<string, CachedDiscovery>();

  configurationFor(provider: OAuthProviderSettings): Promise<client.Configuration> {
    return provider.kind === 'oidc'
      ? this.#discover(provider)
      : Promise.resolve(explicitConfiguration(provider));
  }

  #discover(provider: OAuthProviderSettings): Promise<client.Configuration> {
    const settingsKey = JSON.stringify([
      provider.issuerUrl,
      provider.clientId,
      provider.clientSecret,
      provider.allowInsecureHttp,
    ]);
    const cached = this.#discovered.get(provider.id);
    if (cached?.settingsKey === settingsKey) return cached.configuration;

    const entry = { settingsKey, configuration: discover(provider) };
    this.#discovered.set(provider.id, entry);
    entry.configuration.catch(() => {
      if (this.#discovered.get(provider.id) === entry) this.#discovered.delete(provider.id);
    });
    return entry.configuration;
  }
}

async function discover(provider: OAuthProviderSettings): Promise<client.Configuration> {
  const issuerUrl = provider.issuerUrl;
  if (!issuerUrl) {
    throw new OAuthLoginError('DISCOVERY_FAILED', `provider "${provider.id}" has no issuer URL`);
  }
  try {
    return await client.discovery(
      new URL(issuerUrl),
      provider.clientId,
      provider.clientSecret,
      preferredSecretAuthentication(provider.clientSecret),
      {
        execute: provider.allowInsecureHttp ? [client.allowInsecureRequests] : [],
        timeout: REQUEST_TIMEOUT_SECONDS,
      },
    );
  } catch (error) {
    throw new OAuthLoginError(
      'DISCOVERY_FAILED',
      `could not discover the OpenID provider at ${issuerUrl}: ${describeError(error)}`,
      { cause: error },
    );
  }
}

function explicitConfiguration(provider: OAuthProviderSettings): client.Configuration {
  const { authorizationUrl, tokenUrl, userInfoUrl } = provider;
  if (!isUrl(authorizationUrl) || !isUrl(tokenUrl) || !isUrl(userInfoUrl)) {
    throw new OAuthLoginError(
      'DISCOVERY_FAILED',
      `provider "${provider.id}" needs an authorization URL, a token URL and a user info URL`,
    );
  }
  const metadata: client.ServerMetadata = {
    // A plain OAuth 2.0 server has no declared issuer; its origin is what an RFC 9207 `iss` in the
    // authorization response would carry.
    issuer: new URL(authorizationUrl).origin,
    authorization_endpoint: authorizationUrl,
    token_endpoint: tokenUrl,
    userinfo_endpoint: userInfoUrl,
  };
  // GitHub-style servers document the client credentials as form parameters.
  const configuration = new client.Configuration(
    metadata,
    provider.clientId,
    provider.clientSecret,
    client.ClientSecretPost(provider.clientSecret),
  );
  configuration.timeout = REQUEST_TIMEOUT_SECONDS;
  if (provider.allowInsecureHttp) client.allowInsecureRequests(configuration);
  return configuration;
}

function isUrl(value: string | undefined): value is string {
  return value !== undefined && URL.canParse(value);
}

// HTTP Basic is the default when the provider does not list its methods (OpenID Connect Discovery),
// and some providers (Okta, oidc-provider) only accept the method a client was registered with,
// which is Basic unless changed; form parameters only when Basic is not offered.
function preferredSecretAuthentication(clientSecret: string): client.ClientAuth {
  const basic = client.ClientSecretBasic(clientSecret);
  const post = client.ClientSecretPost(clientSecret);
  return (server, clientMetadata, body, headers) => {
    const offered = server.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
    const authenticate = offered.includes('client_secret_basic') ? basic : post;
    authenticate(server, clientMetadata, body, headers);
  };
}
