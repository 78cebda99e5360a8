// Hand-built Compose projects for the engine's tests, as the loader would give them: the engine
// is tested apart from the loader.
import { join } from 'node:path';
import type { ComposeProject, ServiceConfig } from '../docker/compose/model.ts';
import { testbed } from './testbed.ts';

const SECOND = 1_000_000_000;

export function projectOf(
  name: string,
  services: Record<string, Omit<ServiceConfig, 'name'>>,
  extra: Partial<ComposeProject> = {},
): ComposeProject {
  const named = Object.fromEntries(
    Object.entries(services).map(([key, service]) => [key, { name: key, ...service }]),
  );
  return {
    name,
    working_dir: import.meta.dir,
    config_files: [join(import.meta.dir, 'compose.yaml')],
    services: named,
    disabled_services: {},
    networks: { default: { name: `${name}_default` } },
    volumes: {},
    secrets: {},
    configs: {},
    profiles: [],
    environment: {},
    ...extra,
  };
}

/**
 * The three-service stack: a database with a healthcheck and a named volume, a web
 * service that waits for it to be healthy on a custom network, and an app built from
 * src/testing/compose-app.
 */
export function threeServiceProject(
  name: string,
  overrides: { webMessage?: string; dbRole?: string } = {},
): ComposeProject {
  const image = testbed().images.busybox;
  return projectOf(
    name,
    {
      db: {
        image,
        command: ['sh', '-c', 'touch /data/ready; sleep 3600'],
        environment: { ROLE: overrides.dbRole ?? 'db', FROM_ENV_FILE: 'yes' },
        volumes: [{ type: 'volume', source: 'data', target: '/data' }],
        networks: { back: null },
        healthcheck: {
          test: ['CMD-SHELL', 'test -f /data/ready'],
          interval: SECOND,
          timeout: SECOND,
          retries: 10,
        },
        stop_grace_period: SECOND,
      },
      web: {
        image,
        command: ['sleep', '3600'],
        environment: { MESSAGE: overrides.webMessage ?? 'hello' },
        depends_on: { db: { condition: 'service_healthy', restart: true, required: true } },
        networks: { back: { aliases: ['frontend'] }, default: null },
        ports: [{ target: 80, protocol: 'tcp', mode: 'ingress' }],
        stop_grace_period: SECOND,
      },
      app: {
        image: `windflow-test/${name}-app:latest`,
        build: { context: join(import.meta.dir, 'compose-app') },
        depends_on: { db: { condition: 'service_started', restart: false, required: true } },
        networks: { default: null },
        stop_grace_period: SECOND,
      },
    },
    {
      networks: { default: { name: `${name}_default` }, back: { name: `${name}_back` } },
      volumes: { data: { name: `${name}_data` } },
    },
  );
}
