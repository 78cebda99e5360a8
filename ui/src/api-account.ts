import type {
  ApiToken,
  AuditEntry,
  ManagedUser,
  Role,
  RoleBinding,
  SessionView as SessionInfo,
  User,
} from '../../src/store/records.ts';
import { call } from './api';

export type { ApiToken, AuditEntry, ManagedUser, Role, SessionInfo };

export interface BindingInput {
  role: string;
  environmentId?: number | null;
}

export type AuditFilters = Partial<
  Record<'text' | 'username' | 'action' | 'outcome' | 'from' | 'to', string>
>;

export function auditQuery(filters: AuditFilters): URLSearchParams {
  return new URLSearchParams(
    Object.entries(filters).filter((entry): entry is [string, string] => Boolean(entry[1])),
  );
}

export const accountApi = {
  changePassword: (currentPassword: string, newPassword: string) =>
    call<void>('POST', 'api/auth/password', { currentPassword, newPassword }),
  sessions: () => call<SessionInfo[]>('GET', 'api/auth/sessions'),
  endSession: (id: string) => call<void>('DELETE', `api/auth/sessions/${id}`),
  startMfa: () => call<{ secret: string; uri: string; qrSvg: string }>('POST', 'api/auth/mfa/enrolment'),
  activateMfa: (code: string) =>
    call<{ recoveryCodes: string[] }>('POST', 'api/auth/mfa/activation', { code }),
  disableMfa: (code: string) => call<void>('DELETE', 'api/auth/mfa', { code }),
  tokens: () => call<ApiToken[]>('GET', 'api/auth/tokens'),
  createToken: (name: string, scope: string[], expiresInDays?: number) =>
    call<ApiToken & { secret: string }>('POST', 'api/auth/tokens', { name, scope, expiresInDays }),
  revokeToken: (id: number) => call<void>('DELETE', `api/auth/tokens/${id}`),
  permissions: () => call<string[]>('GET', 'api/permissions'),

  users: () => call<ManagedUser[]>('GET', 'api/users'),
  user: (id: number) => call<ManagedUser & { roles: RoleBinding[] }>('GET', `api/users/${id}`),
  createUser: (input: {
    username: string;
    password: string;
    displayName?: string;
    email?: string;
    roles: BindingInput[];
  }) => call<User>('POST', 'api/users', input),
  updateUser: (id: number, patch: { displayName?: string; email?: string; disabled?: boolean }) =>
    call<User>('PATCH', `api/users/${id}`, patch),
  resetPassword: (id: number, password: string) =>
    call<void>('POST', `api/users/${id}/password`, { password }),
  setRoles: (id: number, roles: BindingInput[]) => call<RoleBinding[]>('PUT', `api/users/${id}/roles`, roles),
  resetMfa: (id: number) => call<void>('DELETE', `api/users/${id}/mfa`),
  unlock: (id: number) => call<void>('POST', `api/users/${id}/unlock`),
  removeUser: (id: number) => call<void>('DELETE', `api/users/${id}`),

  roles: () => call<Role[]>('GET', 'api/roles'),
  createRole: (input: { name: string; description: string; grants: string[] }) =>
    call<Role>('POST', 'api/roles', input),
  updateRole: (id: number, patch: { description?: string; grants?: string[] }) =>
    call<Role>('PATCH', `api/roles/${id}`, patch),
  removeRole: (id: number) => call<void>('DELETE', `api/roles/${id}`),

  audit: (filters: AuditFilters, limit: number, offset: number) =>
    call<{ entries: AuditEntry[]; total: number }>(
      'GET',
      `api/audit?${auditQuery(filters)}&limit=${limit}&offset=${offset}`,
    ),
};
