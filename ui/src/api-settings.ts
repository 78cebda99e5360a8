import type { AuthProvider, AuthProviderInput, SecuritySettings } from '../../src/store/records.ts';
import { call } from './api';

export type {
  AuthProvider,
  AuthProviderInput,
  AuthProviderKind,
  SecuritySettings,
} from '../../src/store/records.ts';

export const settingsApi = {
  security: () => call<SecuritySettings>('GET', 'api/settings/security'),
  saveSecurity: (settings: Partial<SecuritySettings>) =>
    call<SecuritySettings>('PUT', 'api/settings/security', settings),
  providers: () => call<AuthProvider[]>('GET', 'api/settings/auth-providers'),
  createProvider: (input: AuthProviderInput) =>
    call<AuthProvider>('POST', 'api/settings/auth-providers', input),
  updateProvider: (slug: string, input: Partial<AuthProviderInput>) => {
    const { slug: _slug, kind: _kind, ...patch } = input;
    return call<AuthProvider>('PATCH', `api/settings/auth-providers/${encodeURIComponent(slug)}`, patch);
  },
  removeProvider: (slug: string) =>
    call<void>('DELETE', `api/settings/auth-providers/${encodeURIComponent(slug)}`),
  testProvider: (slug: string) =>
    call<{ ok: boolean; detail: string }>(
      'POST',
      `api/settings/auth-providers/${encodeURIComponent(slug)}/test`,
    ),
};
