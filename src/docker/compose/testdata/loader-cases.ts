// compose-go's loader tests (loader/tests/*_test.go, compose-spec/compose-go, Apache-2.0)
// transcribed as data: each case's Compose file, its environment, and the fields its assertions
// check, written in our model's shape (durations in ns, pointers as plain values). compose-go
// loads these with normalisation and consistency checks off; ours are always on, which the
// asserted fields do not depend on. `absent` lists fields compose-go asserts are nil.

export interface LoaderCase {
  test: string;
  yaml: string;
  variables?: Record<string, string>;
  /** Checked with toMatchObject against the loaded project. */
  expected: Record<string, unknown>;
  /** [service, field] pairs that must be unset. */
  absent?: Array<[string, string]>;
}

const S = 1e9;

export const loaderCases: LoaderCase[] = [
  {
    test: 'ports_test.go TestPortsShortSyntax',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    ports:\n      - "80:8080"\n      - "90:8090/udp"\n      - 8600\n',
    expected: {
      services: {
        foo: {
          ports: [{ target: 8080, published: '80' }, { target: 8090, protocol: 'udp' }, { target: 8600 }],
        },
      },
    },
  },
  {
    test: 'ports_test.go TestPortsLongSyntax',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    ports:\n      - target: 80\n        published: 8080\n        protocol: tcp\n        mode: host\n',
    expected: {
      services: { foo: { ports: [{ target: 80, published: '8080', protocol: 'tcp', mode: 'host' }] } },
    },
  },
  {
    test: 'ports_test.go TestPortsRange',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    ports:\n      - "80-82:8080-8082"\n',
    expected: {
      services: {
        foo: {
          ports: [
            { target: 8080, published: '80' },
            { target: 8081, published: '81' },
            { target: 8082, published: '82' },
          ],
        },
      },
    },
  },
  {
    test: 'ports_test.go TestNamedPort',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    ports:\n      - name: http\n        published: 8080\n        target: 80\n',
    expected: { services: { foo: { ports: [{ name: 'http' }] } } },
  },
  {
    test: 'ports_test.go TestAppProtocol',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    ports:\n      - published: 8080\n        target: 80\n        protocol: tcp\n        app_protocol: http\n',
    expected: { services: { foo: { ports: [{ app_protocol: 'http' }] } } },
  },
  {
    test: 'environment_test.go TestEnvironmentMap',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    environment:\n      FOO: "1"\n      BAR: 2\n      GA: 2.5\n      BU: ""\n      ZO:\n      MEU:\n',
    variables: { MEU: 'Shadoks' },
    expected: {
      services: { foo: { environment: { FOO: '1', BAR: '2', GA: '2.5', BU: '', ZO: null, MEU: 'Shadoks' } } },
    },
  },
  {
    test: 'environment_test.go TestEnvironmentList',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    environment:\n      - FOO=1\n      - BAR=2\n      - BU=\n      - ZO\n      - MEU\n',
    variables: { MEU: 'Shadoks' },
    expected: {
      services: { foo: { environment: { FOO: '1', BAR: '2', BU: '', ZO: null, MEU: 'Shadoks' } } },
    },
  },
  {
    test: 'healthcheck_test.go TestHealthcheck',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    healthcheck:\n      test: echo "hello world"\n      interval: 10s\n      timeout: 1s\n      retries: 5\n      start_period: 15s\n      start_interval: 5s\n',
    expected: {
      services: {
        foo: {
          healthcheck: {
            test: ['CMD-SHELL', 'echo "hello world"'],
            interval: 10 * S,
            timeout: 1 * S,
            retries: 5,
            start_period: 15 * S,
            start_interval: 5 * S,
          },
        },
      },
    },
  },
  {
    test: 'command_test.go TestCommandString',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    command: bundle exec thin -p 3000\n',
    expected: { services: { foo: { command: ['bundle', 'exec', 'thin', '-p', '3000'] } } },
  },
  {
    test: 'command_test.go TestCommandList',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    command: ["bundle", "exec", "thin", "-p", "3000"]\n',
    expected: { services: { foo: { command: ['bundle', 'exec', 'thin', '-p', '3000'] } } },
  },
  {
    test: 'entrypoint_test.go TestEntrypointList',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    entrypoint: ["/code/entrypoint.sh", "-p", "3000"]\n',
    expected: { services: { foo: { entrypoint: ['/code/entrypoint.sh', '-p', '3000'] } } },
  },
  {
    test: 'entrypoint_test.go TestEntrypointString',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    entrypoint: /code/entrypoint.sh -p 3000\n',
    expected: { services: { foo: { entrypoint: ['/code/entrypoint.sh', '-p', '3000'] } } },
  },
  {
    test: 'extra_hosts_test.go TestExtraHostsMap',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    extra_hosts:\n      alpha: "50.31.209.229"\n      zulu: "162.242.195.82"\n',
    expected: { services: { foo: { extra_hosts: { alpha: ['50.31.209.229'], zulu: ['162.242.195.82'] } } } },
  },
  {
    test: 'extra_hosts_test.go TestExtraHostsList',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    extra_hosts:\n      - "alpha:50.31.209.229"\n      - "zulu:127.0.0.2"\n      - "zulu:ff02::1"\n',
    expected: {
      services: { foo: { extra_hosts: { alpha: ['50.31.209.229'], zulu: ['127.0.0.2', 'ff02::1'] } } },
    },
  },
  {
    test: 'extra_hosts_test.go TestExtraHostsRepeated',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    extra_hosts:\n      - "myhost=0.0.0.1,0.0.0.2"\n',
    expected: { services: { foo: { extra_hosts: { myhost: ['0.0.0.1', '0.0.0.2'] } } } },
  },
  {
    test: 'extra_hosts_test.go TestExtraHostsLongSyntax',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    extra_hosts:\n      myhost:\n        - "0.0.0.1"\n        - "0.0.0.2"\n',
    expected: { services: { foo: { extra_hosts: { myhost: ['0.0.0.1', '0.0.0.2'] } } } },
  },
  {
    test: 'ulimits_test.go TestUlimits',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    ulimits:\n      nproc: 65535\n      nofile:\n        soft: 20000\n        hard: 40000\n',
    expected: {
      services: { foo: { ulimits: { nproc: { single: 65535 }, nofile: { soft: 20000, hard: 40000 } } } },
    },
  },
  {
    test: 'depends_on_test.go TestDependsOnList',
    yaml: 'name: test\nservices:\n  web:\n    image: alpine\n    depends_on:\n      - db\n      - redis\n  db:\n    image: postgres\n  redis:\n    image: redis\n',
    expected: {
      services: {
        web: {
          depends_on: {
            db: { condition: 'service_started', required: true },
            redis: { condition: 'service_started' },
          },
        },
      },
    },
  },
  {
    test: 'depends_on_test.go TestDependsOnObject',
    yaml: 'name: test\nservices:\n  web:\n    image: alpine\n    depends_on:\n      db:\n        condition: service_healthy\n        restart: true\n      redis:\n        condition: service_started\n  db:\n    image: postgres\n  redis:\n    image: redis\n',
    expected: {
      services: {
        web: {
          depends_on: {
            db: { condition: 'service_healthy', restart: true },
            redis: { condition: 'service_started' },
          },
        },
      },
    },
  },
  {
    test: 'depends_on_test.go TestDependsOnXService',
    yaml: 'name: test\nservices:\n  test:\n    image: test\n    depends_on:\n      - x-foo\n  x-foo:\n    image: foo\n',
    expected: {
      services: {
        test: { depends_on: { 'x-foo': { condition: 'service_started', required: true, restart: false } } },
      },
    },
  },
  {
    test: 'volumes_test.go TestTopLevelVolumes',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\nvolumes:\n  some-volume:\n  other-volume:\n    driver: flocker\n    driver_opts:\n      foo: "bar"\n      baz: 1\n    labels:\n      foo: bar\n  another-volume:\n    name: "user_specified_name"\n    driver: vsphere\n    driver_opts:\n      foo: "bar"\n      baz: 1\n  external-volume:\n    external: true\n  other-external-volume:\n    external:\n      name: my-cool-volume\n  external-volume3:\n    name: this-is-volume3\n    external: true\n    x-bar: baz\n    x-foo: bar\n',
    expected: {
      volumes: {
        'other-volume': { driver: 'flocker', driver_opts: { foo: 'bar', baz: '1' }, labels: { foo: 'bar' } },
        'another-volume': { name: 'user_specified_name', driver: 'vsphere' },
        'external-volume': { external: true },
        'other-external-volume': { name: 'my-cool-volume', external: true },
        'external-volume3': {
          name: 'this-is-volume3',
          external: true,
          extensions: { 'x-bar': 'baz', 'x-foo': 'bar' },
        },
      },
    },
  },
  {
    test: 'volumes_test.go TestImageVolume',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    volumes:\n      - type: image\n        source: app/image\n        target: /mnt/image\n        image:\n          subpath: /foo\n',
    expected: {
      services: {
        foo: {
          volumes: [{ type: 'image', source: 'app/image', target: '/mnt/image', image: { subpath: '/foo' } }],
        },
      },
    },
  },
  {
    test: 'volumes_test.go TestNpipeVolume',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    volumes:\n      - type: npipe\n        source: \\\\.\\pipe\\docker_engine\n        target: \\\\.\\pipe\\docker_engine\n',
    expected: {
      services: {
        foo: {
          volumes: [
            { type: 'npipe', source: '\\\\.\\pipe\\docker_engine', target: '\\\\.\\pipe\\docker_engine' },
          ],
        },
      },
    },
  },
  {
    test: 'stop_test.go TestStopGracePeriod',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    stop_grace_period: 20s\n',
    expected: { services: { foo: { stop_grace_period: 20 * S } } },
  },
  {
    test: 'stop_test.go TestStopSignal',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    stop_signal: SIGUSR1\n',
    expected: { services: { foo: { stop_signal: 'SIGUSR1' } } },
  },
  {
    test: 'labels_test.go TestServiceLabels',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    labels:\n      com.example.description: "Accounting webapp"\n      com.example.number: 42\n      com.example.empty-label:\n',
    expected: {
      services: {
        foo: {
          labels: {
            'com.example.description': 'Accounting webapp',
            'com.example.number': '42',
            'com.example.empty-label': '',
          },
        },
      },
    },
  },
  {
    test: 'labels_test.go TestServiceLabelsListSyntax',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    labels:\n      - "com.example.description=Accounting webapp"\n      - "com.example.number=42"\n      - "com.example.empty-label"\n',
    expected: {
      services: {
        foo: {
          labels: {
            'com.example.description': 'Accounting webapp',
            'com.example.number': '42',
            'com.example.empty-label': '',
          },
        },
      },
    },
  },
  {
    test: 'logging_test.go TestLogging',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    logging:\n      driver: syslog\n      options:\n        syslog-address: "tcp://192.168.0.42:123"\n',
    expected: {
      services: {
        foo: { logging: { driver: 'syslog', options: { 'syslog-address': 'tcp://192.168.0.42:123' } } },
      },
    },
  },
  {
    test: 'restart_test.go TestRestart',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    restart: always\n',
    expected: { services: { foo: { restart: 'always' } } },
  },
  {
    test: 'scale_test.go TestScale',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    scale: 3\n',
    expected: { services: { foo: { scale: 3 } } },
  },
  {
    test: 'tmpfs_test.go TestTmpfs',
    yaml: 'name: test\nservices:\n  list:\n    image: alpine\n    tmpfs:\n      - /run\n      - /tmp\n  string:\n    image: alpine\n    tmpfs: /run\n',
    expected: { services: { list: { tmpfs: ['/run', '/tmp'] }, string: { tmpfs: ['/run'] } } },
  },
  {
    test: 'init_test.go TestInit',
    yaml: 'name: test\nservices:\n  with-init:\n    image: alpine\n    init: true\n  without-init:\n    image: alpine\n    init: false\n  default:\n    image: alpine\n',
    expected: { services: { 'with-init': { init: true }, 'without-init': { init: false } } },
    absent: [['default', 'init']],
  },
];
