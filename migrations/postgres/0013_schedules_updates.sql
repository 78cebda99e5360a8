CREATE TABLE schedules (
  id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  cron TEXT NOT NULL,
  timezone TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  environment_id INTEGER REFERENCES environments(id) ON DELETE CASCADE,
  options TEXT NOT NULL DEFAULT '{}',
  next_run_at TEXT,
  last_run_at TEXT,
  last_status TEXT,
  last_summary TEXT,
  last_duration_ms INTEGER,
  running_since TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE update_checks (
  environment_id INTEGER NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
  image TEXT NOT NULL,
  local_digest TEXT,
  remote_digest TEXT,
  status TEXT NOT NULL,
  newer_tags TEXT NOT NULL DEFAULT '[]',
  error TEXT,
  checked_at TEXT NOT NULL,
  PRIMARY KEY (environment_id, image)
);

CREATE TABLE update_runs (
  id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  environment_id INTEGER NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
  schedule_id INTEGER REFERENCES schedules(id) ON DELETE SET NULL,
  container TEXT NOT NULL,
  from_image TEXT NOT NULL,
  to_image TEXT NOT NULL,
  from_digest TEXT,
  to_digest TEXT,
  scan_verdict TEXT,
  outcome TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT '',
  started_by TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT
);
CREATE INDEX update_runs_by_time ON update_runs (environment_id, started_at);

CREATE TABLE image_scans (
  id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  environment_id INTEGER NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
  image TEXT NOT NULL,
  digest TEXT NOT NULL,
  scanner TEXT NOT NULL,
  counts TEXT NOT NULL,
  vulnerabilities TEXT NOT NULL,
  error TEXT,
  scanned_at TEXT NOT NULL
);
CREATE INDEX image_scans_by_digest ON image_scans (digest, scanned_at);
