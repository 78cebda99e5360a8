// The loader end to end on in-memory files: normal forms, precedence of variables, project names,
// several files with overrides and !reset/!override, extends, include, profiles, env_file, and the
// bad inputs a stack editor will send (invalid YAML, unknown keys, `${VAR:?}`, 10 MB), each a
// ComposeError with a stable code naming the file, line and key.
import { describe, expect, test } from 'bun:test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ComposeError } from './errors.ts';
import { type LoadOptions, loadProject, MAX_COMPOSE_FILE_BYTES } from './load.ts';

const DIR = '/srv/stacks/demo';

/** Loads with files served from `files` (absolute path → content) instead of the disk. */
function load(files: Record<string, string>, options: Partial<LoadOptions> = {}) {
  return loadProject({
    workingDir: DIR,
    files: [{ path: 'compose.yaml' }],
    homeDir: '/home/op',
    readFile: async (path) => files[path],
    ...options,
  });
}

async function failure(promise: Promise<unknown>): Promise<ComposeError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ComposeError);
    return error as ComposeError;
  }
  throw new Error('expected a ComposeError');
}

describe('normal forms', () => {
  test('short ports, volumes and devices become the long form; binds are absolute', async () => {
    const project = await load({
      [`${DIR}/compose.yaml`]: `
services:
  web:
    image: nginx
    ports: ["8080:80", "127.0.0.1:9000-9001:9000-9001/udp", 3000, "[::1]:53:53/UDP"]
    volumes: ["./data:/data:ro", "~/conf:/conf:z", "cache:/cache:nocopy", "/anon", "../up/./x:/x/../y"]
    devices: ["/dev/fuse", "/dev/a:/dev/b:r"]
volumes:
  cache: {}
`,
    });
    const web = project.services.web;
    expect(web?.ports).toEqual([
      { mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' },
      { mode: 'ingress', host_ip: '127.0.0.1', target: 9000, published: '9000', protocol: 'udp' },
      { mode: 'ingress', host_ip: '127.0.0.1', target: 9001, published: '9001', protocol: 'udp' },
      { mode: 'ingress', target: 3000, protocol: 'tcp' },
      { mode: 'ingress', host_ip: '::1', target: 53, published: '53', protocol: 'udp' },
    ]);
    expect(web?.volumes).toEqual([
      {
        type: 'bind',
        source: `${DIR}/data`,
        target: '/data',
        read_only: true,
        bind: { create_host_path: true },
      },
      {
        type: 'bind',
        source: '/home/op/conf',
        target: '/conf',
        bind: { create_host_path: true, selinux: 'z' },
      },
      { type: 'volume', source: 'cache', target: '/cache', volume: { nocopy: true } },
      { type: 'volume', target: '/anon', volume: {} },
      { type: 'bind', source: '/srv/stacks/up/x', target: '/y', bind: { create_host_path: true } },
    ]);
    expect(web?.devices).toEqual([
      { source: '/dev/fuse', target: '/dev/fuse', permissions: 'rwm' },
      { source: '/dev/a', target: '/dev/b', permissions: 'r' },
    ]);
    expect(project.volumes.cache?.name).toBe('demo_cache');
  });

  test('the default network is added only when a service uses default networking', async () => {
    const custom = await load({
      [`${DIR}/compose.yaml`]: `
services:
  a: {image: x, networks: [back]}
  b: {image: x, network_mode: host}
networks:
  back: {}
`,
    });
    expect(Object.keys(custom.networks)).toEqual(['back']);
    expect(custom.networks.back?.name).toBe('demo_back');
    const implicit = await load({ [`${DIR}/compose.yaml`]: 'services:\n  a: {image: x}\n' });
    expect(implicit.networks).toEqual({ default: { name: 'demo_default' } });
    expect(implicit.services.a?.networks).toEqual({ default: null });
  });

  test('command strings split like a shell; durations, sizes and healthchecks are parsed', async () => {
    const project = await load({
      [`${DIR}/compose.yaml`]: `
services:
  a:
    image: x
    command: sh -c 'echo "a b" && sleep 1'
    entrypoint: []
    stop_grace_period: 1m30s
    shm_size: 64m
    mem_limit: 1.5g
    healthcheck: {test: curl -f http://localhost, interval: 500ms, retries: 0, start_period: 2h}
    ulimits: {nofile: {soft: 1024, hard: 2048}, nproc: 65535}
    extra_hosts: ["db:10.0.0.2", "v6=::1", "multi=1.1.1.1,2.2.2.2"]
    environment: [A=1, B=, C]
    labels: {n: 1, t: true}
`,
    });
    const a = project.services.a;
    expect(a?.command).toEqual(['sh', '-c', 'echo "a b" && sleep 1']);
    expect(a?.entrypoint).toEqual([]);
    expect(a?.stop_grace_period).toBe(90e9);
    expect(a?.shm_size).toBe(64 * 1024 ** 2);
    expect(a?.mem_limit).toBe(Math.trunc(1.5 * 1024 ** 3));
    expect(a?.healthcheck).toEqual({
      test: ['CMD-SHELL', 'curl -f http://localhost'],
      interval: 5e8,
      retries: 0,
      start_period: 7200e9,
    });
    expect(a?.ulimits).toEqual({ nofile: { soft: 1024, hard: 2048 }, nproc: { single: 65535 } });
    expect(a?.extra_hosts).toEqual({ db: ['10.0.0.2'], v6: ['::1'], multi: ['1.1.1.1', '2.2.2.2'] });
    expect(a?.environment).toEqual({ A: '1', B: '', C: null });
    expect(a?.labels).toEqual({ n: '1', t: 'true' });
  });

  test('implicit depends_on from links, volumes_from and network_mode: service:x', async () => {
    const project = await load({
      [`${DIR}/compose.yaml`]: `
services:
  db: {image: x}
  cache: {image: x}
  vpn: {image: x}
  app:
    image: x
    links: ["db:database"]
    volumes_from: ["cache:ro", "container:other"]
    network_mode: service:vpn
    depends_on: {db: {condition: service_healthy}}
`,
    });
    expect(project.services.app?.depends_on).toEqual({
      db: { condition: 'service_healthy', restart: false, required: true },
      cache: { condition: 'service_started', restart: false, required: true },
      vpn: { condition: 'service_started', restart: true, required: true },
    });
  });

  test('build gets its defaults and an absolute context', async () => {
    const project = await load(
      {
        [`${DIR}/compose.yaml`]:
          'services:\n  b: {build: ./app}\n  c: {build: {context: ., target: prod, args: [A, B=2]}}\n',
      },
      { variables: { A: 'from-vars' } },
    );
    expect(project.services.b?.build).toEqual({ context: `${DIR}/app`, dockerfile: 'Dockerfile' });
    expect(project.services.c?.build).toEqual({
      context: DIR,
      dockerfile: 'Dockerfile',
      target: 'prod',
      args: { A: 'from-vars', B: '2' },
    });
  });
});

describe('variables and .env', () => {
  const compose = `
services:
  a:
    image: "busybox:\${TAG:-latest}"
    environment:
      FROM_ENV: \${FROM_ENV}
      ONLY_DEFAULT: \${NOWHERE-fallback}
      PASSED:
    labels:
      dollar: "$$HOME"
`;

  test('stack variables win over the .env file, which wins over defaults', async () => {
    const project = await load(
      {
        [`${DIR}/compose.yaml`]: compose,
        [`${DIR}/.env`]: 'TAG=1.36\nFROM_ENV="dotenv ${TAG}"\nPASSED=from-dotenv\n',
      },
      { variables: { TAG: '1.37' } },
    );
    const a = project.services.a;
    expect(a?.image).toBe('busybox:1.37');
    // The .env file itself is interpolated with the stack variables first.
    expect(a?.environment).toEqual({
      FROM_ENV: 'dotenv 1.37',
      ONLY_DEFAULT: 'fallback',
      PASSED: 'from-dotenv',
    });
    expect(a?.labels).toEqual({ dollar: '$HOME' });
    expect(project.environment.TAG).toBe('1.37');
  });

  test('an obsolete version key is dropped with a warning', async () => {
    const project = await load({ [`${DIR}/compose.yaml`]: 'version: "3.8"\nservices:\n  a: {image: x}\n' });
    expect(project.warnings).toEqual([
      `${DIR}/compose.yaml: the attribute \`version\` is obsolete, it will be ignored, please remove it to avoid potential confusion`,
    ]);
  });

  test('without variables or .env, defaults apply and unset variables are reported', async () => {
    const project = await load({ [`${DIR}/compose.yaml`]: compose });
    expect(project.services.a?.image).toBe('busybox:latest');
    expect(project.services.a?.environment).toEqual({ FROM_ENV: '', ONLY_DEFAULT: 'fallback', PASSED: null });
    expect(project.warnings).toContain('The "FROM_ENV" variable is not set. Defaulting to a blank string.');
  });

  test('${VAR:?message} names the variable, the message, the file, line and key', async () => {
    const error = await failure(
      load({
        [`${DIR}/compose.yaml`]:
          'services:\n  a:\n    image: x\n    environment:\n      P: ${PASSWORD:?set a password}\n',
      }),
    );
    expect(error.code).toBe('compose_variable_required');
    expect(error.message).toContain('required variable PASSWORD is missing a value: set a password');
    expect(error.location).toMatchObject({
      file: `${DIR}/compose.yaml`,
      line: 5,
      key: 'services.a.environment.P',
    });
  });

  test('an invalid template is refused with its location', async () => {
    const error = await failure(load({ [`${DIR}/compose.yaml`]: 'services:\n  a:\n    image: ${ bad}\n' }));
    expect(error.code).toBe('compose_interpolation_invalid');
    expect(error.location).toMatchObject({ line: 3, key: 'services.a.image' });
  });

  test('values cast back to numbers and booleans after interpolation', async () => {
    const project = await load(
      { [`${DIR}/compose.yaml`]: 'services:\n  a:\n    image: x\n    scale: ${N}\n    read_only: ${RO}\n' },
      { variables: { N: '3', RO: 'yes' } },
    );
    expect(project.services.a?.scale).toBe(3);
    expect(project.services.a?.read_only).toBe(true);
  });

  test('env_file: required, optional, raw format, and the service environment winning', async () => {
    const project = await load({
      [`${DIR}/compose.yaml`]: `
services:
  a:
    image: x
    env_file:
      - app.env
      - {path: missing.env, required: false}
      - {path: raw.env, format: raw}
    environment: {OVERRIDE: service}
`,
      [`${DIR}/app.env`]: 'export APP=1\nOVERRIDE=file\nQUOTED="a\\nb"\n',
      [`${DIR}/raw.env`]: 'RAW="kept $AS is"\n',
    });
    expect(project.services.a?.environment).toEqual({
      APP: '1',
      OVERRIDE: 'service',
      QUOTED: 'a\nb',
      RAW: '"kept $AS is"',
    });
    const error = await failure(
      load({ [`${DIR}/compose.yaml`]: 'services:\n  a:\n    image: x\n    env_file: nope.env\n' }),
    );
    expect(error.code).toBe('compose_file_not_found');
    expect(error.message).toContain(`${DIR}/nope.env`);
  });

  test('a malformed .env names the file and line', async () => {
    const error = await failure(
      load({ [`${DIR}/compose.yaml`]: 'services:\n  a: {image: x}\n', [`${DIR}/.env`]: 'A=1\nB C=2\n' }),
    );
    expect(error.code).toBe('compose_dotenv_invalid');
    expect(error.message).toContain('line 2: key cannot contain a space');
    expect(error.location.file).toBe(`${DIR}/.env`);
  });
});

describe('project name', () => {
  const files = { [`${DIR}/compose.yaml`]: 'services:\n  a: {image: x}\n' };

  test('explicit name, then the name: key (interpolated, normalised), then the folder', async () => {
    expect((await load(files, { projectName: 'my_stack-1' })).name).toBe('my_stack-1');
    const named = { [`${DIR}/compose.yaml`]: 'name: "${P:-My.Project}"\nservices:\n  a: {image: x}\n' };
    expect((await load(named)).name).toBe('myproject');
    expect((await load(named, { projectName: 'explicit' })).name).toBe('explicit');
    expect((await load(files)).name).toBe('demo');
    const inline = [{ path: 'compose.yaml', content: files[`${DIR}/compose.yaml`] }];
    expect((await load({}, { workingDir: '/srv/_Some.Dir', files: inline })).name).toBe('somedir');
  });

  test('an explicit name with capitals or dots is refused; a folder with no usable letter too', async () => {
    for (const bad of ['MyStack', 'my.stack', '-x', '']) {
      const error = await failure(load(files, { projectName: bad }));
      expect(error.code).toBe('compose_project_name_invalid');
    }
    const error = await failure(
      load({ '/srv/_-/compose.yaml': files[`${DIR}/compose.yaml`] as string }, { workingDir: '/srv/_-' }),
    );
    expect(error.code).toBe('compose_project_name_invalid');
  });

  test('COMPOSE_PROJECT_NAME from the variables or .env names the project unless a name is given', async () => {
    expect((await load(files, { variables: { COMPOSE_PROJECT_NAME: 'from-vars' } })).name).toBe('from-vars');
    const dotenv = { ...files, [`${DIR}/.env`]: 'COMPOSE_PROJECT_NAME=from-dotenv\n' };
    expect((await load(dotenv)).name).toBe('from-dotenv');
    expect((await load(dotenv, { projectName: 'given' })).name).toBe('given');
    const bad = await failure(load(files, { variables: { COMPOSE_PROJECT_NAME: 'Bad.Name' } }));
    expect(bad.code).toBe('compose_project_name_invalid');
  });

  test('COMPOSE_PROJECT_NAME is available to interpolation', async () => {
    const project = await load({
      [`${DIR}/compose.yaml`]: 'services:\n  a: {image: x, hostname: "${COMPOSE_PROJECT_NAME}-a"}\n',
    });
    expect(project.services.a?.hostname).toBe('demo-a');
  });
});

describe('several files, extends, include, profiles', () => {
  test('an override file merges with compose rules, !reset and !override', async () => {
    const project = await load(
      {
        [`${DIR}/compose.yaml`]: `
services:
  web:
    image: nginx:1
    command: [nginx, -g, daemon off;]
    ports: ["80:80", "443:443"]
    environment: {A: "1", B: "2"}
    labels: [keep=1, drop=1]
    volumes: [data:/data]
    dns: [1.1.1.1]
volumes:
  data: {}
`,
        [`${DIR}/compose.override.yaml`]: `
services:
  web:
    image: nginx:2
    command: nginx-debug
    ports: ["8443:443"]
    environment: [B=3, C=4]
    labels: !override [only=1]
    dns: !reset []
    volumes: ["./other:/data"]
`,
      },
      { files: [{ path: 'compose.yaml' }, { path: 'compose.override.yaml' }] },
    );
    const web = project.services.web;
    expect(web?.image).toBe('nginx:2');
    expect(web?.command).toEqual(['nginx-debug']);
    expect(web?.ports?.map((p) => `${p.published}:${p.target}`)).toEqual(['80:80', '443:443', '8443:443']);
    expect(web?.environment).toEqual({ A: '1', B: '3', C: '4' });
    expect(web?.labels).toEqual({ only: '1' });
    expect(web?.dns).toBeUndefined();
    expect(web?.volumes).toEqual([
      { type: 'bind', source: `${DIR}/other`, target: '/data', bind: { create_host_path: true } },
    ]);
    expect(project.config_files).toEqual([`${DIR}/compose.yaml`, `${DIR}/compose.override.yaml`]);
  });

  test("compose-go's Test_LoadWithReset and Test_DuplicateReset", async () => {
    const project = await load(
      {
        [`${DIR}/base.yml`]:
          'name: test\nservices:\n  foo:\n    build:\n      context: .\n      dockerfile: foo.Dockerfile\n    environment:\n      FOO: BAR',
        [`${DIR}/override.yml`]:
          'services:\n  foo:\n    image: foo\n    build: !reset  \n    environment:\n      FOO: !reset\n',
      },
      { files: [{ path: 'base.yml' }, { path: 'override.yml' }] },
    );
    expect(project.services.foo).toEqual({
      name: 'foo',
      image: 'foo',
      environment: {},
      networks: { default: null },
    });
    const duplicate = await failure(
      load({
        [`${DIR}/compose.yaml`]:
          'name: test\nservices:\n  foo:\n    command: hello\n    command: !reset hello world\n',
      }),
    );
    expect(duplicate.code).toBe('compose_yaml_invalid');
    expect(duplicate.location.line).toBe(5);
  });

  test('extends a service of the same file and of another file, paths relative to that file', async () => {
    const project = await load({
      [`${DIR}/compose.yaml`]: `
services:
  base: {image: busybox, environment: {A: "1"}, labels: [x=1]}
  child:
    extends: base
    environment: {B: "2"}
  remote:
    extends: {file: common/base.yaml, service: worker}
    command: run
`,
      [`${DIR}/common/base.yaml`]: `
services:
  root: {image: alpine, volumes: ["./cache:/cache"]}
  worker:
    extends: root
    command: idle
    env_file: worker.env
`,
      [`${DIR}/common/worker.env`]: 'W=1\n',
    });
    expect(project.services.child?.environment).toEqual({ A: '1', B: '2' });
    expect(project.services.child?.labels).toEqual({ x: '1' });
    const remote = project.services.remote;
    expect(remote?.image).toBe('alpine');
    expect(remote?.command).toEqual(['run']);
    expect(remote?.volumes?.[0]?.source).toBe(`${DIR}/common/cache`);
    expect(remote?.environment).toEqual({ W: '1' });
    const error = await failure(load({ [`${DIR}/compose.yaml`]: 'services:\n  a: {extends: nowhere}\n' }));
    expect(error.code).toBe('compose_invalid');
    expect(error.message).toContain('service "nowhere" not found');
    const cycle = await failure(
      load({ [`${DIR}/compose.yaml`]: 'services:\n  a: {extends: b, image: x}\n  b: {extends: a}\n' }),
    );
    expect(cycle.message).toContain('circular reference');
  });

  test("!reset and !override reach what extends and include bring (compose-go's TestExtendsReset, TestLoadWithMultipleIncludeConflict)", async () => {
    const extended = await load({
      [`${DIR}/compose.yaml`]:
        'services:\n  test:\n    extends: {file: reset.yaml, service: base}\n  child:\n    extends: init\n    ports: !reset []\n  init: {image: x, ports: ["80:80"]}\n',
      [`${DIR}/reset.yaml`]:
        'services:\n  init:\n    image: alpine:latest\n    command: "sleep infinity"\n  base:\n    extends: { service: init }\n    command: !reset\n',
    });
    expect(extended.services.test?.command).toBeUndefined();
    expect(extended.services.test?.image).toBe('alpine:latest');
    expect(extended.services.child?.ports).toBeUndefined();
    const included = await load({
      [`${DIR}/compose.yaml`]:
        'include: [other.yaml]\nservices:\n  bar:\n    image: busybox\n    environment: !override\n      - ZOT=QIX\n',
      [`${DIR}/other.yaml`]: 'services:\n  bar:\n    image: other\n    environment: [FROM=include]\n',
    });
    expect(included.services.bar?.image).toBe('busybox');
    expect(included.services.bar?.environment).toEqual({ ZOT: 'QIX' });
  });

  test('include brings another project in, with its own directory and .env; cycles are refused', async () => {
    const project = await load({
      [`${DIR}/compose.yaml`]: `
include:
  - db/compose.yaml
services:
  app: {image: app, depends_on: [db]}
`,
      [`${DIR}/db/compose.yaml`]: `
services:
  db:
    image: "postgres:\${PG}"
    volumes: ["./data:/var/lib/postgresql/data", "pg:/x"]
volumes:
  pg: {}
`,
      [`${DIR}/db/.env`]: 'PG=16\n',
    });
    expect(project.services.db?.image).toBe('postgres:16');
    expect(project.services.db?.volumes?.[0]?.source).toBe(`${DIR}/db/data`);
    expect(project.volumes.pg?.name).toBe('demo_pg');
    const cycle = await failure(
      load({
        [`${DIR}/compose.yaml`]: 'include: [a.yaml]\nservices:\n  x: {image: x}\n',
        [`${DIR}/a.yaml`]: 'include: [compose.yaml]\nservices:\n  y: {image: y}\n',
      }),
    );
    expect(cycle.message).toContain('include cycle detected');
  });

  test('profiles: services with a profile run only when it is active; "*" activates all', async () => {
    const files = {
      [`${DIR}/compose.yaml`]: `
services:
  app: {image: x}
  debug: {image: x, profiles: [debug]}
  tools: {image: x, profiles: [tools, debug]}
`,
    };
    const none = await load(files);
    expect(Object.keys(none.services)).toEqual(['app']);
    expect(Object.keys(none.disabled_services).sort()).toEqual(['debug', 'tools']);
    expect(Object.keys((await load(files, { profiles: ['tools'] })).services)).toEqual(['app', 'tools']);
    expect(
      Object.keys((await load(files, { variables: { COMPOSE_PROFILES: 'debug' } })).services).sort(),
    ).toEqual(['app', 'debug', 'tools']);
    expect(Object.keys((await load(files, { profiles: ['*'] })).services)).toHaveLength(3);
  });
});

describe('bad input', () => {
  test("an alias bomb is refused (compose-go's TestAliasBombPrevented B9_N9)", async () => {
    const letters = 'abcdefghij';
    const lines = ['x-a: &a {k: v}'];
    for (let i = 1; i < letters.length; i++) {
      const previous = letters[i - 1];
      lines.push(`x-${letters[i]}: &${letters[i]} [${Array(9).fill(`*${previous}`).join(', ')}]`);
    }
    const error = await failure(
      load({
        [`${DIR}/compose.yaml`]: `name: test\n${lines.join('\n')}\nservices:\n  svc:\n    image: alpine\n`,
      }),
    );
    expect(error.code).toBe('compose_yaml_invalid');
    expect(error.message).toContain('alias');
  });

  test('invalid YAML names the file and line', async () => {
    const error = await failure(load({ [`${DIR}/compose.yaml`]: 'services:\n  a:\n    image: [x\n' }));
    expect(error.code).toBe('compose_yaml_invalid');
    expect(error.location.file).toBe(`${DIR}/compose.yaml`);
    expect(error.location.line).toBeGreaterThan(0);
    const duplicate = await failure(
      load({ [`${DIR}/compose.yaml`]: 'services:\n  a: {image: x}\n  a: {image: y}\n' }),
    );
    expect(duplicate.code).toBe('compose_yaml_invalid');
    expect(duplicate.location.line).toBe(3);
  });

  test('an unknown key is a schema error naming the file, line and key', async () => {
    const error = await failure(
      load({ [`${DIR}/compose.yaml`]: 'services:\n  web:\n    image: nginx\n    restrat: always\n' }),
    );
    expect(error.code).toBe('compose_schema_invalid');
    expect(error.location).toEqual({
      file: `${DIR}/compose.yaml`,
      line: 4,
      column: 5,
      key: 'services.web.restrat',
    });
    expect(error.message).toBe("additional property 'restrat' is not allowed");
    expect(error.toString()).toBe(
      `${DIR}/compose.yaml:4:5: services.web.restrat: additional property 'restrat' is not allowed`,
    );
  });

  test('a wrong type or value is a schema error at its key', async () => {
    const error = await failure(
      load({ [`${DIR}/compose.yaml`]: 'services:\n  web:\n    image: nginx\n    privileged: [yes]\n' }),
    );
    expect(error.code).toBe('compose_schema_invalid');
    expect(error.location).toMatchObject({ line: 4, key: 'services.web.privileged' });
    const condition = await failure(
      load({
        [`${DIR}/compose.yaml`]:
          'services:\n  a: {image: x}\n  web:\n    image: nginx\n    depends_on:\n      a: {condition: service_ready}\n',
      }),
    );
    expect(condition.code).toBe('compose_schema_invalid');
    expect(condition.location.key).toBe('services.web.depends_on.a.condition');
  });

  test('a file over 10 MB is refused before parsing', async () => {
    const huge = `services:\n  a:\n    image: x\n    labels:\n      big: "${'x'.repeat(MAX_COMPOSE_FILE_BYTES)}"\n`;
    const error = await failure(load({ [`${DIR}/compose.yaml`]: huge }));
    expect(error.code).toBe('compose_too_large');
    expect(error.location.file).toBe(`${DIR}/compose.yaml`);
  });

  test('inconsistencies are refused with where they are', async () => {
    const cases: Array<[string, string, string]> = [
      ['services:\n  a: {}\n', 'neither an image nor a build context', 'services.a'],
      [
        'services:\n  a: {image: x, networks: [nope]}\n',
        'undefined network nope',
        'services.a.networks.nope',
      ],
      ['services:\n  a: {image: x, volumes: ["data:/d"]}\n', 'undefined volume data', 'services.a.volumes.0'],
      [
        'services:\n  a: {image: x, depends_on: [b]}\n',
        'depends on undefined service "b"',
        'services.a.depends_on.b',
      ],
      [
        'services:\n  a: {image: x, depends_on: [b]}\n  b: {image: x, depends_on: [a]}\n',
        'dependency cycle detected',
        'services.a.depends_on',
      ],
      [
        'services:\n  a: {image: x, scale: 2, container_name: one}\n',
        'container name must be unique',
        'services.a.container_name',
      ],
    ];
    for (const [yaml, message, key] of cases) {
      const error = await failure(load({ [`${DIR}/compose.yaml`]: yaml }));
      expect(error.code).toBe('compose_invalid');
      expect(error.message).toContain(message);
      expect(error.location.key).toBe(key);
      expect(error.location.line).toBeGreaterThan(0);
    }
  });

  test('a missing Compose file and an empty one are clear errors', async () => {
    expect((await failure(load({}))).code).toBe('compose_file_not_found');
    expect((await failure(load({ [`${DIR}/compose.yaml`]: '' }))).message).toBe('empty compose file');
    expect((await failure(load({ [`${DIR}/compose.yaml`]: '- a\n- b\n' }))).code).toBe(
      'compose_yaml_invalid',
    );
  });
});

describe('inside the compiled binary', () => {
  test('the schema (JSON import) and ajv work under bun build --compile', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wf-compose-compile-'));
    try {
      await writeFile(
        join(dir, 'entry.ts'),
        `import { loadProject } from ${JSON.stringify(join(import.meta.dir, 'load.ts'))};
try {
  await loadProject({ workingDir: '/x', files: [{ path: 'c.yaml', content: 'services:\\n  a: {image: x, bogus: 1}\\n' }] });
} catch (e) { console.log(String(e)); }`,
      );
      const build = Bun.spawnSync([
        'bun',
        'build',
        '--compile',
        join(dir, 'entry.ts'),
        '--outfile',
        join(dir, 'entry'),
      ]);
      expect(build.exitCode).toBe(0);
      const run = Bun.spawnSync([join(dir, 'entry')]);
      expect(run.stdout.toString().trim()).toBe(
        "/x/c.yaml:2:17: services.a.bogus: additional property 'bogus' is not allowed",
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
