CREATE TABLE stack_variables (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  stack_id INTEGER NOT NULL REFERENCES stacks (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  value TEXT,
  sealed_value TEXT,
  UNIQUE (stack_id, name)
);
