// Stacks, their revisions (every deploy is one: compose text, .env, the image digests it ran and
// how it ended) and their variables, whose secret values are sealed with the secret box and
// never read back out but to deploy.
import type { Database } from '../store/database.ts';
import type {
  RevisionGit,
  RevisionOutcome,
  StackOrigin,
  StackRecord,
  StackRevision,
  StackVariable,
  StackVariableInput,
} from '../store/records.ts';
import type { SecretBox } from '../store/secret-box.ts';

export class StackNameTakenError extends Error {
  constructor(name: string) {
    super(`A stack named "${name}" already exists on this environment`);
  }
}

interface StackRow {
  id: number;
  environment_id: number;
  name: string;
  origin: StackOrigin;
  created_at: string;
  updated_at: string;
}

interface RevisionRow {
  id: number;
  stack_id: number;
  number: number;
  compose: string;
  env: string;
  images: string;
  outcome: RevisionOutcome;
  message: string;
  rollback_of: number | null;
  job_id: string | null;
  created_by: string;
  created_at: string;
  finished_at: string | null;
  git: string | null;
  deploy_trigger: string;
}

interface VariableRow {
  name: string;
  value: string | null;
  sealed_value: string | null;
}

export interface NewRevision {
  compose: string;
  env: string;
  createdBy: string;
  rollbackOf?: number;
  jobId?: string;
  git?: RevisionGit | null;
  trigger?: string;
}

export class StackStore {
  constructor(
    private readonly db: Database,
    private readonly box: SecretBox,
  ) {}

  async list(environmentId: number): Promise<StackRecord[]> {
    const rows = await this.db.all<StackRow>('SELECT * FROM stacks WHERE environment_id = ? ORDER BY name', [
      environmentId,
    ]);
    return rows.map(toStack);
  }

  async get(environmentId: number, name: string): Promise<StackRecord | undefined> {
    const row = await this.db.get<StackRow>('SELECT * FROM stacks WHERE environment_id = ? AND name = ?', [
      environmentId,
      name,
    ]);
    return row && toStack(row);
  }

  create(environmentId: number, name: string, origin: StackOrigin): Promise<StackRecord> {
    return this.db.transaction(async (tx) => {
      if (await tx.get('SELECT id FROM stacks WHERE environment_id = ? AND name = ?', [environmentId, name]))
        throw new StackNameTakenError(name);
      const now = new Date().toISOString();
      const row = await tx.get<StackRow>(
        `INSERT INTO stacks (environment_id, name, origin, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?) RETURNING *`,
        [environmentId, name, origin, now, now],
      );
      return toStack(row as StackRow);
    });
  }

  async remove(stackId: number): Promise<void> {
    await this.db.run('DELETE FROM stacks WHERE id = ?', [stackId]);
  }

  // --- revisions

  /** Newest first. */
  async revisions(stackId: number): Promise<StackRevision[]> {
    const rows = await this.db.all<RevisionRow>(
      'SELECT * FROM stack_revisions WHERE stack_id = ? ORDER BY number DESC',
      [stackId],
    );
    return rows.map(toRevision);
  }

  async revision(stackId: number, number: number): Promise<StackRevision | undefined> {
    const row = await this.db.get<RevisionRow>(
      'SELECT * FROM stack_revisions WHERE stack_id = ? AND number = ?',
      [stackId, number],
    );
    return row && toRevision(row);
  }

  /** The newest revision that ended deployed: what runs now. */
  async current(stackId: number): Promise<StackRevision | undefined> {
    const row = await this.db.get<RevisionRow>(
      `SELECT * FROM stack_revisions WHERE stack_id = ? AND outcome = 'deployed' ORDER BY number DESC LIMIT 1`,
      [stackId],
    );
    return row && toRevision(row);
  }

  /** Records a deploy about to run, numbered after the last one. */
  addRevision(stackId: number, revision: NewRevision): Promise<StackRevision> {
    return this.db.transaction(async (tx) => {
      const last = await tx.get<{ number: number | null }>(
        'SELECT MAX(number) AS number FROM stack_revisions WHERE stack_id = ?',
        [stackId],
      );
      const now = new Date().toISOString();
      const row = await tx.get<RevisionRow>(
        `INSERT INTO stack_revisions
           (stack_id, number, compose, env, images, outcome, message, rollback_of, job_id, created_by, created_at,
            git, deploy_trigger)
         VALUES (?, ?, ?, ?, '{}', 'deploying', '', ?, ?, ?, ?, ?, ?) RETURNING *`,
        [
          stackId,
          Number(last?.number ?? 0) + 1,
          revision.compose,
          revision.env,
          revision.rollbackOf ?? null,
          revision.jobId ?? null,
          revision.createdBy,
          now,
          revision.git ? JSON.stringify(revision.git) : null,
          revision.trigger ?? '',
        ],
      );
      await tx.run('UPDATE stacks SET updated_at = ? WHERE id = ?', [now, stackId]);
      return toRevision(row as RevisionRow);
    });
  }

  async setRevisionJob(stackId: number, number: number, jobId: string): Promise<void> {
    await this.db.run('UPDATE stack_revisions SET job_id = ? WHERE stack_id = ? AND number = ?', [
      jobId,
      stackId,
      number,
    ]);
  }

  async finishRevision(
    stackId: number,
    number: number,
    outcome: Exclude<RevisionOutcome, 'deploying'>,
    details: { message?: string; images?: Record<string, string> },
  ): Promise<void> {
    await this.db.run(
      `UPDATE stack_revisions SET outcome = ?, message = ?, images = COALESCE(?, images), finished_at = ?
       WHERE stack_id = ? AND number = ?`,
      [
        outcome,
        details.message ?? '',
        details.images ? JSON.stringify(details.images) : null,
        new Date().toISOString(),
        stackId,
        number,
      ],
    );
  }

  /**
   * Deploys that were running when Windflow stopped can no longer finish: they are marked
   * failed, so the history does not show them running forever.
   */
  async abandonUnfinished(): Promise<number> {
    const { changes } = await this.db.run(
      `UPDATE stack_revisions SET outcome = 'failed', message = ?, finished_at = ? WHERE outcome = 'deploying'`,
      ['Windflow stopped while this deploy ran', new Date().toISOString()],
    );
    return changes;
  }

  // --- variables

  async variables(stackId: number): Promise<StackVariable[]> {
    const rows = await this.db.all<VariableRow>(
      'SELECT name, value, sealed_value FROM stack_variables WHERE stack_id = ? ORDER BY name',
      [stackId],
    );
    return rows.map((row) => ({ name: row.name, secret: row.sealed_value !== null, value: row.value }));
  }

  /** The values opened, for interpolating a deploy only: never send them to a client. */
  async variableValues(stackId: number): Promise<Record<string, string>> {
    const rows = await this.db.all<VariableRow>(
      'SELECT name, value, sealed_value FROM stack_variables WHERE stack_id = ?',
      [stackId],
    );
    return Object.fromEntries(
      rows.map((row) => [
        row.name,
        row.sealed_value !== null ? this.box.decrypt(row.sealed_value) : (row.value ?? ''),
      ]),
    );
  }

  /**
   * Replaces the variables with `inputs`. A secret sent without a value keeps the one stored,
   * so a client that only ever saw it masked can save the list back unchanged.
   */
  replaceVariables(stackId: number, inputs: StackVariableInput[]): Promise<void> {
    return this.db.transaction(async (tx) => {
      const stored = new Map(
        (
          await tx.all<VariableRow>(
            'SELECT name, value, sealed_value FROM stack_variables WHERE stack_id = ?',
            [stackId],
          )
        ).map((row) => [row.name, row]),
      );
      await tx.run('DELETE FROM stack_variables WHERE stack_id = ?', [stackId]);
      for (const input of inputs) {
        const kept = stored.get(input.name);
        const sealed = input.secret
          ? input.value !== undefined
            ? this.box.encrypt(input.value)
            : (kept?.sealed_value ??
              (kept?.value != null ? this.box.encrypt(kept.value) : this.box.encrypt('')))
          : null;
        await tx.run(
          'INSERT INTO stack_variables (stack_id, name, value, sealed_value) VALUES (?, ?, ?, ?)',
          [stackId, input.name, input.secret ? null : (input.value ?? kept?.value ?? ''), sealed],
        );
      }
    });
  }
}

function toStack(row: StackRow): StackRecord {
  return {
    id: Number(row.id),
    environmentId: Number(row.environment_id),
    name: row.name,
    origin: row.origin,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toRevision(row: RevisionRow): StackRevision {
  return {
    number: Number(row.number),
    compose: row.compose,
    env: row.env,
    images: JSON.parse(row.images) as Record<string, string>,
    outcome: row.outcome,
    message: row.message,
    rollbackOf: row.rollback_of === null ? null : Number(row.rollback_of),
    jobId: row.job_id,
    createdBy: row.created_by,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    git: row.git ? (JSON.parse(row.git) as RevisionGit) : null,
    trigger: row.deploy_trigger ?? '',
  };
}
