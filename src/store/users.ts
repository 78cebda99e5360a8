// User accounts: local ones with an argon2id hash, and ones that come from LDAP or OIDC.
import type { Database } from './database.ts';
import type { User, UserSource } from './records.ts';

export interface UserInput {
  username: string;
  displayName?: string;
  email?: string;
  source?: UserSource;
  externalId?: string;
  passwordHash?: string;
}

/** What login needs and the API never returns. */
export interface UserCredentials {
  user: User;
  passwordHash: string | null;
  mfaSecret: string | null;
  mfaLastStep: number;
}

export class UsernameTakenError extends Error {
  constructor(username: string) {
    super(`The user name "${username}" is taken`);
  }
}

interface UserRow {
  id: number;
  username: string;
  display_name: string;
  email: string;
  source: UserSource;
  external_id: string | null;
  password_hash: string | null;
  disabled: number | boolean;
  mfa_secret: string | null;
  mfa_enabled: number | boolean;
  mfa_last_step: number;
  last_login_at: string | null;
  created_at: string;
  updated_at: string;
}

const now = () => new Date().toISOString();

export class UserStore {
  constructor(private readonly db: Database) {}

  async count(): Promise<number> {
    return Number((await this.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM users'))?.n ?? 0);
  }

  async list(): Promise<User[]> {
    return (await this.db.all<UserRow>('SELECT * FROM users ORDER BY username')).map(toUser);
  }

  async get(id: number): Promise<User | undefined> {
    const row = await this.db.get<UserRow>('SELECT * FROM users WHERE id = ?', [id]);
    return row && toUser(row);
  }

  async credentials(username: string): Promise<UserCredentials | undefined> {
    const row = await this.db.get<UserRow>('SELECT * FROM users WHERE username = ?', [username]);
    return row && toCredentials(row);
  }

  async credentialsById(id: number): Promise<UserCredentials | undefined> {
    const row = await this.db.get<UserRow>('SELECT * FROM users WHERE id = ?', [id]);
    return row && toCredentials(row);
  }

  async findExternal(source: UserSource, externalId: string): Promise<User | undefined> {
    const row = await this.db.get<UserRow>('SELECT * FROM users WHERE source = ? AND external_id = ?', [
      source,
      externalId,
    ]);
    return row && toUser(row);
  }

  create(input: UserInput): Promise<User> {
    return this.db.transaction(async (tx) => {
      if (await tx.get('SELECT id FROM users WHERE username = ?', [input.username])) {
        throw new UsernameTakenError(input.username);
      }
      const at = now();
      const row = await tx.get<UserRow>(
        `INSERT INTO users (username, display_name, email, source, external_id, password_hash, password_changed_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        [
          input.username,
          input.displayName ?? '',
          input.email ?? '',
          input.source ?? 'local',
          input.externalId ?? null,
          input.passwordHash ?? null,
          input.passwordHash ? at : null,
          at,
          at,
        ],
      );
      return toUser(row as UserRow);
    });
  }

  async update(
    id: number,
    patch: { displayName?: string; email?: string; disabled?: boolean },
  ): Promise<User | undefined> {
    const current = await this.db.get<UserRow>('SELECT * FROM users WHERE id = ?', [id]);
    if (!current) return undefined;
    const row = await this.db.get<UserRow>(
      'UPDATE users SET display_name = ?, email = ?, disabled = ?, updated_at = ? WHERE id = ? RETURNING *',
      [
        patch.displayName ?? current.display_name,
        patch.email ?? current.email,
        patch.disabled === undefined ? Number(current.disabled) : Number(patch.disabled),
        now(),
        id,
      ],
    );
    return row && toUser(row);
  }

  async setPasswordHash(id: number, hash: string): Promise<void> {
    const at = now();
    await this.db.run(
      'UPDATE users SET password_hash = ?, password_changed_at = ?, updated_at = ? WHERE id = ?',
      [hash, at, at, id],
    );
  }

  async recordLogin(id: number): Promise<void> {
    await this.db.run('UPDATE users SET last_login_at = ? WHERE id = ?', [now(), id]);
  }

  async setMfaSecret(id: number, sealedSecret: string | null, enabled: boolean): Promise<void> {
    await this.db.run(
      'UPDATE users SET mfa_secret = ?, mfa_enabled = ?, mfa_last_step = 0, updated_at = ? WHERE id = ?',
      [sealedSecret, Number(enabled), now(), id],
    );
  }

  /** Records the TOTP time step just used; false when it (or a later one) was used already. */
  async claimMfaStep(id: number, step: number): Promise<boolean> {
    const { changes } = await this.db.run(
      'UPDATE users SET mfa_last_step = ? WHERE id = ? AND mfa_last_step < ?',
      [step, id, step],
    );
    return changes > 0;
  }

  async remove(id: number): Promise<boolean> {
    return (await this.db.run('DELETE FROM users WHERE id = ?', [id])).changes > 0;
  }
}

function toUser(row: UserRow): User {
  return {
    id: Number(row.id),
    username: row.username,
    displayName: row.display_name,
    email: row.email,
    source: row.source,
    disabled: Boolean(Number(row.disabled)),
    mfaEnabled: Boolean(Number(row.mfa_enabled)),
    lastLoginAt: row.last_login_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toCredentials(row: UserRow): UserCredentials {
  return {
    user: toUser(row),
    passwordHash: row.password_hash,
    mfaSecret: row.mfa_secret,
    mfaLastStep: Number(row.mfa_last_step),
  };
}
