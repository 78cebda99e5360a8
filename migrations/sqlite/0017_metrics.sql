-- Monitoring history: one series per environment host ('' container) or container name, and
-- their points in three tiers (0: each collection round, 1: 1-minute averages, 2: 5-minute
-- averages). The points table is keyed by (series, tier, time) and has no rowid, so a point is
-- one B-tree entry of a few small integers.
CREATE TABLE metric_series (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  environment_id INTEGER NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
  container TEXT NOT NULL,
  stack TEXT,
  service TEXT,
  UNIQUE (environment_id, container)
);

CREATE TABLE metric_points (
  series_id INTEGER NOT NULL REFERENCES metric_series(id) ON DELETE CASCADE,
  tier INTEGER NOT NULL,
  at INTEGER NOT NULL,
  samples INTEGER NOT NULL,
  cpu REAL NOT NULL,
  memory INTEGER NOT NULL,
  memory_limit INTEGER NOT NULL,
  rx INTEGER NOT NULL,
  tx INTEGER NOT NULL,
  io_read INTEGER NOT NULL,
  io_write INTEGER NOT NULL,
  disk INTEGER,
  disk_total INTEGER,
  restarts INTEGER,
  PRIMARY KEY (series_id, tier, at)
) WITHOUT ROWID;

CREATE TABLE metric_rollups (
  tier INTEGER PRIMARY KEY,
  done_until INTEGER NOT NULL
);
