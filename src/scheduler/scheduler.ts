// The daemon's scheduler: recurring work kept in the store (schedules), run by croner in each
// schedule's time zone. Modules register the kinds of work (update checks, auto-updates, scans,
// clean-ups); a schedule names its kind, a cron expression and the kind's options.
// - One run at a time per schedule: a run claims the schedule in the store first, so a tick or a
//   "run now" that comes while it runs is refused, even from another process on the same store.
// - After a restart a schedule whose next run passed while Windflow was down runs once at start
//   (not once per missed tick); a run cut short by the stop is recorded as interrupted.
import { Cron } from 'croner';
import type { Permission } from '../auth/permissions.ts';
import type { Logger } from '../daemon/logger.ts';
import type { Schedule, ScheduleInput, ScheduleRunStatus } from '../store/records.ts';
import type { ScheduleChanges, ScheduleStore } from '../store/schedules.ts';

export interface ScheduleRunContext {
  schedule: Schedule;
  /** Aborted when Windflow stops. */
  signal: AbortSignal;
  logger: Logger;
}

export interface ScheduleKind {
  kind: string;
  /** For people: "Check for image updates". */
  label: string;
  /** What someone who creates or edits such a schedule must hold (on its environment, if any). */
  permission: Permission;
  /** Whether a schedule of this kind works on one environment. */
  environment: 'required' | 'none';
  /** Checks the options and returns them completed with defaults; throws ScheduleInputError. */
  parseOptions(options: Record<string, unknown>): Record<string, unknown>;
  /** Does the work; the answer is the run's one-line summary. */
  run(context: ScheduleRunContext): Promise<string>;
}

export class ScheduleInputError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type RunStart = 'started' | 'busy' | 'unknown';

export const DEFAULT_TIMEZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

export class Scheduler {
  private readonly kinds = new Map<string, ScheduleKind>();
  private readonly crons = new Map<number, Cron>();
  private readonly running = new Map<number, Promise<void>>();
  private readonly stopping = new AbortController();
  private started = false;

  constructor(
    private readonly store: ScheduleStore,
    private readonly logger: Logger,
  ) {}

  register(kind: ScheduleKind): void {
    if (this.kinds.has(kind.kind)) throw new Error(`schedule kind ${kind.kind} is registered twice`);
    this.kinds.set(kind.kind, kind);
  }

  kind(name: string): ScheduleKind | undefined {
    return this.kinds.get(name);
  }

  registeredKinds(): ScheduleKind[] {
    return [...this.kinds.values()];
  }

  /** Arms every enabled schedule and makes up, once, the runs missed while Windflow was down. */
  async start(): Promise<void> {
    this.started = true;
    const interrupted = new Set(await this.store.releaseInterrupted());
    const now = Date.now();
    for (const schedule of await this.store.list()) {
      if (!schedule.enabled || !this.kinds.has(schedule.kind)) continue;
      const missed = schedule.nextRunAt !== null && Date.parse(schedule.nextRunAt) <= now;
      await this.arm(schedule);
      if (missed || interrupted.has(schedule.id)) {
        this.logger.info('running a schedule missed while Windflow was down', {
          schedule: schedule.name,
          due: schedule.nextRunAt,
        });
        await this.runNow(schedule.id);
      }
    }
  }

  /** Stops the timers and aborts the runs under way, waiting for them to record how they ended. */
  async stop(): Promise<void> {
    this.started = false;
    for (const cron of this.crons.values()) cron.stop();
    this.crons.clear();
    this.stopping.abort(new Error('Windflow is shutting down'));
    await Promise.allSettled([...this.running.values()]);
  }

  /** Validates the input against its kind, stores the schedule and arms it. */
  async create(input: ScheduleInput): Promise<Schedule> {
    const kind = this.requireKind(input.kind);
    const complete: Required<ScheduleInput> = {
      kind: input.kind,
      name: input.name.trim(),
      cron: input.cron.trim(),
      timezone: input.timezone || DEFAULT_TIMEZONE,
      enabled: input.enabled ?? true,
      environmentId: kind.environment === 'none' ? null : (input.environmentId ?? null),
      options: kind.parseOptions(input.options ?? {}),
    };
    if (kind.environment === 'required' && complete.environmentId === null)
      throw new ScheduleInputError('ENVIRONMENT_REQUIRED', `A ${kind.label} schedule needs an environment`);
    const next = nextRun(complete.cron, complete.timezone);
    const schedule = await this.store.create(complete, complete.enabled ? next : null);
    await this.arm(schedule);
    return schedule;
  }

  async update(id: number, changes: ScheduleChanges): Promise<Schedule | undefined> {
    const current = await this.store.get(id);
    if (!current) return undefined;
    const kind = this.requireKind(current.kind);
    const next: Schedule = {
      ...current,
      name: changes.name?.trim() ?? current.name,
      cron: changes.cron?.trim() ?? current.cron,
      timezone: changes.timezone || current.timezone,
      enabled: changes.enabled ?? current.enabled,
      environmentId:
        kind.environment === 'none'
          ? null
          : changes.environmentId !== undefined
            ? changes.environmentId
            : current.environmentId,
      options: changes.options ? kind.parseOptions(changes.options) : current.options,
    };
    if (kind.environment === 'required' && next.environmentId === null)
      throw new ScheduleInputError('ENVIRONMENT_REQUIRED', `A ${kind.label} schedule needs an environment`);
    const upcoming = nextRun(next.cron, next.timezone);
    next.nextRunAt = next.enabled ? upcoming : null;
    const saved = await this.store.update(id, next);
    if (saved) await this.arm(saved);
    return saved;
  }

  async remove(id: number): Promise<boolean> {
    this.crons.get(id)?.stop();
    this.crons.delete(id);
    return this.store.remove(id);
  }

  /**
   * Starts a run in the background unless one is under way. `whenDone` (tests, the API's wait
   * option) resolves when it has been recorded.
   */
  async runNow(id: number): Promise<RunStart> {
    const schedule = await this.store.get(id);
    if (!schedule) return 'unknown';
    const kind = this.kinds.get(schedule.kind);
    if (!kind) return 'unknown';
    if (this.running.has(id)) return 'busy';
    const startedAt = new Date().toISOString();
    if (!(await this.store.claim(id, startedAt))) return 'busy';
    const run = this.execute(kind, { ...schedule, runningSince: startedAt }, startedAt).finally(() =>
      this.running.delete(id),
    );
    this.running.set(id, run);
    return 'started';
  }

  /** Resolves when the run of `id` under way (if any) has ended and been recorded. */
  async whenIdle(id: number): Promise<void> {
    await this.running.get(id);
  }

  isRunning(id: number): boolean {
    return this.running.has(id);
  }

  private async execute(kind: ScheduleKind, schedule: Schedule, startedAt: string): Promise<void> {
    const began = performance.now();
    const logger = this.logger.child({ schedule: schedule.name, kind: kind.kind });
    let status: ScheduleRunStatus = 'succeeded';
    let summary: string;
    try {
      summary = await kind.run({ schedule, signal: this.stopping.signal, logger });
    } catch (error) {
      status = this.stopping.signal.aborted ? 'interrupted' : 'failed';
      summary = error instanceof Error ? error.message : String(error);
      logger.warn('scheduled run failed', { error });
    }
    const cron = this.crons.get(schedule.id);
    const next = cron?.nextRun()?.toISOString() ?? null;
    await this.store
      .finish(
        schedule.id,
        { startedAt, status, summary, durationMs: Math.round(performance.now() - began) },
        next,
      )
      .catch((error: unknown) => logger.error('could not record a scheduled run', { error }));
  }

  private async arm(schedule: Schedule): Promise<void> {
    this.crons.get(schedule.id)?.stop();
    this.crons.delete(schedule.id);
    if (!this.started || !schedule.enabled) return;
    const cron = new Cron(schedule.cron, { timezone: schedule.timezone, protect: true }, () => {
      void this.runNow(schedule.id).then((outcome) => {
        if (outcome === 'busy')
          this.logger.info('skipped a tick: the previous run is still going', { schedule: schedule.name });
      });
    });
    this.crons.set(schedule.id, cron);
    if (!this.running.has(schedule.id))
      await this.store.setNextRun(schedule.id, cron.nextRun()?.toISOString() ?? null);
  }

  private requireKind(name: string): ScheduleKind {
    const kind = this.kinds.get(name);
    if (!kind) {
      const known = [...this.kinds.keys()].join(', ');
      throw new ScheduleInputError(
        'UNKNOWN_SCHEDULE_KIND',
        `There is no schedule kind "${name}"; known: ${known}`,
      );
    }
    return kind;
  }
}

/** The next time the expression fires in the zone; a clear error for a bad expression or zone. */
export function nextRun(expression: string, timezone: string): string | null {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw new ScheduleInputError(
      'INVALID_TIMEZONE',
      `"${timezone}" is not a time zone (try Europe/Paris or UTC)`,
    );
  }
  try {
    return new Cron(expression, { timezone, paused: true }).nextRun()?.toISOString() ?? null;
  } catch (error) {
    throw new ScheduleInputError(
      'INVALID_CRON',
      `"${expression}" is not a cron expression: ${(error as Error).message} (e.g. "0 4 * * *" for 04:00 daily)`,
    );
  }
}
