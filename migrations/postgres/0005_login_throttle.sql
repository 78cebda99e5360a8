-- Failed logins now make the next attempt wait (kept in memory per account name and address,
-- known names or not) instead of locking the account in the database.
ALTER TABLE users DROP COLUMN failed_logins, DROP COLUMN locked_until;
