// The agents of hawser-standard and edge environments: one credential per environment (an edge
// token kept only as its SHA-256, a standard agent's token sealed because Windflow sends it),
// what the agent last said about itself, and its connection history.
import { createHash, randomBytes } from 'node:crypto';
import type { Database } from './database.ts';
import type { AgentConnectionEvent, AgentKind } from './records.ts';
import type { SecretBox } from './secret-box.ts';

/** What an agent says about itself in its hello. */
export interface AgentFacts {
  agentId: string;
  agentName: string;
  agentVersion: string;
  protocolVersion: string;
  dockerVersion: string;
  hostname: string;
  capabilities: string[];
}

export interface AgentRecord extends Partial<AgentFacts> {
  environmentId: number;
  tokenHint: string;
  tokenCreatedAt: string;
  connectedAt: string | null;
  lastSeenAt: string | null;
}

interface AgentRow {
  environment_id: number;
  token_hash: string | null;
  token_sealed: string | null;
  token_hint: string;
  token_created_at: string;
  agent_id: string | null;
  agent_name: string | null;
  agent_version: string | null;
  protocol_version: string | null;
  docker_version: string | null;
  hostname: string | null;
  capabilities: string;
  connected_at: string | null;
  last_seen_at: string | null;
}

/** How many history entries an environment keeps. */
const HISTORY_KEPT = 200;

export function hashAgentToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class AgentStore {
  constructor(
    private readonly db: Database,
    private readonly box: SecretBox,
  ) {}

  /**
   * A new edge token for the environment, replacing (revoking) any earlier one. The token is
   * returned once and kept only as its hash.
   */
  async issueEdgeToken(environmentId: number): Promise<string> {
    const token = `wfa_${randomBytes(32).toString('base64url')}`;
    await this.saveCredential(environmentId, 'edge', token);
    return token;
  }

  /** The token Windflow sends to a standard agent. */
  async setStandardToken(environmentId: number, token: string): Promise<void> {
    await this.saveCredential(environmentId, 'hawser-standard', token);
  }

  async standardToken(environmentId: number): Promise<string | undefined> {
    const row = await this.db.get<AgentRow>('SELECT token_sealed FROM agents WHERE environment_id = ?', [
      environmentId,
    ]);
    return row?.token_sealed ? this.box.decrypt(row.token_sealed) : undefined;
  }

  /** The environment an edge token belongs to, if it is current. */
  async environmentForToken(token: string): Promise<number | undefined> {
    const row = await this.db.get<{ environment_id: number }>(
      'SELECT environment_id FROM agents WHERE token_hash = ?',
      [hashAgentToken(token)],
    );
    return row && Number(row.environment_id);
  }

  /** Forgets the edge token: agents presenting it are refused from now on. */
  async revokeEdgeToken(environmentId: number): Promise<boolean> {
    const result = await this.db.run(
      "UPDATE agents SET token_hash = NULL, token_hint = '' WHERE environment_id = ? AND token_hash IS NOT NULL",
      [environmentId],
    );
    return result.changes > 0;
  }

  async get(environmentId: number): Promise<AgentRecord | undefined> {
    const row = await this.db.get<AgentRow>('SELECT * FROM agents WHERE environment_id = ?', [environmentId]);
    return row && toRecord(row);
  }

  async list(): Promise<AgentRecord[]> {
    return (await this.db.all<AgentRow>('SELECT * FROM agents')).map(toRecord);
  }

  async recordConnected(environmentId: number, facts: AgentFacts, remoteAddress: string): Promise<void> {
    const now = new Date().toISOString();
    await this.db.run(
      `UPDATE agents SET agent_id = ?, agent_name = ?, agent_version = ?, protocol_version = ?, docker_version = ?,
         hostname = ?, capabilities = ?, connected_at = ?, last_seen_at = ? WHERE environment_id = ?`,
      [
        facts.agentId,
        facts.agentName,
        facts.agentVersion,
        facts.protocolVersion,
        facts.dockerVersion,
        facts.hostname,
        JSON.stringify(facts.capabilities),
        now,
        now,
        environmentId,
      ],
    );
    await this.recordEvent(
      environmentId,
      'connected',
      `${facts.agentName} ${facts.agentVersion}`,
      remoteAddress,
    );
  }

  async recordDisconnected(environmentId: number, reason: string, lastSeenAt: string): Promise<void> {
    await this.db.run('UPDATE agents SET connected_at = NULL, last_seen_at = ? WHERE environment_id = ?', [
      lastSeenAt,
      environmentId,
    ]);
    await this.recordEvent(environmentId, 'disconnected', reason, null);
  }

  async recordEvent(
    environmentId: number,
    event: AgentConnectionEvent['event'],
    detail: string,
    remoteAddress: string | null,
  ): Promise<void> {
    await this.db.run(
      'INSERT INTO agent_connections (environment_id, event, detail, remote_address, at) VALUES (?, ?, ?, ?, ?)',
      [environmentId, event, detail.slice(0, 500), remoteAddress, new Date().toISOString()],
    );
    await this.db.run(
      `DELETE FROM agent_connections WHERE environment_id = ? AND id <= (
         SELECT id FROM agent_connections WHERE environment_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
      [environmentId, environmentId, HISTORY_KEPT],
    );
  }

  /** Newest first. */
  async history(environmentId: number, limit = 50): Promise<AgentConnectionEvent[]> {
    const rows = await this.db.all<{
      event: AgentConnectionEvent['event'];
      detail: string;
      remote_address: string | null;
      at: string;
    }>(
      'SELECT event, detail, remote_address, at FROM agent_connections WHERE environment_id = ? ORDER BY id DESC LIMIT ?',
      [environmentId, limit],
    );
    return rows.map((row) => ({
      event: row.event,
      detail: row.detail,
      remoteAddress: row.remote_address,
      at: row.at,
    }));
  }

  /** Marks every agent disconnected: at start, no agent is connected to this process yet. */
  async markAllDisconnected(): Promise<void> {
    await this.db.run('UPDATE agents SET connected_at = NULL WHERE connected_at IS NOT NULL');
  }

  private async saveCredential(environmentId: number, kind: AgentKind, token: string): Promise<void> {
    const hash = kind === 'edge' ? hashAgentToken(token) : null;
    const sealed = kind === 'hawser-standard' ? this.box.encrypt(token) : null;
    const hint = token.slice(-4);
    const now = new Date().toISOString();
    await this.db.transaction(async (tx) => {
      const updated = await tx.run(
        'UPDATE agents SET token_hash = ?, token_sealed = ?, token_hint = ?, token_created_at = ? WHERE environment_id = ?',
        [hash, sealed, hint, now, environmentId],
      );
      if (updated.changes === 0) {
        await tx.run(
          'INSERT INTO agents (environment_id, token_hash, token_sealed, token_hint, token_created_at) VALUES (?, ?, ?, ?, ?)',
          [environmentId, hash, sealed, hint, now],
        );
      }
    });
  }
}

function toRecord(row: AgentRow): AgentRecord {
  return {
    environmentId: Number(row.environment_id),
    tokenHint: row.token_hint,
    tokenCreatedAt: row.token_created_at,
    agentId: row.agent_id ?? undefined,
    agentName: row.agent_name ?? undefined,
    agentVersion: row.agent_version ?? undefined,
    protocolVersion: row.protocol_version ?? undefined,
    dockerVersion: row.docker_version ?? undefined,
    hostname: row.hostname ?? undefined,
    capabilities: JSON.parse(row.capabilities) as string[],
    connectedAt: row.connected_at,
    lastSeenAt: row.last_seen_at,
  };
}
