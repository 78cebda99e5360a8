// Reading the audit log: search and filters for the UI, CSV and JSON for export.
import { Elysia, t } from 'elysia';
import type { AuditLog } from '../../store/audit-log.ts';
import type { AuditEntry } from '../../store/records.ts';
import type { AccessControl } from '../access.ts';
import { attachment } from '../attachment.ts';

const Filters = {
  text: t.Optional(t.String({ maxLength: 200 })),
  username: t.Optional(t.String({ maxLength: 64 })),
  action: t.Optional(t.String({ maxLength: 64 })),
  outcome: t.Optional(t.Union([t.Literal('success'), t.Literal('failure'), t.Literal('denied')])),
  environmentId: t.Optional(t.Integer({ minimum: 1 })),
  from: t.Optional(t.String({ format: 'date-time' })),
  to: t.Optional(t.String({ format: 'date-time' })),
};

const COLUMNS: (keyof AuditEntry)[] = [
  'id',
  'at',
  'username',
  'sourceIp',
  'environmentId',
  'action',
  'target',
  'outcome',
  'status',
  'detail',
];
const EXPORT_LIMIT = 100_000;

export function auditRoutes({ access, audit }: { access: AccessControl; audit: AuditLog }) {
  return new Elysia({ prefix: '/api/audit' })
    .use(access)
    .get('/', ({ query }) => audit.search(query), {
      access: 'audit:read',
      query: t.Object({
        ...Filters,
        limit: t.Optional(t.Integer({ minimum: 1, maximum: 500 })),
        offset: t.Optional(t.Integer({ minimum: 0 })),
      }),
      detail: { summary: 'Search the audit log, newest first', tags: ['audit'] },
    })
    .get(
      '/export',
      async ({ query }) => {
        const { format, ...filters } = query;
        const { entries } = await audit.search({ ...filters, limit: EXPORT_LIMIT });
        if (format === 'json')
          return attachment(JSON.stringify(entries), 'windflow-audit.json', 'application/json');
        const csv = [
          COLUMNS.join(','),
          ...entries.map((entry) => COLUMNS.map((column) => csvField(entry[column])).join(',')),
        ].join('\r\n');
        return attachment(csv, 'windflow-audit.csv', 'text/csv; charset=utf-8');
      },
      {
        access: 'audit:read',
        query: t.Object({ ...Filters, format: t.Union([t.Literal('csv'), t.Literal('json')]) }),
        detail: { summary: 'Download the matching entries as CSV or JSON', tags: ['audit'] },
      },
    );
}

/** RFC 4180 quoting, and a leading quote on formula-like text so spreadsheets do not run it. */
function csvField(value: unknown): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
