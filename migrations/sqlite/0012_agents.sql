-- Environments reached through an agent. The original CHECK on environments.type cannot be
-- widened in SQLite without rebuilding the table (which would cascade into every table that
-- references it), so the agent kind is a column of its own: type stays 'tcp' and agent_kind
-- says 'hawser-standard' or 'edge'.
ALTER TABLE environments ADD COLUMN agent_kind TEXT CHECK (agent_kind IN ('hawser-standard', 'edge'));

-- One agent per environment: its credential and what it said about itself when it last connected.
-- Edge tokens are kept only as their SHA-256 (token_hash); a standard agent's token is sent by
-- Windflow, so it is sealed with the secret box (token_sealed).
CREATE TABLE agents (
  environment_id INTEGER PRIMARY KEY REFERENCES environments (id) ON DELETE CASCADE,
  token_hash TEXT UNIQUE,
  token_sealed TEXT,
  token_hint TEXT NOT NULL,
  token_created_at TEXT NOT NULL,
  agent_id TEXT,
  agent_name TEXT,
  agent_version TEXT,
  protocol_version TEXT,
  docker_version TEXT,
  hostname TEXT,
  capabilities TEXT NOT NULL DEFAULT '[]',
  connected_at TEXT,
  last_seen_at TEXT
);

-- Connections and refusals, newest last, for the reconnect history.
CREATE TABLE agent_connections (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  environment_id INTEGER NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
  event TEXT NOT NULL CHECK (event IN ('connected', 'disconnected', 'refused')),
  detail TEXT NOT NULL DEFAULT '',
  remote_address TEXT,
  at TEXT NOT NULL
);

CREATE INDEX agent_connections_by_environment ON agent_connections (environment_id, id);
