// Schemas for the container routes: the form's spec, a list row, the path parameters.
import { t } from 'elysia';

export const ContainerName = t.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$',
  error:
    'a container name is 1-128 letters, digits, dots, dashes and underscores, starting with a letter or digit',
});

export const ContainerIdParams = t.Object({
  id: t.Integer({ minimum: 1 }),
  containerId: t.String({
    pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$',
    error: 'a container is named by its id or name',
  }),
});

/** One line of text: no control characters (a newline in a hostname would reach /etc/hosts). */
const SINGLE_LINE = '^[^\\x00-\\x1f\\x7f]*$';
/** Free text may span lines but never hold a NUL, which the kernel cannot pass to a process. */
const NO_NUL = '^[^\\x00]*$';
const Text = (options: { minLength?: number; maxLength: number; error?: string }) =>
  t.String({ pattern: NO_NUL, ...options });
const Line = (options: { minLength?: number; maxLength: number; error?: string }) =>
  t.String({ pattern: SINGLE_LINE, ...options });

const StringMap = t.Record(
  Line({ minLength: 1, maxLength: 256, error: 'a name is one line of text' }),
  Text({ maxLength: 65_536, error: 'a value may not contain a NUL character' }),
  { additionalProperties: false, error: 'names are one line of text; values hold no NUL character' },
);
const EnvMap = t.Record(
  t.String({
    minLength: 1,
    maxLength: 256,
    pattern: '^[^=\\x00-\\x1f\\x7f]+$',
    error: 'an environment variable name is one line without "=", e.g. LOG_LEVEL',
  }),
  Text({ maxLength: 65_536, error: 'an environment value may not contain a NUL character' }),
  {
    additionalProperties: false,
    error: 'an environment variable name is one line without "=" (e.g. LOG_LEVEL); a value holds no NUL',
  },
);
const Arguments = t.Array(Text({ maxLength: 65_536, error: 'an argument may not contain a NUL character' }), {
  maxItems: 1000,
});
const Port = t.Integer({ minimum: 1, maximum: 65_535 });
/** Longest healthcheck period: the Engine counts nanoseconds in an int64. */
const Seconds = t.Optional(t.Number({ minimum: 0, maximum: 31_536_000, description: 'at most a year' }));

export const ContainerSpecSchema = t.Object(
  {
    image: t.String({
      minLength: 1,
      maxLength: 512,
      pattern: '^[^\\s\\x00-\\x1f\\x7f]+$',
      error: 'choose an image, e.g. nginx:1.27',
    }),
    name: t.Optional(
      t.String({
        pattern: '^([A-Za-z0-9][A-Za-z0-9_.-]{0,127})?$',
        error:
          'a container name is 1-128 letters, digits, dots, dashes and underscores, starting with a letter or digit (or empty for a generated one)',
      }),
    ),
    command: t.Optional(Arguments),
    entrypoint: t.Optional(Arguments),
    env: EnvMap,
    ports: t.Array(
      t.Object({
        containerPort: Port,
        protocol: t.Union([t.Literal('tcp'), t.Literal('udp')]),
        hostPort: t.Optional(t.Integer({ minimum: 0, maximum: 65_535, description: '0: any free port' })),
        hostIp: t.Optional(
          t.String({
            maxLength: 64,
            pattern: '^[0-9A-Fa-f.:]*$',
            error: 'a host IP is an IPv4 or IPv6 address',
          }),
        ),
      }),
      { maxItems: 1000 },
    ),
    mounts: t.Array(
      t.Object({
        type: t.Union([t.Literal('bind'), t.Literal('volume')]),
        source: Line({
          minLength: 1,
          maxLength: 4096,
          error: 'a mount source is an absolute host path or a volume name, on one line',
        }),
        target: t.String({
          pattern: '^/[^\\x00-\\x1f\\x7f]*$',
          maxLength: 4096,
          error: 'a mount target is an absolute path in the container, on one line',
        }),
        readOnly: t.Boolean(),
      }),
    ),
    networks: t.Array(
      t.Object({
        name: Line({ minLength: 1, maxLength: 256 }),
        aliases: t.Array(Line({ minLength: 1, maxLength: 253 })),
        ipv4Address: t.Optional(t.String({ format: 'ipv4', error: 'a fixed address is an IPv4 address' })),
      }),
    ),
    restartPolicy: t.Union([
      t.Literal('no'),
      t.Literal('always'),
      t.Literal('unless-stopped'),
      t.Literal('on-failure'),
    ]),
    maxRetries: t.Optional(t.Integer({ minimum: 0, maximum: 1_000_000 })),
    labels: StringMap,
    memory: t.Optional(
      t.String({ maxLength: 32, pattern: SINGLE_LINE, description: 'e.g. 512m or 1g; empty for no limit' }),
    ),
    cpus: t.Optional(t.Number({ exclusiveMinimum: 0, maximum: 1024 })),
    user: t.Optional(Line({ maxLength: 256, error: 'a user is one line, e.g. 1000:1000 or www-data' })),
    workingDir: t.Optional(
      t.String({
        pattern: '^(/[^\\x00-\\x1f\\x7f]*)?$',
        maxLength: 4096,
        error: 'a working directory is an absolute path in the container, on one line',
      }),
    ),
    hostname: t.Optional(
      t.String({
        pattern: '^([A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?)?$',
        maxLength: 253,
        error: 'a hostname is letters, digits, dots, dashes and underscores, e.g. web-1.internal',
      }),
    ),
    privileged: t.Boolean(),
    capAdd: t.Array(t.String({ pattern: '^[A-Z_]+$', error: 'capabilities are names like NET_ADMIN' })),
    capDrop: t.Array(t.String({ pattern: '^[A-Z_]+$', error: 'capabilities are names like NET_ADMIN' })),
    tty: t.Boolean(),
    healthcheck: t.Optional(
      t.Object({
        command: Text({ minLength: 1, maxLength: 65_536 }),
        intervalSeconds: Seconds,
        timeoutSeconds: Seconds,
        retries: t.Optional(t.Integer({ minimum: 0, maximum: 1_000_000 })),
        startPeriodSeconds: Seconds,
      }),
    ),
  },
  { title: 'ContainerSpec' },
);

export const ContainerViewSchema = t.Object(
  {
    id: t.String(),
    name: t.String(),
    image: t.String(),
    imageId: t.String(),
    state: t.String(),
    health: t.Optional(t.String()),
    status: t.String(),
    ports: t.Array(
      t.Object({
        privatePort: t.Integer(),
        publicPort: t.Optional(t.Integer()),
        ip: t.Optional(t.String()),
        protocol: t.String(),
      }),
    ),
    project: t.Optional(t.String()),
    labels: t.Record(t.String(), t.String()),
    networks: t.Array(t.String()),
    createdAt: t.String(),
  },
  { title: 'Container' },
);
