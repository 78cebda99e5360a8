CREATE TABLE stacks (
  id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  environment_id INTEGER NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  origin TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (environment_id, name)
);

CREATE TABLE stack_revisions (
  id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  stack_id INTEGER NOT NULL REFERENCES stacks (id) ON DELETE CASCADE,
  number INTEGER NOT NULL,
  compose TEXT NOT NULL,
  env TEXT NOT NULL DEFAULT '',
  images TEXT NOT NULL DEFAULT '{}',
  outcome TEXT NOT NULL,
  message TEXT NOT NULL DEFAULT '',
  rollback_of INTEGER,
  job_id TEXT,
  created_by TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  finished_at TEXT,
  UNIQUE (stack_id, number)
);
