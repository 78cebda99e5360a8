// The store on both databases: the same tests against SQLite and a real PostgreSQL.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../testing/databases.ts';
import { openDatabase } from './database.ts';
import { EnvironmentNameTakenError, EnvironmentStore } from './environments.ts';
import { rotateSecretKey } from './key-rotation.ts';
import { migrate, pendingMigrations } from './migrate.ts';
import { MIGRATIONS } from './migration-files.ts';
import { numberPlaceholders } from './postgres.ts';
import { RegistryStore } from './registries.ts';
import {
  KEY_FILE,
  loadSecretKey,
  SecretBox,
  SecretKeyError,
  SecretKeyMismatchError,
  verifySecretKey,
} from './secret-box.ts';
import { SettingsStore } from './settings.ts';

const PEM_KEY = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----\n';
const box = new SecretBox(Buffer.alloc(32, 7));

describe.each(DIALECTS)('%s', (dialect) => {
  let scratch: ScratchDatabase;
  beforeEach(async () => {
    scratch = await scratchDatabase(dialect);
  });
  afterEach(() => scratch.drop());

  test('migrations apply once, in order, and are recorded', async () => {
    const names = MIGRATIONS[dialect].map((migration) => migration.name);
    expect(await migrate(scratch.db)).toEqual({ applied: names });
    expect(await migrate(scratch.db)).toEqual({ applied: [] });
    expect(await pendingMigrations(scratch.db)).toEqual([]);
    const rows = await scratch.db.all<{ version: number; name: string }>(
      'SELECT version, name FROM schema_migrations ORDER BY version',
    );
    expect(rows.map((row) => row.name)).toEqual(names);
  });

  test('a transaction rolls back when its work throws', async () => {
    await migrate(scratch.db);
    const failing = scratch.db.transaction(async (tx) => {
      await tx.run('INSERT INTO settings (key, value) VALUES (?, ?)', ['doomed', 'x']);
      throw new Error('halfway');
    });
    await expect(failing).rejects.toThrow('halfway');
    expect(await scratch.db.get('SELECT value FROM settings WHERE key = ?', ['doomed'])).toBeUndefined();
  });

  test('placeholders inside string literals are left alone', async () => {
    await migrate(scratch.db);
    await scratch.db.run("INSERT INTO settings (key, value) VALUES (?, 'what?')", ['question']);
    expect(await scratch.db.get('SELECT value FROM settings WHERE key = ?', ['question'])).toEqual({
      value: 'what?',
    });
  });

  test('the installation id is made once and kept', async () => {
    await migrate(scratch.db);
    const [first, second] = await Promise.all([
      new SettingsStore(scratch.db).installationId(),
      new SettingsStore(scratch.db).installationId(),
    ]);
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(second).toBe(first);
    expect(await new SettingsStore(scratch.db).installationId()).toBe(first);
  });

  describe('environments', () => {
    let environments: EnvironmentStore;
    beforeEach(async () => {
      await migrate(scratch.db);
      environments = new EnvironmentStore(scratch.db, box);
    });

    test('create, list, update and remove, labels round-tripped', async () => {
      const created = await environments.create({
        name: 'edge',
        type: 'tcp',
        address: '10.0.0.5:2375',
        labels: { site: 'paris' },
      });
      expect(typeof created.id).toBe('number');
      expect(created).toMatchObject({
        name: 'edge',
        labels: { site: 'paris' },
        tls: { ca: false, cert: false, key: false },
      });
      expect(await environments.list()).toEqual([created]);
      const updated = await environments.update(created.id, {
        address: '10.0.0.6:2375',
        labels: { site: 'lyon' },
      });
      expect(updated).toMatchObject({ name: 'edge', address: '10.0.0.6:2375', labels: { site: 'lyon' } });
      expect(updated?.updatedAt).not.toBe(created.updatedAt);
      expect(await environments.update(9999, { name: 'x' })).toBeUndefined();
      expect(await environments.remove(created.id)).toBe(true);
      expect(await environments.remove(created.id)).toBe(false);
      expect(await environments.get(created.id)).toBeUndefined();
    });

    test('names are unique', async () => {
      await environments.create({ name: 'one', type: 'tcp', address: 'a:1' });
      const second = await environments.create({ name: 'two', type: 'tcp', address: 'a:1' });
      await expect(environments.create({ name: 'one', type: 'tcp', address: 'b:1' })).rejects.toBeInstanceOf(
        EnvironmentNameTakenError,
      );
      await expect(environments.update(second.id, { name: 'one' })).rejects.toBeInstanceOf(
        EnvironmentNameTakenError,
      );
      expect((await environments.list()).map((environment) => environment.name)).toEqual(['one', 'two']);
    });

    test('TLS material is sealed in the database, opened only by tlsMaterial, and kept or cleared on update', async () => {
      const created = await environments.create({
        name: 'tls',
        type: 'tcp-tls',
        address: 'h:2376',
        tls: { ca: 'CA PEM', cert: 'CERT PEM', key: PEM_KEY },
      });
      expect(created.tls).toEqual({ ca: true, cert: true, key: true });
      expect(JSON.stringify(created)).not.toContain('PEM');
      const raw = await scratch.db.get<Record<string, string>>(
        'SELECT tls_key FROM environments WHERE id = ?',
        [created.id],
      );
      expect(raw?.tls_key).toStartWith('v1:');
      expect(raw?.tls_key).not.toContain('PRIVATE KEY');
      expect(await environments.tlsMaterial(created.id)).toEqual({
        ca: 'CA PEM',
        cert: 'CERT PEM',
        key: PEM_KEY,
      });
      await environments.update(created.id, { tls: { ca: 'NEW CA' } });
      expect(await environments.tlsMaterial(created.id)).toEqual({
        ca: 'NEW CA',
        cert: 'CERT PEM',
        key: PEM_KEY,
      });
      const cleared = await environments.update(created.id, { tls: { key: '' } });
      expect(cleared?.tls).toEqual({ ca: true, cert: true, key: false });
    });
  });

  test('key rotation re-seals every secret in one transaction, or none when one cannot be opened', async () => {
    await migrate(scratch.db);
    await verifySecretKey(scratch.db, box);
    const environments = new EnvironmentStore(scratch.db, box);
    const tls = { ca: 'CA PEM', cert: 'CERT PEM', key: PEM_KEY };
    const created = await environments.create({ name: 'tls', type: 'tcp-tls', address: 'h:2376', tls });
    const registry = await new RegistryStore(scratch.db, box).create({
      name: 'private',
      url: 'https://registry.example.com',
      username: 'ci',
      password: 'registry password',
    });
    const next = new SecretBox(Buffer.alloc(32, 5));
    expect(await rotateSecretKey(scratch.db, box, next)).toEqual({ resealed: 4 });
    expect(await new EnvironmentStore(scratch.db, next).tlsMaterial(created.id)).toEqual(tls);
    expect(await new RegistryStore(scratch.db, next).credentials(registry.id)).toEqual({
      username: 'ci',
      password: 'registry password',
    });
    await expect(environments.tlsMaterial(created.id)).rejects.toBeInstanceOf(SecretKeyMismatchError);
    await verifySecretKey(scratch.db, next);
    await expect(verifySecretKey(scratch.db, box)).rejects.toBeInstanceOf(SecretKeyMismatchError);

    await new EnvironmentStore(scratch.db, box).create({
      name: 'stray',
      type: 'tcp-tls',
      address: 'h:1',
      tls,
    });
    const third = new SecretBox(Buffer.alloc(32, 6));
    await expect(rotateSecretKey(scratch.db, next, third)).rejects.toBeInstanceOf(SecretKeyMismatchError);
    expect(await new EnvironmentStore(scratch.db, next).tlsMaterial(created.id)).toEqual(tls);
    await verifySecretKey(scratch.db, next);
  });

  test('a database first used with one key refuses another', async () => {
    await migrate(scratch.db);
    await verifySecretKey(scratch.db, box);
    await verifySecretKey(scratch.db, box);
    await expect(verifySecretKey(scratch.db, new SecretBox(Buffer.alloc(32, 8)))).rejects.toBeInstanceOf(
      SecretKeyMismatchError,
    );
  });
});

// SQLite's writers queue on the file lock (BEGIN IMMEDIATE); two connections in one process
// would block each other synchronously, so the concurrent case is PostgreSQL's.
test('two PostgreSQL connections migrating at once apply each migration exactly once', async () => {
  const scratch = await scratchDatabase('postgres');
  const second = await openDatabase({ url: scratch.url, dataDir: scratch.dataDir });
  const results = await Promise.all([migrate(scratch.db), migrate(second)]);
  await second.close();
  await scratch.drop();
  expect(results.flatMap((result) => result.applied).sort()).toEqual(
    MIGRATIONS.postgres.map((migration) => migration.name).sort(),
  );
});

describe('migration files', () => {
  test('every file in migrations/ is listed, with the same versions for both databases', () => {
    const root = join(import.meta.dir, '..', '..', 'migrations');
    for (const dialect of DIALECTS) {
      const files = readdirSync(join(root, dialect))
        .map((file) => file.replace(/\.sql$/, ''))
        .sort();
      expect(MIGRATIONS[dialect].map((migration) => migration.name)).toEqual(files);
    }
    const versions = (dialect: 'sqlite' | 'postgres') =>
      MIGRATIONS[dialect].map((migration) => migration.version);
    expect(versions('sqlite')).toEqual(versions('postgres'));
    // Versions are handed out ahead of landing, so gaps are allowed; the order is not.
    expect(versions('sqlite')).toEqual(versions('sqlite').toSorted((a, b) => a - b));
    expect(new Set(versions('sqlite')).size).toBe(versions('sqlite').length);
  });
});

describe('secret box', () => {
  test('round trip, a fresh IV every time, tampering detected', () => {
    const sealed = box.encrypt('registry password');
    expect(sealed).not.toBe(box.encrypt('registry password'));
    expect(box.decrypt(sealed)).toBe('registry password');
    const [format, iv, tag, data] = sealed.split(':') as [string, string, string, string];
    const flipped = Buffer.from(data, 'base64');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(() => box.decrypt([format, iv, tag, flipped.toString('base64')].join(':'))).toThrow(
      SecretKeyMismatchError,
    );
    expect(() => new SecretBox(Buffer.alloc(32, 9)).decrypt(sealed)).toThrow(SecretKeyMismatchError);
  });

  test('the key file is made with mode 0600 and reused; a loose one or a bad variable is refused', async () => {
    const scratch = await scratchDatabase('sqlite');
    try {
      const first = loadSecretKey({ dataDir: scratch.dataDir, env: {} });
      expect(statSync(join(scratch.dataDir, KEY_FILE)).mode & 0o777).toBe(0o600);
      expect(loadSecretKey({ dataDir: scratch.dataDir, env: {} })).toEqual(first);
      const fromEnv = Buffer.alloc(32, 3);
      expect(
        loadSecretKey({
          dataDir: scratch.dataDir,
          env: { WINDFLOW_ENCRYPTION_KEY: fromEnv.toString('base64') },
        }),
      ).toEqual(fromEnv);
      expect(
        loadSecretKey({
          dataDir: scratch.dataDir,
          env: { WINDFLOW_ENCRYPTION_KEY: fromEnv.toString('hex') },
        }),
      ).toEqual(fromEnv);
      expect(() =>
        loadSecretKey({ dataDir: scratch.dataDir, env: { WINDFLOW_ENCRYPTION_KEY: 'too-short' } }),
      ).toThrow(SecretKeyError);
      writeFileSync(join(scratch.dataDir, KEY_FILE), first.toString('base64'), { mode: 0o644 });
      const { chmodSync } = await import('node:fs');
      chmodSync(join(scratch.dataDir, KEY_FILE), 0o644);
      expect(() => loadSecretKey({ dataDir: scratch.dataDir, env: {} })).toThrow('readable by other users');
    } finally {
      await scratch.drop();
    }
  });
});

test('numbering placeholders skips quoted text', () => {
  expect(numberPlaceholders(`SELECT ? , '?' , "a?" , 'it''s ?', ?`)).toBe(
    `SELECT $1 , '?' , "a?" , 'it''s ?', $2`,
  );
});
