// Environments: the Docker endpoints Windflow manages. TLS material is sealed with the secret
// box; reads say only which parts are set.

import { CLOSED_HOST_POLICY } from '../docker/host-powers.ts';
import type { Database } from './database.ts';
import {
  type AgentKind,
  type Environment,
  type EnvironmentInput,
  type EnvironmentType,
  type HostAccessPolicy,
  isAgentKind,
  type TlsMaterialInput,
} from './records.ts';
import type { SecretBox } from './secret-box.ts';

export class EnvironmentNameTakenError extends Error {
  constructor(name: string) {
    super(`An environment named "${name}" already exists`);
  }
}

interface EnvironmentRow {
  id: number;
  name: string;
  type: EnvironmentType;
  agent_kind: AgentKind | null;
  address: string;
  labels: string;
  tls_ca: string | null;
  tls_cert: string | null;
  tls_key: string | null;
  host_policy: string;
  created_at: string;
  updated_at: string;
}

const TLS_PARTS = ['ca', 'cert', 'key'] as const;

/** Told after an environment is added, changed or removed (what watches every environment follows). */
export type EnvironmentChangeListener = (
  environmentId: number,
  change: 'created' | 'updated' | 'removed',
) => void;

export class EnvironmentStore {
  private readonly listeners = new Set<EnvironmentChangeListener>();

  constructor(
    private readonly db: Database,
    private readonly box: SecretBox,
  ) {}

  async list(): Promise<Environment[]> {
    return (await this.db.all<EnvironmentRow>('SELECT * FROM environments ORDER BY name')).map(toEnvironment);
  }

  /** Returns the unsubscribe function. A listener that throws is its own problem. */
  onChange(listener: EnvironmentChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(environmentId: number, change: Parameters<EnvironmentChangeListener>[1]): void {
    for (const listener of this.listeners) {
      try {
        listener(environmentId, change);
      } catch {
        // the store's write succeeded; a watcher's fault is not the caller's
      }
    }
  }

  async get(id: number): Promise<Environment | undefined> {
    const row = await this.db.get<EnvironmentRow>('SELECT * FROM environments WHERE id = ?', [id]);
    return row && toEnvironment(row);
  }

  async create(input: EnvironmentInput): Promise<Environment> {
    const created = await this.db.transaction(async (tx) => {
      await assertNameFree(tx, input.name);
      const now = new Date().toISOString();
      const sealed = (part: (typeof TLS_PARTS)[number]) => this.seal(input.tls?.[part]);
      const row = await tx.get<EnvironmentRow>(
        `INSERT INTO environments (name, type, agent_kind, address, labels, tls_ca, tls_cert, tls_key, host_policy, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        [
          input.name,
          ...storedType(input.type),
          input.address,
          JSON.stringify(input.labels ?? {}),
          sealed('ca'),
          sealed('cert'),
          sealed('key'),
          JSON.stringify(input.hostPolicy ?? CLOSED_HOST_POLICY),
          now,
          now,
        ],
      );
      return toEnvironment(row as EnvironmentRow);
    });
    this.changed(created.id, 'created');
    return created;
  }

  async update(id: number, patch: Partial<EnvironmentInput>): Promise<Environment | undefined> {
    const updated = await this.db.transaction(async (tx) => {
      const current = await tx.get<EnvironmentRow>('SELECT * FROM environments WHERE id = ?', [id]);
      if (!current) return undefined;
      if (patch.name !== undefined && patch.name !== current.name) await assertNameFree(tx, patch.name);
      const tlsColumn = (part: (typeof TLS_PARTS)[number]) => {
        const given = patch.tls?.[part];
        return given === undefined ? current[`tls_${part}`] : this.seal(given);
      };
      // A change must be visible as a new updated_at even within the same millisecond: clients
      // cached per environment are keyed on it.
      const now = new Date(Math.max(Date.now(), Date.parse(current.updated_at) + 1)).toISOString();
      const row = await tx.get<EnvironmentRow>(
        `UPDATE environments SET name = ?, type = ?, agent_kind = ?, address = ?, labels = ?, tls_ca = ?, tls_cert = ?, tls_key = ?, host_policy = ?, updated_at = ?
         WHERE id = ? RETURNING *`,
        [
          patch.name ?? current.name,
          ...storedType(patch.type ?? current.agent_kind ?? current.type),
          patch.address ?? current.address,
          patch.labels ? JSON.stringify(patch.labels) : current.labels,
          tlsColumn('ca'),
          tlsColumn('cert'),
          tlsColumn('key'),
          patch.hostPolicy ? JSON.stringify(patch.hostPolicy) : current.host_policy,
          now,
          id,
        ],
      );
      return toEnvironment(row as EnvironmentRow);
    });
    if (updated) this.changed(id, 'updated');
    return updated;
  }

  async remove(id: number): Promise<boolean> {
    const removed = (await this.db.run('DELETE FROM environments WHERE id = ?', [id])).changes > 0;
    if (removed) this.changed(id, 'removed');
    return removed;
  }

  /** Decrypted TLS material, for the Docker client only: never send it to a client. */
  async tlsMaterial(id: number): Promise<TlsMaterialInput | undefined> {
    const row = await this.db.get<EnvironmentRow>('SELECT * FROM environments WHERE id = ?', [id]);
    if (!row) return undefined;
    const open = (sealed: string | null) => (sealed ? this.box.decrypt(sealed) : undefined);
    return { ca: open(row.tls_ca), cert: open(row.tls_cert), key: open(row.tls_key) };
  }

  private seal(value: string | undefined): string | null {
    return value ? this.box.encrypt(value) : null;
  }
}

async function assertNameFree(db: Database, name: string): Promise<void> {
  if (await db.get('SELECT id FROM environments WHERE name = ?', [name]))
    throw new EnvironmentNameTakenError(name);
}

/** The type column keeps its original values; agents are 'tcp' with their kind beside it. */
function storedType(type: EnvironmentType): [EnvironmentType, AgentKind | null] {
  return isAgentKind(type) ? ['tcp', type] : [type, null];
}

function toEnvironment(row: EnvironmentRow): Environment {
  return {
    id: Number(row.id),
    name: row.name,
    type: row.agent_kind ?? row.type,
    address: row.address,
    labels: JSON.parse(row.labels) as Record<string, string>,
    tls: { ca: Boolean(row.tls_ca), cert: Boolean(row.tls_cert), key: Boolean(row.tls_key) },
    hostPolicy: { ...CLOSED_HOST_POLICY, ...(JSON.parse(row.host_policy) as Partial<HostAccessPolicy>) },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
