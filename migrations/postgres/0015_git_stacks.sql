CREATE TABLE git_repositories (
  id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  environment_id INTEGER NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  url TEXT NOT NULL,
  auth_kind TEXT NOT NULL,
  username TEXT NOT NULL DEFAULT '',
  secret TEXT,
  known_host_key TEXT,
  webhook_token TEXT NOT NULL UNIQUE,
  webhook_secret TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (environment_id, name)
);

CREATE TABLE stack_git (
  stack_id INTEGER PRIMARY KEY REFERENCES stacks (id) ON DELETE CASCADE,
  repository_id INTEGER NOT NULL REFERENCES git_repositories (id),
  ref TEXT NOT NULL,
  compose_path TEXT NOT NULL,
  extra_files TEXT NOT NULL DEFAULT '[]',
  webhook_token TEXT NOT NULL UNIQUE,
  webhook_secret TEXT NOT NULL,
  poll_schedule_id INTEGER,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

ALTER TABLE stack_revisions ADD COLUMN git TEXT;
ALTER TABLE stack_revisions ADD COLUMN deploy_trigger TEXT NOT NULL DEFAULT '';

CREATE TABLE git_webhook_deliveries (
  id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  repository_id INTEGER REFERENCES git_repositories (id) ON DELETE CASCADE,
  stack_id INTEGER REFERENCES stacks (id) ON DELETE CASCADE,
  delivery_id TEXT NOT NULL,
  payload_digest TEXT NOT NULL,
  provider TEXT NOT NULL,
  event TEXT NOT NULL DEFAULT '',
  ref TEXT NOT NULL DEFAULT '',
  git_commit TEXT NOT NULL DEFAULT '',
  outcome TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  results TEXT NOT NULL DEFAULT '[]',
  received_at TEXT NOT NULL
);
CREATE INDEX git_webhook_deliveries_repository ON git_webhook_deliveries (repository_id, received_at);
CREATE INDEX git_webhook_deliveries_stack ON git_webhook_deliveries (stack_id, received_at);
