-- The Engine's events of every environment, kept for the events history (30 days by default,
-- expired by the monitoring-history schedule). `at` is milliseconds since the epoch.
CREATE TABLE engine_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  environment_id INTEGER NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
  at INTEGER NOT NULL,
  type TEXT NOT NULL,
  action TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  name TEXT,
  stack TEXT,
  service TEXT,
  attributes TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX engine_events_by_environment ON engine_events (environment_id, at);
CREATE INDEX engine_events_by_time ON engine_events (at);
