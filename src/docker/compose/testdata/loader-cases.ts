// compose-go's loader tests (loader/tests/*_test.go, compose-spec/compose-go, Apache-2.0)
// transcribed as data: each case's Compose file, its environment, and the fields its assertions
// check, written in our model's shape (durations in ns, pointers as plain values). compose-go
// loads these with normalisation and consistency checks off; ours are always on, which the
// asserted fields do not depend on; where a case uses a secret it never defines, the definition is
// added (ours would refuse it). `absent` lists fields compose-go asserts are nil.

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
  {
    test: 'networks_test.go TestServiceNetworks',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    networks:\n      some-network:\n        aliases:\n          - alias1\n          - alias3\n      other-network:\n        ipv4_address: 172.16.238.10\n        ipv6_address: "2001:3984:3989::10"\n        mac_address: "02:42:72:98:65:08"\n      other-other-network:\nnetworks:\n  some-network:\n  other-network:\n  other-other-network:\n',
    expected: {
      services: {
        foo: {
          networks: {
            'some-network': { aliases: ['alias1', 'alias3'] },
            'other-network': {
              ipv4_address: '172.16.238.10',
              ipv6_address: '2001:3984:3989::10',
              mac_address: '02:42:72:98:65:08',
            },
            'other-other-network': null,
          },
        },
      },
    },
  },
  {
    test: 'networks_test.go TestTopLevelNetworks',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\nnetworks:\n  some-network:\n  other-network:\n    driver: overlay\n    driver_opts:\n      foo: "bar"\n      baz: 1\n    ipam:\n      driver: overlay\n      config:\n        - subnet: 172.28.0.0/16\n          ip_range: 172.28.5.0/24\n          gateway: 172.28.5.254\n          aux_addresses:\n            host1: 172.28.1.5\n            host2: 172.28.1.6\n            host3: 172.28.1.7\n        - subnet: "2001:3984:3989::/64"\n          gateway: "2001:3984:3989::1"\n    labels:\n      foo: bar\n  external-network:\n    external: true\n  other-external-network:\n    external:\n      name: my-cool-network\n    x-bar: baz\n    x-foo: bar\n',
    expected: {
      networks: {
        'other-network': {
          driver: 'overlay',
          driver_opts: { foo: 'bar', baz: '1' },
          ipam: {
            driver: 'overlay',
            config: [
              {
                subnet: '172.28.0.0/16',
                ip_range: '172.28.5.0/24',
                gateway: '172.28.5.254',
                aux_addresses: { host1: '172.28.1.5' },
              },
              { subnet: '2001:3984:3989::/64' },
            ],
          },
          labels: { foo: 'bar' },
        },
        'external-network': { external: true },
        'other-external-network': {
          external: true,
          name: 'my-cool-network',
          extensions: { 'x-bar': 'baz', 'x-foo': 'bar' },
        },
      },
    },
  },
  {
    test: 'secrets_test.go TestServiceSecrets',
    yaml: "name: test\nservices:\n  foo:\n    image: alpine\n    secrets:\n      - source: secret1\n        target: /run/secrets/secret1\n      - source: secret2\n        target: my_secret\n        uid: '103'\n        gid: '103'\n        mode: 0440\nsecrets:\n  secret1:\n    file: ./secret_data\n  secret2:\n    external: true\n",
    expected: {
      services: {
        foo: {
          secrets: [
            { source: 'secret1', target: '/run/secrets/secret1' },
            { source: 'secret2', target: 'my_secret', uid: '103', gid: '103', mode: 0o440 },
          ],
        },
      },
    },
  },
  {
    test: 'secrets_test.go TestTopLevelSecrets',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\nsecrets:\n  secret1:\n    file: ./secret_data\n    labels:\n      foo: bar\n  secret2:\n    external:\n      name: my_secret\n  secret3:\n    external: true\n  secret4:\n    name: bar\n    environment: BAR\n    x-bar: baz\n    x-foo: bar\n  secret5:\n    file: /abs/secret_data\n',
    variables: { BAR: 'this is a secret' },
    expected: {
      secrets: {
        secret1: { labels: { foo: 'bar' } },
        secret2: { name: 'my_secret', external: true },
        secret3: { external: true },
        secret4: { name: 'bar', environment: 'BAR', content: 'this is a secret' },
        secret5: { file: '/abs/secret_data' },
      },
    },
  },
  {
    test: 'secrets_test.go TestSecretEnvironmentResolution',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\nconfigs:\n  config:\n    environment: GA\nsecrets:\n  secret:\n    environment: MEU\n',
    variables: { GA: 'BU', MEU: 'Shadoks' },
    expected: {
      configs: { config: { environment: 'GA', content: 'BU' } },
      secrets: { secret: { environment: 'MEU', content: 'Shadoks' } },
    },
  },
  {
    test: 'secrets_test.go TestSecretFileModeNumber',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    secrets:\n      - source: server-certificate\n        target: server.cert\n        mode: 0o440\nsecrets:\n  server-certificate:\n    file: ./cert\n',
    expected: { services: { foo: { secrets: [{ mode: 0o440 }] } } },
  },
  {
    test: 'secrets_test.go TestSecretFileModeString',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    secrets:\n      - source: server-certificate\n        target: server.cert\n        mode: "0440"\nsecrets:\n  server-certificate:\n    file: ./cert\n',
    expected: { services: { foo: { secrets: [{ mode: 0o440 }] } } },
  },
  {
    test: 'configs_test.go TestServiceConfigs',
    yaml: "name: test\nservices:\n  foo:\n    image: alpine\n    configs:\n      - config1\n      - source: config2\n        target: /my_config\n        uid: '103'\n        gid: '103'\n        mode: 0440\nconfigs:\n  config1:\n    file: ./config_data\n  config2:\n    external: true\n",
    expected: {
      services: {
        foo: {
          configs: [
            { source: 'config1' },
            { source: 'config2', target: '/my_config', uid: '103', gid: '103', mode: 0o440 },
          ],
        },
      },
    },
  },
  {
    test: 'configs_test.go TestTopLevelConfigs',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\nconfigs:\n  config1:\n    file: ./config_data\n    labels:\n      foo: bar\n  config2:\n    external:\n      name: my_config\n  config3:\n    external: true\n  config4:\n    name: foo\n    file: ./config_data\n    x-bar: baz\n    x-foo: bar\n',
    expected: {
      configs: {
        config1: { labels: { foo: 'bar' } },
        config2: { name: 'my_config', external: true },
        config3: { external: true },
        config4: { name: 'foo' },
      },
    },
  },
  {
    test: 'deploy_test.go TestDeployModeReplicas',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    deploy:\n      mode: replicated\n      replicas: 6\n      labels: [FOO=BAR]\n      endpoint_mode: dnsrr\n',
    expected: {
      services: {
        foo: { deploy: { mode: 'replicated', replicas: 6, labels: { FOO: 'BAR' }, endpoint_mode: 'dnsrr' } },
      },
    },
  },
  {
    test: 'deploy_test.go TestDeployUpdateRollbackConfig',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    deploy:\n      update_config:\n        parallelism: 3\n        delay: 10s\n        failure_action: continue\n        monitor: 60s\n        max_failure_ratio: 0.3\n        order: start-first\n      rollback_config:\n        parallelism: 3\n        delay: 10s\n        failure_action: continue\n        monitor: 60s\n        max_failure_ratio: 0.3\n        order: start-first\n',
    expected: {
      services: {
        foo: {
          deploy: {
            update_config: {
              parallelism: 3,
              delay: 10 * S,
              failure_action: 'continue',
              monitor: 60 * S,
              max_failure_ratio: 0.3,
              order: 'start-first',
            },
            rollback_config: { parallelism: 3, order: 'start-first' },
          },
        },
      },
    },
  },
  {
    test: 'deploy_test.go TestDeployResources',
    yaml: "name: test\nservices:\n  foo:\n    image: alpine\n    deploy:\n      resources:\n        limits:\n          cpus: '0.001'\n          memory: 50M\n        reservations:\n          cpus: '0.0001'\n          memory: 20M\n          generic_resources:\n            - discrete_resource_spec:\n                kind: 'gpu'\n                value: 2\n            - discrete_resource_spec:\n                kind: 'ssd'\n                value: 1\n",
    expected: {
      services: {
        foo: {
          deploy: {
            resources: {
              limits: { cpus: 0.001, memory: 50 * 1024 * 1024 },
              reservations: {
                cpus: 0.0001,
                memory: 20 * 1024 * 1024,
                generic_resources: [
                  { discrete_resource_spec: { kind: 'gpu', value: 2 } },
                  { discrete_resource_spec: { kind: 'ssd', value: 1 } },
                ],
              },
            },
          },
        },
      },
    },
  },
  {
    test: 'deploy_test.go TestDeployRestartPolicy',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    deploy:\n      restart_policy:\n        condition: on-failure\n        delay: 5s\n        max_attempts: 3\n        window: 120s\n',
    expected: {
      services: {
        foo: {
          deploy: {
            restart_policy: { condition: 'on-failure', delay: 5 * S, max_attempts: 3, window: 120 * S },
          },
        },
      },
    },
  },
  {
    test: 'deploy_test.go TestDeployPlacement',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    deploy:\n      placement:\n        constraints: [node=foo]\n        max_replicas_per_node: 5\n        preferences:\n          - spread: node.labels.az\n',
    expected: {
      services: {
        foo: {
          deploy: {
            placement: {
              constraints: ['node=foo'],
              max_replicas_per_node: 5,
              preferences: [{ spread: 'node.labels.az' }],
            },
          },
        },
      },
    },
  },
  {
    test: 'build_test.go TestBuildConfig',
    yaml: 'name: test\nservices:\n  foo:\n    build:\n      context: ./dir\n      dockerfile: Dockerfile\n      args:\n        foo: bar\n      target: foo\n      network: foo\n      cache_from:\n        - foo\n        - bar\n      labels: [FOO=BAR]\n      additional_contexts:\n        foo: ./bar\n      tags:\n        - foo:v1.0.0\n        - docker.io/username/foo:my-other-tag\n      platforms:\n        - linux/amd64\n        - linux/arm64\n',
    expected: {
      services: {
        foo: {
          build: {
            dockerfile: 'Dockerfile',
            args: { foo: 'bar' },
            target: 'foo',
            network: 'foo',
            cache_from: ['foo', 'bar'],
            labels: { FOO: 'BAR' },
            tags: ['foo:v1.0.0', 'docker.io/username/foo:my-other-tag'],
            platforms: ['linux/amd64', 'linux/arm64'],
          },
        },
      },
    },
  },
  {
    test: 'cap_add_drop_test.go TestCapAddDrop',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    cap_add:\n      - ALL\n    cap_drop:\n      - NET_ADMIN\n      - SYS_ADMIN\n',
    expected: { services: { foo: { cap_add: ['ALL'], cap_drop: ['NET_ADMIN', 'SYS_ADMIN'] } } },
  },
  {
    test: 'devices_test.go TestDeviceMapping',
    yaml: 'name: test\nservices:\n  test:\n    image: alpine\n    devices:\n      - /dev/source:/dev/target:permissions\n      - /dev/single\n',
    expected: {
      services: {
        test: {
          devices: [
            { source: '/dev/source', target: '/dev/target', permissions: 'permissions' },
            { source: '/dev/single', target: '/dev/single', permissions: 'rwm' },
          ],
        },
      },
    },
  },
  {
    test: 'devices_test.go TestDeviceMappingLongSyntax',
    yaml: 'name: test\nservices:\n  test:\n    image: alpine\n    devices:\n      - source: /dev/source\n        target: /dev/target\n        permissions: permissions\n',
    expected: {
      services: {
        test: { devices: [{ source: '/dev/source', target: '/dev/target', permissions: 'permissions' }] },
      },
    },
  },
  {
    test: 'devices_test.go TestDeviceReservation',
    yaml: 'name: test\nservices:\n  test:\n    image: alpine\n    deploy:\n      resources:\n        reservations:\n          devices:\n            - driver: nvidia\n              capabilities: ["gpu"]\n              count: all\n              options:\n                q_bits: 42\n',
    expected: {
      services: {
        test: {
          deploy: {
            resources: {
              reservations: {
                devices: [{ driver: 'nvidia', capabilities: ['gpu'], count: -1, options: { q_bits: '42' } }],
              },
            },
          },
        },
      },
    },
  },
  {
    test: 'dns_test.go TestDNS',
    yaml: 'name: test\nservices:\n  list:\n    image: alpine\n    dns:\n      - 8.8.8.8\n      - 9.9.9.9\n  string:\n    image: alpine\n    dns: 8.8.8.8\n',
    expected: { services: { list: { dns: ['8.8.8.8', '9.9.9.9'] }, string: { dns: ['8.8.8.8'] } } },
  },
  {
    test: 'dns_test.go TestDNSSearch',
    yaml: 'name: test\nservices:\n  list:\n    image: alpine\n    dns_search:\n      - dc1.example.com\n      - dc2.example.com\n  string:\n    image: alpine\n    dns_search: example.com\n',
    expected: {
      services: {
        list: { dns_search: ['dc1.example.com', 'dc2.example.com'] },
        string: { dns_search: ['example.com'] },
      },
    },
  },
  {
    test: 'dns_test.go TestDNSOmitEmpty',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    dns: ${UNSET_VAR}\n',
    expected: { services: { foo: { dns: [] } } },
  },
  {
    test: 'expose_test.go TestExpose',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    expose:\n      - "3000"\n      - 8000\n',
    expected: { services: { foo: { expose: ['3000', '8000'] } } },
  },
  {
    test: 'links_test.go TestLinks',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    links:\n      - db\n      - db:database\n      - redis\n  db:\n    image: postgres\n  redis:\n    image: redis\n',
    expected: { services: { foo: { links: ['db', 'db:database', 'redis'] } } },
  },
  {
    test: 'network_mode_test.go TestNetworkMode',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    network_mode: "container:0cfeab0f748b"\n',
    expected: { services: { foo: { network_mode: 'container:0cfeab0f748b' } } },
  },
  {
    test: 'privileged_test.go TestPrivilegedReadOnly',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    privileged: true\n    read_only: true\n',
    expected: { services: { foo: { privileged: true, read_only: true } } },
  },
  {
    test: 'pull_policy_test.go TestPullPolicy',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    pull_policy: always\n',
    expected: { services: { foo: { pull_policy: 'always' } } },
  },
  {
    test: 'security_opt_test.go TestSecurityOpt',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    security_opt:\n      - label=level:s0:c100,c200\n      - label=type:svirt_apache_t\n',
    expected: {
      services: { foo: { security_opt: ['label=level:s0:c100,c200', 'label=type:svirt_apache_t'] } },
    },
  },
  {
    test: 'sysctls_test.go TestSysctls',
    yaml: 'name: test\nservices:\n  list:\n    image: busybox\n    sysctls:\n      - net.core.somaxconn=1024\n      - net.ipv4.tcp_syncookies=0\n      - testing.one.one=\n      - testing.one.two\n  map:\n    image: busybox\n    sysctls:\n      net.core.somaxconn: 1024\n      net.ipv4.tcp_syncookies: 0\n      testing.one.one: ""\n      testing.one.two:\n',
    expected: {
      services: {
        list: {
          sysctls: {
            'net.core.somaxconn': '1024',
            'net.ipv4.tcp_syncookies': '0',
            'testing.one.one': '',
            'testing.one.two': '',
          },
        },
        map: {
          sysctls: {
            'net.core.somaxconn': '1024',
            'net.ipv4.tcp_syncookies': '0',
            'testing.one.one': '',
            'testing.one.two': '',
          },
        },
      },
    },
  },
  {
    test: 'user_test.go TestUser',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    user: someone\n',
    expected: { services: { foo: { user: 'someone' } } },
  },
  {
    test: 'volumes_from_test.go TestVolumesFrom',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    volumes_from:\n      - bar\n      - bar:ro\n  bar:\n    image: alpine\n',
    expected: { services: { foo: { volumes_from: ['bar', 'bar:ro'] } } },
  },
  {
    test: 'working_dir_test.go TestWorkingDir',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    working_dir: /code\n',
    expected: { services: { foo: { working_dir: '/code' } } },
  },
  {
    test: 'container_name_test.go TestContainerName',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    container_name: my-web-container\n',
    expected: { services: { foo: { container_name: 'my-web-container' } } },
  },
  {
    test: 'hostname_test.go TestHostname',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    hostname: foo\n',
    expected: { services: { foo: { hostname: 'foo' } } },
  },
  {
    test: 'ipc_uts_pid_test.go TestIpcUtsPid',
    yaml: 'name: test\nservices:\n  foo:\n    image: alpine\n    ipc: host\n    uts: host\n    pid: host\n',
    expected: { services: { foo: { ipc: 'host', uts: 'host', pid: 'host' } } },
  },
];
