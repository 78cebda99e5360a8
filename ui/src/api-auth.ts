import type { AuthProviderKind, Me, RoleBinding, User } from '../../src/store/records.ts';
import { call } from './api';

export type { Me, RoleBinding, User };

export interface LoginProvider {
  slug: string;
  kind: AuthProviderKind;
  name: string;
}

export const authApi = {
  status: () => call<{ setupRequired: boolean; username: string | null }>('GET', 'api/auth/status'),
  setup: (username: string, password: string) => call<Me>('POST', 'api/auth/setup', { username, password }),
  login: (username: string, password: string) =>
    call<{ mfaRequired: boolean } & Partial<Me>>('POST', 'api/auth/login', { username, password }),
  verifyMfa: (code: string) => call<Me>('POST', 'api/auth/mfa', { code }),
  loginWithDirectory: (provider: string, username: string, password: string) =>
    call<{ mfaRequired: boolean }>('POST', `api/auth/ldap/${encodeURIComponent(provider)}/login`, {
      username,
      password,
    }),
  providers: () => call<LoginProvider[]>('GET', 'api/auth/providers'),
  logout: () => call<void>('POST', 'api/auth/logout'),
  me: () => call<Me>('GET', 'api/auth/me'),
};
