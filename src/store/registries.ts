// Saved container registries. The password or token is sealed with the secret box; reads say
// only whether one is set.
import { normalizeRegistryHost } from '../docker/image-reference.ts';
import type { Database } from './database.ts';
import type { Registry, RegistryInput } from './records.ts';
import type { SecretBox } from './secret-box.ts';

export interface RegistryCredentials {
  username?: string;
  password?: string;
}

export class RegistryNameTakenError extends Error {
  constructor(name: string) {
    super(`A registry named "${name}" already exists`);
  }
}

interface RegistryRow {
  id: number;
  name: string;
  url: string;
  username: string | null;
  password: string | null;
  created_at: string;
  updated_at: string;
}

export class RegistryStore {
  constructor(
    private readonly db: Database,
    private readonly box: SecretBox,
  ) {}

  async list(): Promise<Registry[]> {
    return (await this.db.all<RegistryRow>('SELECT * FROM registries ORDER BY name')).map(toRegistry);
  }

  async get(id: number): Promise<Registry | undefined> {
    const row = await this.db.get<RegistryRow>('SELECT * FROM registries WHERE id = ?', [id]);
    return row && toRegistry(row);
  }

  /** The opened credentials, for registry calls only: never send them to a client. */
  async credentials(id: number): Promise<RegistryCredentials | undefined> {
    const row = await this.db.get<RegistryRow>('SELECT * FROM registries WHERE id = ?', [id]);
    if (!row) return undefined;
    return {
      username: row.username ?? undefined,
      password: row.password ? this.box.decrypt(row.password) : undefined,
    };
  }

  create(input: RegistryInput): Promise<Registry> {
    return this.db.transaction(async (tx) => {
      await assertNameFree(tx, input.name);
      const now = new Date().toISOString();
      const row = await tx.get<RegistryRow>(
        `INSERT INTO registries (name, url, username, password, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?) RETURNING *`,
        [input.name, input.url, input.username || null, this.seal(input.password), now, now],
      );
      return toRegistry(row as RegistryRow);
    });
  }

  update(id: number, patch: Partial<RegistryInput>): Promise<Registry | undefined> {
    return this.db.transaction(async (tx) => {
      const current = await tx.get<RegistryRow>('SELECT * FROM registries WHERE id = ?', [id]);
      if (!current) return undefined;
      if (patch.name !== undefined && patch.name !== current.name) await assertNameFree(tx, patch.name);
      const row = await tx.get<RegistryRow>(
        `UPDATE registries SET name = ?, url = ?, username = ?, password = ?, updated_at = ?
         WHERE id = ? RETURNING *`,
        [
          patch.name ?? current.name,
          patch.url ?? current.url,
          patch.username === undefined ? current.username : patch.username || null,
          patch.password === undefined ? current.password : this.seal(patch.password),
          new Date().toISOString(),
          id,
        ],
      );
      return toRegistry(row as RegistryRow);
    });
  }

  /** The saved registry whose URL names this host (docker.io for Docker Hub's names). */
  async findByHost(host: string): Promise<Registry | undefined> {
    return (await this.list()).find((registry) => registryHostOfUrl(registry.url) === host);
  }

  async remove(id: number): Promise<boolean> {
    return (await this.db.run('DELETE FROM registries WHERE id = ?', [id])).changes > 0;
  }

  private seal(value: string | undefined): string | null {
    return value ? this.box.encrypt(value) : null;
  }
}

/** The host a saved registry's credentials belong to, as image references name it. */
export function registryHostOfUrl(url: string): string | undefined {
  try {
    return normalizeRegistryHost(new URL(url).host);
  } catch {
    return undefined;
  }
}

async function assertNameFree(db: Database, name: string): Promise<void> {
  if (await db.get('SELECT id FROM registries WHERE name = ?', [name]))
    throw new RegistryNameTakenError(name);
}

function toRegistry(row: RegistryRow): Registry {
  return {
    id: Number(row.id),
    name: row.name,
    url: row.url,
    username: row.username,
    hasPassword: Boolean(row.password),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
