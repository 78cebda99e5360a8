-- Who a Git stack's webhook and poll deploys act for: the person who last set what it follows
-- (their roles are read again at each deploy; a deleted user leaves none), and the scope of the
-- API token they did it with, which narrows those roles as it narrowed theirs.
ALTER TABLE stack_git ADD COLUMN deployer_id INTEGER REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE stack_git ADD COLUMN deployer_scope TEXT;
