CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE environments (
  id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL CHECK (type IN ('local-socket', 'tcp', 'tcp-tls')),
  address TEXT NOT NULL,
  labels TEXT NOT NULL DEFAULT '{}',
  tls_ca TEXT,
  tls_cert TEXT,
  tls_key TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
