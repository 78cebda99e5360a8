CREATE TABLE alert_rules (
  id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  environment_id INTEGER REFERENCES environments(id) ON DELETE CASCADE,
  stack TEXT,
  container TEXT,
  severity TEXT NOT NULL,
  params TEXT NOT NULL DEFAULT '{}',
  enabled INTEGER NOT NULL DEFAULT 1,
  silenced_until TEXT,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE alerts (
  id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  rule_id INTEGER REFERENCES alert_rules(id) ON DELETE SET NULL,
  rule_name TEXT NOT NULL,
  kind TEXT NOT NULL,
  severity TEXT NOT NULL,
  environment_id INTEGER NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
  subject TEXT NOT NULL,
  stack TEXT,
  state TEXT NOT NULL,
  summary TEXT NOT NULL,
  value DOUBLE PRECISION,
  notified INTEGER NOT NULL DEFAULT 0,
  fired_at TEXT NOT NULL,
  resolved_at TEXT,
  resolution TEXT,
  acknowledged_by TEXT,
  acknowledged_at TEXT
);
CREATE INDEX alerts_by_state ON alerts (state, fired_at);
CREATE INDEX alerts_by_time ON alerts (fired_at);
