-- Monitoring history: one series per environment host ('' container) or container name, and
-- their points in three tiers (0: each collection round, 1: 1-minute averages, 2: 5-minute
-- averages), keyed by (series, tier, time).
CREATE TABLE metric_series (
  id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  environment_id INTEGER NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
  container TEXT NOT NULL,
  stack TEXT,
  service TEXT,
  UNIQUE (environment_id, container)
);

CREATE TABLE metric_points (
  series_id INTEGER NOT NULL REFERENCES metric_series(id) ON DELETE CASCADE,
  tier SMALLINT NOT NULL,
  at BIGINT NOT NULL,
  samples INTEGER NOT NULL,
  cpu REAL NOT NULL,
  memory BIGINT NOT NULL,
  memory_limit BIGINT NOT NULL,
  rx BIGINT NOT NULL,
  tx BIGINT NOT NULL,
  io_read BIGINT NOT NULL,
  io_write BIGINT NOT NULL,
  disk BIGINT,
  disk_total BIGINT,
  restarts INTEGER,
  PRIMARY KEY (series_id, tier, at)
);

CREATE TABLE metric_rollups (
  tier INTEGER PRIMARY KEY,
  done_until BIGINT NOT NULL
);
