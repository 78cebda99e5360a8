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

const StringMap = t.Record(t.String({ minLength: 1, maxLength: 256 }), t.String({ maxLength: 65_536 }));
const Port = t.Integer({ minimum: 1, maximum: 65_535 });

export const ContainerSpecSchema = t.Object(
  {
    image: t.String({ minLength: 1, maxLength: 512, error: 'choose an image, e.g. nginx:1.27' }),
    name: t.Optional(
      t.String({
        pattern: '^([A-Za-z0-9][A-Za-z0-9_.-]{0,127})?$',
        error:
          'a container name is 1-128 letters, digits, dots, dashes and underscores, starting with a letter or digit (or empty for a generated one)',
      }),
    ),
    command: t.Optional(t.Array(t.String())),
    entrypoint: t.Optional(t.Array(t.String())),
    env: StringMap,
    ports: t.Array(
      t.Object({
        containerPort: Port,
        protocol: t.Union([t.Literal('tcp'), t.Literal('udp')]),
        hostPort: t.Optional(t.Integer({ minimum: 0, maximum: 65_535, description: '0: any free port' })),
        hostIp: t.Optional(t.String({ maxLength: 64 })),
      }),
      { maxItems: 1000 },
    ),
    mounts: t.Array(
      t.Object({
        type: t.Union([t.Literal('bind'), t.Literal('volume')]),
        source: t.String({ minLength: 1, maxLength: 4096 }),
        target: t.String({
          pattern: '^/',
          maxLength: 4096,
          error: 'a mount target is an absolute path in the container',
        }),
        readOnly: t.Boolean(),
      }),
    ),
    networks: t.Array(
      t.Object({
        name: t.String({ minLength: 1, maxLength: 256 }),
        aliases: t.Array(t.String({ minLength: 1, maxLength: 253 })),
        ipv4Address: t.Optional(t.String({ format: 'ipv4', error: 'a fixed address is an IPv4 address' })),
      }),
    ),
    restartPolicy: t.Union([
      t.Literal('no'),
      t.Literal('always'),
      t.Literal('unless-stopped'),
      t.Literal('on-failure'),
    ]),
    maxRetries: t.Optional(t.Integer({ minimum: 0 })),
    labels: StringMap,
    memory: t.Optional(t.String({ maxLength: 32, description: 'e.g. 512m or 1g; empty for no limit' })),
    cpus: t.Optional(t.Number({ exclusiveMinimum: 0, maximum: 1024 })),
    user: t.Optional(t.String({ maxLength: 256 })),
    workingDir: t.Optional(t.String({ maxLength: 4096 })),
    hostname: t.Optional(t.String({ maxLength: 253 })),
    privileged: t.Boolean(),
    capAdd: t.Array(t.String({ pattern: '^[A-Z_]+$', error: 'capabilities are names like NET_ADMIN' })),
    capDrop: t.Array(t.String({ pattern: '^[A-Z_]+$', error: 'capabilities are names like NET_ADMIN' })),
    tty: t.Boolean(),
    healthcheck: t.Optional(
      t.Object({
        command: t.String({ minLength: 1 }),
        intervalSeconds: t.Optional(t.Number({ minimum: 0 })),
        timeoutSeconds: t.Optional(t.Number({ minimum: 0 })),
        retries: t.Optional(t.Integer({ minimum: 0 })),
        startPeriodSeconds: t.Optional(t.Number({ minimum: 0 })),
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
