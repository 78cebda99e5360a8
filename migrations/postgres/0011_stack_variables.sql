CREATE TABLE stack_variables (
  id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  stack_id INTEGER NOT NULL REFERENCES stacks (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  value TEXT,
  sealed_value TEXT,
  UNIQUE (stack_id, name)
);
