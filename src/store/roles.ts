// Roles (named sets of grants) and the bindings that give them to users, globally or on one
// environment. The built-in roles are written at start-up from src/auth/permissions.ts.
import { BUILTIN_ROLES, type Grant } from '../auth/permissions.ts';
import type { RoleGrant } from '../auth/principal.ts';
import type { Database } from './database.ts';
import type { Role, RoleBinding } from './records.ts';

export class RoleNameTakenError extends Error {
  constructor(name: string) {
    super(`A role named "${name}" already exists`);
  }
}

interface RoleRow {
  id: number;
  name: string;
  description: string;
  grants: string;
  builtin: number | boolean;
}

export class RoleStore {
  constructor(private readonly db: Database) {}

  /** Creates or refreshes the built-in roles so their grants follow the code. */
  async ensureBuiltinRoles(): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const [name, role] of Object.entries(BUILTIN_ROLES)) {
        const grants = JSON.stringify(role.grants);
        const { changes } = await tx.run(
          'UPDATE roles SET description = ?, grants = ?, builtin = 1 WHERE name = ?',
          [role.description, grants, name],
        );
        if (changes === 0) {
          await tx.run('INSERT INTO roles (name, description, grants, builtin) VALUES (?, ?, ?, 1)', [
            name,
            role.description,
            grants,
          ]);
        }
      }
    });
  }

  async list(): Promise<Role[]> {
    return (await this.db.all<RoleRow>('SELECT * FROM roles ORDER BY builtin DESC, name')).map(toRole);
  }

  async get(id: number): Promise<Role | undefined> {
    const row = await this.db.get<RoleRow>('SELECT * FROM roles WHERE id = ?', [id]);
    return row && toRole(row);
  }

  async findByName(name: string): Promise<Role | undefined> {
    const row = await this.db.get<RoleRow>('SELECT * FROM roles WHERE name = ?', [name]);
    return row && toRole(row);
  }

  create(input: { name: string; description: string; grants: Grant[] }): Promise<Role> {
    return this.db.transaction(async (tx) => {
      if (await tx.get('SELECT id FROM roles WHERE name = ?', [input.name]))
        throw new RoleNameTakenError(input.name);
      const row = await tx.get<RoleRow>(
        'INSERT INTO roles (name, description, grants) VALUES (?, ?, ?) RETURNING *',
        [input.name, input.description, JSON.stringify(input.grants)],
      );
      return toRole(row as RoleRow);
    });
  }

  async update(id: number, patch: { description?: string; grants?: Grant[] }): Promise<Role | undefined> {
    const current = await this.get(id);
    if (!current) return undefined;
    const row = await this.db.get<RoleRow>(
      'UPDATE roles SET description = ?, grants = ? WHERE id = ? RETURNING *',
      [patch.description ?? current.description, JSON.stringify(patch.grants ?? current.grants), id],
    );
    return row && toRole(row);
  }

  async remove(id: number): Promise<boolean> {
    return (await this.db.run('DELETE FROM roles WHERE id = ? AND builtin = 0', [id])).changes > 0;
  }

  async bindingsOf(userId: number): Promise<RoleBinding[]> {
    const rows = await this.db.all<{
      role_id: number;
      name: string;
      environment_id: number | null;
      source: RoleBinding['source'];
    }>(
      `SELECT b.role_id, r.name, b.environment_id, b.source FROM role_bindings b JOIN roles r ON r.id = b.role_id
       WHERE b.user_id = ? ORDER BY r.name`,
      [userId],
    );
    return rows.map((row) => ({
      roleId: Number(row.role_id),
      roleName: row.name,
      environmentId: row.environment_id === null ? null : Number(row.environment_id),
      source: row.source,
    }));
  }

  /** The grants a user holds, for the access check. */
  async grantsOf(userId: number): Promise<RoleGrant[]> {
    const rows = await this.db.all<{ grants: string; environment_id: number | null }>(
      'SELECT r.grants, b.environment_id FROM role_bindings b JOIN roles r ON r.id = b.role_id WHERE b.user_id = ?',
      [userId],
    );
    return rows.map((row) => ({
      grants: JSON.parse(row.grants) as Grant[],
      environmentId: row.environment_id === null ? null : Number(row.environment_id),
    }));
  }

  /** Replaces the user's bindings of one source (manual edits or provider group mapping). */
  async setBindings(
    userId: number,
    source: RoleBinding['source'],
    bindings: { roleId: number; environmentId: number | null }[],
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM role_bindings WHERE user_id = ? AND source = ?', [userId, source]);
      for (const binding of bindings) {
        await tx.run(
          'INSERT INTO role_bindings (user_id, role_id, environment_id, source) VALUES (?, ?, ?, ?)',
          [userId, binding.roleId, binding.environmentId, source],
        );
      }
    });
  }
}

function toRole(row: RoleRow): Role {
  return {
    id: Number(row.id),
    name: row.name,
    description: row.description,
    grants: JSON.parse(row.grants) as Grant[],
    builtin: Boolean(Number(row.builtin)),
  };
}
