CREATE TABLE notification_channels (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  settings TEXT NOT NULL DEFAULT '{}',
  secrets TEXT,
  events TEXT NOT NULL DEFAULT '[]',
  min_severity TEXT NOT NULL DEFAULT 'info',
  digest INTEGER NOT NULL DEFAULT 1,
  quiet_hours TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE notification_deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  channel_id INTEGER NOT NULL REFERENCES notification_channels(id) ON DELETE CASCADE,
  event TEXT NOT NULL,
  severity TEXT NOT NULL,
  title TEXT NOT NULL,
  message TEXT NOT NULL,
  event_count INTEGER NOT NULL DEFAULT 1,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  not_before TEXT,
  created_at TEXT NOT NULL,
  finished_at TEXT
);
CREATE INDEX notification_deliveries_by_time ON notification_deliveries (created_at);
CREATE INDEX notification_deliveries_by_status ON notification_deliveries (status, not_before);
