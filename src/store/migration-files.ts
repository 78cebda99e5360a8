// Every migration, embedded as text so the compiled binary carries them. A test checks that this
// list matches the files in migrations/, in the same versions for both databases.
import postgres0001 from '../../migrations/postgres/0001_environments.sql' with { type: 'text' };
import postgres0002 from '../../migrations/postgres/0002_auth.sql' with { type: 'text' };
import postgres0003 from '../../migrations/postgres/0003_auth_providers.sql' with { type: 'text' };
import postgres0004 from '../../migrations/postgres/0004_registries.sql' with { type: 'text' };
import postgres0005 from '../../migrations/postgres/0005_login_throttle.sql' with { type: 'text' };
import postgres0006 from '../../migrations/postgres/0006_environment_host_policy.sql' with { type: 'text' };
import postgres0007 from '../../migrations/postgres/0007_jobs.sql' with { type: 'text' };
import postgres0010 from '../../migrations/postgres/0010_stacks.sql' with { type: 'text' };
import postgres0011 from '../../migrations/postgres/0011_stack_variables.sql' with { type: 'text' };
import postgres0012 from '../../migrations/postgres/0012_agents.sql' with { type: 'text' };
import postgres0013 from '../../migrations/postgres/0013_schedules_updates.sql' with { type: 'text' };
import postgres0014 from '../../migrations/postgres/0014_notifications.sql' with { type: 'text' };
import postgres0015 from '../../migrations/postgres/0015_git_stacks.sql' with { type: 'text' };
import postgres0017 from '../../migrations/postgres/0017_metrics.sql' with { type: 'text' };
import postgres0018 from '../../migrations/postgres/0018_engine_events.sql' with { type: 'text' };
import postgres0019 from '../../migrations/postgres/0019_alerts.sql' with { type: 'text' };
import postgres0020 from '../../migrations/postgres/0020_git_deployer.sql' with { type: 'text' };
import sqlite0001 from '../../migrations/sqlite/0001_environments.sql' with { type: 'text' };
import sqlite0002 from '../../migrations/sqlite/0002_auth.sql' with { type: 'text' };
import sqlite0003 from '../../migrations/sqlite/0003_auth_providers.sql' with { type: 'text' };
import sqlite0004 from '../../migrations/sqlite/0004_registries.sql' with { type: 'text' };
import sqlite0005 from '../../migrations/sqlite/0005_login_throttle.sql' with { type: 'text' };
import sqlite0006 from '../../migrations/sqlite/0006_environment_host_policy.sql' with { type: 'text' };
import sqlite0007 from '../../migrations/sqlite/0007_jobs.sql' with { type: 'text' };
import sqlite0010 from '../../migrations/sqlite/0010_stacks.sql' with { type: 'text' };
import sqlite0011 from '../../migrations/sqlite/0011_stack_variables.sql' with { type: 'text' };
import sqlite0012 from '../../migrations/sqlite/0012_agents.sql' with { type: 'text' };
import sqlite0013 from '../../migrations/sqlite/0013_schedules_updates.sql' with { type: 'text' };
import sqlite0014 from '../../migrations/sqlite/0014_notifications.sql' with { type: 'text' };
import sqlite0015 from '../../migrations/sqlite/0015_git_stacks.sql' with { type: 'text' };
import sqlite0017 from '../../migrations/sqlite/0017_metrics.sql' with { type: 'text' };
import sqlite0018 from '../../migrations/sqlite/0018_engine_events.sql' with { type: 'text' };
import sqlite0019 from '../../migrations/sqlite/0019_alerts.sql' with { type: 'text' };
import sqlite0020 from '../../migrations/sqlite/0020_git_deployer.sql' with { type: 'text' };
import type { Dialect } from './database.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: Record<Dialect, Migration[]> = {
  sqlite: [
    { version: 1, name: '0001_environments', sql: sqlite0001 },
    { version: 2, name: '0002_auth', sql: sqlite0002 },
    { version: 3, name: '0003_auth_providers', sql: sqlite0003 },
    { version: 4, name: '0004_registries', sql: sqlite0004 },
    { version: 5, name: '0005_login_throttle', sql: sqlite0005 },
    { version: 6, name: '0006_environment_host_policy', sql: sqlite0006 },
    { version: 7, name: '0007_jobs', sql: sqlite0007 },
    { version: 10, name: '0010_stacks', sql: sqlite0010 },
    { version: 11, name: '0011_stack_variables', sql: sqlite0011 },
    { version: 12, name: '0012_agents', sql: sqlite0012 },
    { version: 13, name: '0013_schedules_updates', sql: sqlite0013 },
    { version: 14, name: '0014_notifications', sql: sqlite0014 },
    { version: 15, name: '0015_git_stacks', sql: sqlite0015 },
    { version: 17, name: '0017_metrics', sql: sqlite0017 },
    { version: 18, name: '0018_engine_events', sql: sqlite0018 },
    { version: 19, name: '0019_alerts', sql: sqlite0019 },
    { version: 20, name: '0020_git_deployer', sql: sqlite0020 },
  ],
  postgres: [
    { version: 1, name: '0001_environments', sql: postgres0001 },
    { version: 2, name: '0002_auth', sql: postgres0002 },
    { version: 3, name: '0003_auth_providers', sql: postgres0003 },
    { version: 4, name: '0004_registries', sql: postgres0004 },
    { version: 5, name: '0005_login_throttle', sql: postgres0005 },
    { version: 6, name: '0006_environment_host_policy', sql: postgres0006 },
    { version: 7, name: '0007_jobs', sql: postgres0007 },
    { version: 10, name: '0010_stacks', sql: postgres0010 },
    { version: 11, name: '0011_stack_variables', sql: postgres0011 },
    { version: 12, name: '0012_agents', sql: postgres0012 },
    { version: 13, name: '0013_schedules_updates', sql: postgres0013 },
    { version: 14, name: '0014_notifications', sql: postgres0014 },
    { version: 15, name: '0015_git_stacks', sql: postgres0015 },
    { version: 17, name: '0017_metrics', sql: postgres0017 },
    { version: 18, name: '0018_engine_events', sql: postgres0018 },
    { version: 19, name: '0019_alerts', sql: postgres0019 },
    { version: 20, name: '0020_git_deployer', sql: postgres0020 },
  ],
};
