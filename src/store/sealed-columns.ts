// Every column that holds a value sealed with the secret box. Key rotation re-seals exactly
// these; a new sealed column must be listed here.
export const SEALED_COLUMNS: readonly { table: string; key: string; columns: readonly string[] }[] = [
  { table: 'environments', key: 'id', columns: ['tls_ca', 'tls_cert', 'tls_key'] },
  { table: 'users', key: 'id', columns: ['mfa_secret'] },
  { table: 'auth_providers', key: 'id', columns: ['secret'] },
  { table: 'registries', key: 'id', columns: ['password'] },
  { table: 'stack_variables', key: 'id', columns: ['sealed_value'] },
  { table: 'notification_channels', key: 'id', columns: ['secrets'] },
  { table: 'git_repositories', key: 'id', columns: ['secret', 'webhook_secret'] },
  { table: 'stack_git', key: 'stack_id', columns: ['webhook_secret'] },
];
