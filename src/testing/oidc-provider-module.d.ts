// The part of oidc-provider's API that src/testing/oidc-provider.ts uses; the package ships no
// types and @types/oidc-provider is not a dependency.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

  interface AccountClaims {
    sub: string;
    [claim: string]: unknown;
  }

  interface Account {
    accountId: string;
    claims(): AccountClaims | Promise<AccountClaims>;
  }

  interface Interaction {
    uid: string;
    prompt: {
      name: 'login' | 'consent' | string;
      details: {
        missingOIDCScope?: string[];
        missingOIDCClaims?: string[];
        missingResourceScopes?: Record<string, string[]>;
      };
    };
    params: { client_id: string; [param: string]: unknown };
    session?: { accountId: string };
    grantId?: string;
  }

  type InteractionResult =
    | { login: { accountId: string } }
    | { consent: { grantId?: string } }
    | { error: string; error_description?: string };

  interface Grant {
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    addResourceScope(resource: string, scope: string): void;
    save(): Promise<string>;
  }

  interface AccessToken {
    accountId: string;
  }

  interface Configuration {
    clients: Array<{
      client_id: string;
      client_secret: string;
      redirect_uris: string[];
      token_endpoint_auth_method?: string;
    }>;
    jwks: { keys: object[] };
    pkce: { required(): boolean };
    features: { devInteractions: { enabled: boolean } };
    claims: Record<string, string[]>;
    findAccount(ctx: unknown, accountId: string): Promise<Account | undefined>;
    ttl: Partial<Record<'AccessToken' | 'IdToken' | 'Interaction' | 'Session' | 'Grant', number>>;
    renderError(
      ctx: { type: string; body: unknown },
      out: { error: string; error_description?: string },
    ): void;
  }

  export default class Provider {
    constructor(issuer: string, configuration: Configuration);
    callback(): NodeHandler;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    interactionFinished(req: IncomingMessage, res: ServerResponse, result: InteractionResult): Promise<void>;
    Grant: {
      new (properties: { accountId: string; clientId: string }): Grant;
      find(grantId: string): Promise<Grant | undefined>;
    };
    AccessToken: { find(token: string): Promise<AccessToken | undefined> };
  }
}
