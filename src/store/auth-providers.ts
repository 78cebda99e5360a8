// LDAP and OIDC/OAuth2 providers that people can log in with. The bind password or client secret
// is sealed; reads say only whether it is set.
import type { Database } from './database.ts';
import type { AuthProvider, AuthProviderInput, AuthProviderKind } from './records.ts';
import type { SecretBox } from './secret-box.ts';

export class ProviderSlugTakenError extends Error {
  constructor(slug: string) {
    super(`A login provider with the id "${slug}" already exists`);
  }
}

interface ProviderRow {
  id: number;
  slug: string;
  kind: AuthProviderKind;
  name: string;
  enabled: number | boolean;
  settings: string;
  secret: string | null;
  group_roles: string;
  created_at: string;
  updated_at: string;
}

export class AuthProviderStore {
  constructor(
    private readonly db: Database,
    private readonly box: SecretBox,
  ) {}

  async list(): Promise<AuthProvider[]> {
    return (await this.db.all<ProviderRow>('SELECT * FROM auth_providers ORDER BY name')).map(toProvider);
  }

  async get(slug: string): Promise<AuthProvider | undefined> {
    const row = await this.db.get<ProviderRow>('SELECT * FROM auth_providers WHERE slug = ?', [slug]);
    return row && toProvider(row);
  }

  /** The provider with its secret opened, for the login code only. */
  async withSecret(slug: string): Promise<{ provider: AuthProvider; secret: string } | undefined> {
    const row = await this.db.get<ProviderRow>('SELECT * FROM auth_providers WHERE slug = ?', [slug]);
    return row && { provider: toProvider(row), secret: row.secret ? this.box.decrypt(row.secret) : '' };
  }

  create(input: AuthProviderInput): Promise<AuthProvider> {
    return this.db.transaction(async (tx) => {
      if (await tx.get('SELECT id FROM auth_providers WHERE slug = ?', [input.slug]))
        throw new ProviderSlugTakenError(input.slug);
      const now = new Date().toISOString();
      const row = await tx.get<ProviderRow>(
        `INSERT INTO auth_providers (slug, kind, name, enabled, settings, secret, group_roles, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        [
          input.slug,
          input.kind,
          input.name,
          Number(input.enabled ?? true),
          JSON.stringify(input.settings),
          input.secret ? this.box.encrypt(input.secret) : null,
          JSON.stringify(input.groupRoles ?? {}),
          now,
          now,
        ],
      );
      return toProvider(row as ProviderRow);
    });
  }

  async update(
    slug: string,
    patch: Partial<Omit<AuthProviderInput, 'slug' | 'kind'>>,
  ): Promise<AuthProvider | undefined> {
    const current = await this.db.get<ProviderRow>('SELECT * FROM auth_providers WHERE slug = ?', [slug]);
    if (!current) return undefined;
    const secret =
      patch.secret === undefined ? current.secret : patch.secret ? this.box.encrypt(patch.secret) : null;
    const row = await this.db.get<ProviderRow>(
      `UPDATE auth_providers SET name = ?, enabled = ?, settings = ?, secret = ?, group_roles = ?, updated_at = ?
       WHERE slug = ? RETURNING *`,
      [
        patch.name ?? current.name,
        patch.enabled === undefined ? Number(current.enabled) : Number(patch.enabled),
        patch.settings ? JSON.stringify(patch.settings) : current.settings,
        secret,
        patch.groupRoles ? JSON.stringify(patch.groupRoles) : current.group_roles,
        new Date().toISOString(),
        slug,
      ],
    );
    return row && toProvider(row);
  }

  async remove(slug: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM auth_providers WHERE slug = ?', [slug])).changes > 0;
  }
}

function toProvider(row: ProviderRow): AuthProvider {
  return {
    id: Number(row.id),
    slug: row.slug,
    kind: row.kind,
    name: row.name,
    enabled: Boolean(Number(row.enabled)),
    settings: JSON.parse(row.settings) as Record<string, unknown>,
    hasSecret: Boolean(row.secret),
    groupRoles: JSON.parse(row.group_roles) as Record<string, string>,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
