// Writes every change made through the API to the audit log before the answer leaves: who, from
// where, on which environment and target, and how it ended. Public routes (login and the like)
// write their own entries, with details only they know.
import { Elysia } from 'elysia';
import type { Principal } from '../auth/principal.ts';
import type { Logger } from '../daemon/logger.ts';
import type { Job } from '../docker/views.ts';
import type { AuditLog } from '../store/audit-log.ts';
import type { Access } from './access.ts';
import { clientContext } from './client-context.ts';
import { describeError } from './errors.ts';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

interface AuditedContext {
  request: Request;
  route?: string;
  params?: unknown;
  server?: unknown;
  principal?: Principal;
}

export function auditTrail(
  audit: AuditLog,
  accessOf: (method: string, route: string) => Access | undefined,
  /** Who sent a request, also when it failed before access control ran (a body that does not parse). */
  principalOf: (request: Request) => Promise<Principal | undefined>,
) {
  const record = async (context: AuditedContext, status: number) => {
    const { request, route } = context;
    if (READS.has(request.method) || !route?.startsWith('/api/')) return;
    const access = accessOf(request.method, route);
    if (access === 'public') return;
    const principal = context.principal ?? (await principalOf(request).catch(() => undefined));
    const environmentId = route.startsWith('/api/environments/:id')
      ? Number((context.params as { id?: string }).id)
      : null;
    await audit.record({
      userId: principal?.userId ?? null,
      username: principal?.username ?? '',
      sourceIp: clientContext(request, context.server as never).sourceIp,
      environmentId: Number.isInteger(environmentId) ? environmentId : null,
      action:
        access && access !== 'authenticated' && access !== 'account' ? access : `${request.method} ${route}`,
      target: new URL(request.url).pathname,
      outcome: status < 400 ? 'success' : status === 401 || status === 403 ? 'denied' : 'failure',
      status,
      detail: '',
    });
  };
  return new Elysia({ name: 'audit-trail' })
    .onAfterHandle({ as: 'global' }, async (context) => {
      await record(
        context as AuditedContext,
        typeof context.set.status === 'number' ? context.set.status : 200,
      );
    })
    .onError({ as: 'global' }, async (context) => {
      await record(context as AuditedContext, describeError(context.error).status);
    });
}

/** Logins are public routes; they say themselves how each attempt went, in the audit log and the log. */
export function recordLogin(
  { audit, logger }: { audit: AuditLog; logger: Logger },
  context: { request: Request; server?: unknown },
  username: string,
  outcome: 'success' | 'failure',
  detail: string,
): Promise<void> {
  const { sourceIp } = clientContext(context.request, context.server as never);
  if (outcome === 'failure') logger.warn('login failed', { username, sourceIp, reason: detail });
  else logger.info('logged in', { username, sourceIp, how: detail });
  return audit.record({
    userId: null,
    username,
    sourceIp,
    environmentId: null,
    action: 'auth:login',
    target: username,
    outcome,
    status: outcome === 'success' ? 200 : 401,
    detail,
  });
}

/** An action that is not an HTTP change (a terminal session opening), told by its route. */
export function recordAction(
  audit: AuditLog,
  context: { request: Request; server?: unknown; principal?: Principal },
  entry: {
    environmentId: number;
    action: string;
    target: string;
    outcome: 'success' | 'failure';
    detail: string;
  },
): Promise<void> {
  return audit.record({
    userId: context.principal?.userId ?? null,
    username: context.principal?.username ?? '',
    sourceIp: clientContext(context.request, context.server as never).sourceIp,
    status: entry.outcome === 'success' ? 101 : 409,
    ...entry,
  });
}

/**
 * How a background job ended (its start was recorded with the request that started it). The
 * status reads like the HTTP answer it would have been: 503 for work a stop interrupted.
 */
export function recordJobEnd(audit: AuditLog, job: Job): Promise<void> {
  const status = job.status === 'succeeded' ? 200 : job.status === 'interrupted' ? 503 : 500;
  return audit.record({
    userId: job.startedBy?.userId ?? null,
    username: job.startedBy?.username ?? '',
    sourceIp: '',
    environmentId: job.environmentId,
    action: job.kind,
    target: job.target,
    outcome: job.status === 'succeeded' ? 'success' : 'failure',
    status,
    detail: `job ${job.id} ${job.status}${job.error ? `: ${job.error}` : ''}`,
  });
}
