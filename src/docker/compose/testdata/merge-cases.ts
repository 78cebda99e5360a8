// compose-go's override tests (override/merge_*_test.go, compose-spec/compose-go, Apache-2.0)
// transcribed as data: every assertMergeYaml case (base file, override file, expected merge after
// EnforceUnicity) and Test_mergeOverrides (merge only).

export interface MergeCase {
  file: string;
  test: string;
  base: string;
  override: string;
  expected: string;
  /** Test_mergeOverrides checks Merge without EnforceUnicity. */
  noUnicity?: boolean;
}

export const mergeCases: MergeCase[] = [
  {
    file: 'merge_annotations_test.go',
    test: 'TestMergeAnnotationsSequence',
    base: '\nservices:\n  test:\n    image: foo\n    annotations:\n      - FOO=BAR\n',
    override: '\nservices:\n  test:\n    annotations:\n      - QIX=ZOT\n      - EMPTY=\n      - NIL\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    annotations:\n      - FOO=BAR\n      - QIX=ZOT\n      - EMPTY=\n      - NIL\n',
  },
  {
    file: 'merge_annotations_test.go',
    test: 'TestMergeAnnotationsMapping',
    base: '\nservices:\n  test:\n    image: foo\n    annotations:\n      FOO: BAR\n',
    override: '\nservices:\n  test:\n    annotations:\n      EMPTY: ""\n      NIL: null\n      QIX: ZOT\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    annotations:\n      - FOO=BAR\n      - EMPTY=\n      - NIL\n      - QIX=ZOT\n',
  },
  {
    file: 'merge_annotations_test.go',
    test: 'TestMergeAnnotationsMixed',
    base: '\nservices:\n  test:\n    image: foo\n    annotations:\n      FOO: BAR\n',
    override: '\nservices:\n  test:\n    annotations:\n      - QIX=ZOT\n',
    expected: '\nservices:\n  test:\n    image: foo\n    annotations:\n      - FOO=BAR\n      - QIX=ZOT\n',
  },
  {
    file: 'merge_annotations_test.go',
    test: 'TestMergeAnnotationsNumbers',
    base: '\nservices:\n  test:\n    annotations:\n      FOO: 1\n',
    override: '\nservices:\n  test:\n    annotations:\n      FOO: 3\n',
    expected: '\nservices:\n  test:\n    annotations:\n      - FOO=3\n',
  },
  {
    file: 'merge_build_test.go',
    test: 'Test_mergeYamlBuildSequence',
    base: '\nservices:\n  test:\n    build:\n      context: .\n      args:\n        - FOO=BAR\n      additional_contexts:\n        - resources=/path/to/resources\n        - app=docker-image://my-app:latest\n      platform: \n        - linux/amd64\n      tags:\n        - "myimage:mytag"\n      extra_hosts:\n        - "somehost=162.242.195.82"\n        - "otherhost=50.31.209.229"\n',
    override:
      '\nservices:\n  test:\n    build:\n      context: .\n      args:\n        - GIT_COMMIT=cdc3b19\n        - EMPTY=\n        - NIL\n      additional_contexts:\n        - source=https://github.com/myuser/project.git\n      platform:\n        - "linux/arm64"\n        - "linux/amd64"\n        - "unsupported/unsupported"\n      tags:\n        - "myimage:mytag"\n        - "registry/username/myrepos:my-other-tag"\n      extra_hosts:\n        - "otherhost=50.31.209.230"\n        - "myhostv6=::1"\n',
    expected:
      '\nservices:\n  test:\n    build:\n      context: .\n      args:\n        - FOO=BAR\n        - GIT_COMMIT=cdc3b19\n        - EMPTY=\n        - NIL\n      additional_contexts:\n        - resources=/path/to/resources\n        - app=docker-image://my-app:latest\n        - source=https://github.com/myuser/project.git\n      platform:\n        - "linux/amd64"\n        - "linux/arm64"\n        - "unsupported/unsupported"\n      tags:\n        - "myimage:mytag"\n        - "registry/username/myrepos:my-other-tag"\n      extra_hosts:\n        - "somehost=162.242.195.82"\n        - "otherhost=50.31.209.229"\n        - "otherhost=50.31.209.230"\n        - "myhostv6=::1"\n',
  },
  {
    file: 'merge_build_test.go',
    test: 'Test_mergeYamlArgsMapping',
    base: '\nservices:\n  test:\n    build:\n      context: .\n      args:\n        FOO: BAR\n      additional_contexts:\n        source: https://github.com/myuser/project.git\n',
    override:
      '\nservices:\n  test:\n    build:\n      context: .\n      args:\n        EMPTY: ""\n        NIL: null\n        QIX: ZOT\n      additional_contexts:\n        app: docker-image://my-app:latest\n        resources: /path/to/resources\n',
    expected:
      '\nservices:\n  test:\n    build:\n      context: .\n      args:\n       - FOO=BAR\n       - EMPTY=\n       - NIL\n       - QIX=ZOT\n      additional_contexts:\n        - source=https://github.com/myuser/project.git\n        - app=docker-image://my-app:latest\n        - resources=/path/to/resources\n',
  },
  {
    file: 'merge_build_test.go',
    test: 'Test_mergeYamlArgsMixed',
    base: '\nservices:\n  test:\n    build:\n      context: .\n      args:\n        FOO: BAR\n      additional_contexts:\n        - resources=/path/to/resources\n        - app=docker-image://my-app:latest\n      platform: linux/amd64\n      tags:\n        - "myimage:mytag"\n',
    override:
      '\nservices:\n  test:\n    build:\n      args:\n        - QIX=ZOT\n      additional_contexts:\n        app: docker-image://new-app:latest\n        source: https://github.com/myuser/project.git\n      tags:\n        - "registry/username/myrepos:my-other-tag"\n\n',
    expected:
      '\nservices:\n  test:\n    build:\n      context: .\n      args:\n        - FOO=BAR\n        - QIX=ZOT\n      additional_contexts:\n        - resources=/path/to/resources\n        - app=docker-image://new-app:latest\n        - source=https://github.com/myuser/project.git\n      platform: linux/amd64\n      tags:\n        - "myimage:mytag"\n        - "registry/username/myrepos:my-other-tag"\n',
  },
  {
    file: 'merge_build_test.go',
    test: 'Test_mergeYamlArgsNumber',
    base: '\nservices:\n  test:\n    build:\n      context: .\n      args:\n        FOO: 1\n',
    override: '\nservices:\n  test:\n    build:\n      context: .\n      args:\n        FOO: 3\n',
    expected: '\nservices:\n  test:\n    build:\n      context: .\n      args:\n       - FOO=3\n',
  },
  {
    file: 'merge_cap_test.go',
    test: 'TestMergeCAPSequence',
    base: '\nservices:\n  test:\n    image: foo\n    cap_add:\n      - CAP_BPF\n      - CAP_CHOWN\n    cap_drop:\n      - NET_ADMIN\n      - SYS_ADMIN\n',
    override:
      '\nservices:\n  test:\n    cap_add:\n      - CAP_KILL\n      - CAP_CHOWN\n    cap_drop:\n      - NET_ADMIN\n      - CAP_FOWNER\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    cap_add:\n      - CAP_BPF\n      - CAP_CHOWN\n      - CAP_KILL\n    cap_drop:\n      - NET_ADMIN\n      - SYS_ADMIN\n      - CAP_FOWNER\n',
  },
  {
    file: 'merge_devices_test.go',
    test: 'Test_mergeYamlDevices',
    base: "\nservices:\n  test:\n    image: foo\n    devices:\n      - '/dev/sda:/dev/sda'\n      - '/dev/sdb:/dev/sdb'\n      - '/dev/sdc:/dev/sdc'\n      - '/dev/sdd:/dev/sdd'\n",
    override:
      "\nservices:\n  test:\n    devices:\n      - '/dev/sde:/dev/sde'\n      - '/dev/sdf:/dev/sdf'\n      - '/dev/sdg:/dev/sdg'\n      - '/dev/sdh:/dev/sdh'\n",
    expected:
      "\nservices:\n  test:\n    image: foo\n    devices:\n      - '/dev/sda:/dev/sda'\n      - '/dev/sdb:/dev/sdb'\n      - '/dev/sdc:/dev/sdc'\n      - '/dev/sdd:/dev/sdd'\n      - '/dev/sde:/dev/sde'\n      - '/dev/sdf:/dev/sdf'\n      - '/dev/sdg:/dev/sdg'\n      - '/dev/sdh:/dev/sdh'\n",
  },
  {
    file: 'merge_devices_test.go',
    test: 'Test_mergeYamlDevicesOverride',
    base: "\nservices:\n  test:\n    image: foo\n    devices:\n      - '/dev/sda:/dev/sda'\n      - '/dev/sdb:/dev/sdb'\n      - '/dev/sdc:/dev/sdc'\n      - '/dev/sdd:/dev/sdd'\n",
    override:
      "\nservices:\n  test:\n    devices:\n      - '/dev/nvme0n1p1:/dev/sda'\n      - '/dev/nvme1n1p1:/dev/sdb'\n      - '/dev/nvme2n1p1:/dev/sdc'\n",
    expected:
      "\nservices:\n  test:\n    image: foo\n    devices:\n      - '/dev/nvme0n1p1:/dev/sda'\n      - '/dev/nvme1n1p1:/dev/sdb'\n      - '/dev/nvme2n1p1:/dev/sdc'\n      - '/dev/sdd:/dev/sdd'\n",
  },
  {
    file: 'merge_dns_test.go',
    test: 'Test_mergeYamlDNSSequence',
    base: '\nservices:\n  test:\n    image: foo\n    dns:\n      - 8.8.8.8\n    dns_opt:\n      - use-vc\n    dns_search:\n      - dc1.example.com\n',
    override:
      '\nservices:\n  test:\n    dns:\n      - 9.9.9.9\n    dns_opt:\n      - no-tld-query\n    dns_search:\n      - dc2.example.com\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    dns:\n      - 8.8.8.8\n      - 9.9.9.9\n    dns_opt:\n      - use-vc\n      - no-tld-query\n    dns_search:\n      - dc1.example.com\n      - dc2.example.com\n',
  },
  {
    file: 'merge_dns_test.go',
    test: 'Test_mergeYamlDNSMixed',
    base: '\nservices:\n  test:\n    image: foo\n    dns:\n      - 8.8.8.8\n      - 10.10.10.10\n      - 9.9.9.9\n    dns_opt:\n      - use-vc\n      - no-tld-query\n    dns_search:\n      - dc1.example.com\n      - dc2.example.com\n',
    override:
      '\nservices:\n  test:\n    dns: 9.9.9.9\n    dns_opt:\n      - no-tld-query\n    dns_search: dc2.example.com\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    dns:\n      - 8.8.8.8\n      - 10.10.10.10\n      - 9.9.9.9\n    dns_opt:\n      - use-vc\n      - no-tld-query\n    dns_search:\n      - dc1.example.com\n      - dc2.example.com\n',
  },
  {
    file: 'merge_env_file_test.go',
    test: 'TestMergeEnvFilesSequence',
    base: '\nservices:\n  test:\n    image: foo\n    env_file:\n      - foo.env\n',
    override: '\nservices:\n  test:\n    env_file:\n      - bar.env\n      - baz.env\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    env_file:\n      - foo.env\n      - bar.env\n      - baz.env\n',
  },
  {
    file: 'merge_env_file_test.go',
    test: 'TestMergeEnvFilesString',
    base: '\nservices:\n  test:\n    image: foo\n    env_file: foo.env\n',
    override: '\nservices:\n  test:\n    env_file: bar.env\n',
    expected: '\nservices:\n  test:\n    image: foo\n    env_file:\n      - foo.env\n      - bar.env\n',
  },
  {
    file: 'merge_env_file_test.go',
    test: 'TestMergeEnvFilesMixed/SequenceThenString',
    base: '\nservices:\n  test:\n    env_file: foo.env\n',
    override: '\nservices:\n  test:\n    env_file:\n      - bar.env\n      - foo.env\n',
    expected: '\nservices:\n  test:\n    env_file:\n      - foo.env\n      - bar.env\n',
  },
  {
    file: 'merge_env_file_test.go',
    test: 'TestMergeEnvFilesMixed/StringThenSequence',
    base: '\nservices:\n  test:\n    env_file:\n      - bar.env\n      - foo.env\n',
    override: '\nservices:\n  test:\n    env_file: foo.env\n',
    expected: '\nservices:\n  test:\n    env_file:\n      - bar.env\n      - foo.env\n',
  },
  {
    file: 'merge_env_file_test.go',
    test: 'TestMergeEnvFilesMixed/Unicity between string and mapping',
    base: '\nservices:\n  test:\n    env_file:\n      - bar.env\n      - foo.env\n',
    override: '\nservices:\n  test:\n    env_file: \n      - path: foo.env\n        required: true\n',
    expected:
      '\nservices:\n  test:\n    env_file:\n      - bar.env\n      - path: foo.env\n        required: true\n\n',
  },
  {
    file: 'merge_environment_test.go',
    test: 'Test_mergeYamlEnvironmentSequence',
    base: '\nservices:\n  test:\n    image: foo\n    environment:\n      - FOO=BAR\n',
    override: '\nservices:\n  test:\n    environment:\n      - QIX=ZOT\n      - EMPTY=\n      - NIL\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    environment:\n      - FOO=BAR\n      - QIX=ZOT\n      - EMPTY=\n      - NIL\n',
  },
  {
    file: 'merge_environment_test.go',
    test: 'Test_mergeYamlEnvironmentMapping',
    base: '\nservices:\n  test:\n    image: foo\n    environment:\n      FOO: BAR\n',
    override: '\nservices:\n  test:\n    environment:\n      EMPTY: ""\n      NIL: null\n      QIX: ZOT\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    environment:\n      - FOO=BAR\n      - EMPTY=\n      - NIL\n      - QIX=ZOT\n',
  },
  {
    file: 'merge_environment_test.go',
    test: 'Test_mergeYamlEnvironmentMixed',
    base: '\nservices:\n  test:\n    image: foo\n    environment:\n      FOO: BAR\n',
    override: '\nservices:\n  test:\n    environment:\n      - QIX=ZOT\n',
    expected: '\nservices:\n  test:\n    image: foo\n    environment:\n      - FOO=BAR\n      - QIX=ZOT\n',
  },
  {
    file: 'merge_environment_test.go',
    test: 'Test_mergeYamlEnvironmentNumber',
    base: '\nservices:\n  test:\n    environment:\n      FOO: 1\n',
    override: '\nservices:\n  test:\n    environment:\n      FOO: 3\n',
    expected: '\nservices:\n  test:\n    environment:\n      - FOO=3\n',
  },
  {
    file: 'merge_extra_hosts_test.go',
    test: 'TestMergeExtraHostsSequence',
    base: '\nservices:\n  test:\n    image: foo\n    extra_hosts:\n      - example.com=1.2.3.4\n',
    override:
      '\nservices:\n  test:\n    extra_hosts:\n      - localhost=127.0.0.1\n      - example.com=1.2.3.4\n      - example.com=4.3.2.1\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    extra_hosts:\n      - example.com=1.2.3.4\n      - localhost=127.0.0.1\n      - example.com=4.3.2.1\n',
  },
  {
    file: 'merge_extra_hosts_test.go',
    test: 'TestMergeExtraHostsMapping',
    base: '\nservices:\n  test:\n    image: foo\n    extra_hosts:\n      "example.com": "1.2.3.4"\n',
    override:
      '\nservices:\n  test:\n    extra_hosts:\n      "localhost": "127.0.0.1"\n      "example.com": ["1.2.3.4", "4.3.2.1"]\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    extra_hosts:\n      - example.com=1.2.3.4\n      - example.com=4.3.2.1\n      - localhost=127.0.0.1\n',
  },
  {
    file: 'merge_extra_hosts_test.go',
    test: 'TestMergeExtraHostsMixed',
    base: '\nservices:\n  test:\n    image: foo\n    extra_hosts:\n      "example.com": "1.2.3.4"\n',
    override:
      '\nservices:\n  test:\n    extra_hosts:\n      - localhost=127.0.0.1\n      - example.com=1.2.3.4\n      - example.com=4.3.2.1\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    extra_hosts:\n      - example.com=1.2.3.4\n      - localhost=127.0.0.1\n      - example.com=4.3.2.1\n',
  },
  {
    file: 'merge_labels_test.go',
    test: 'Test_mergeYamlLabelsSequence',
    base: '\nservices:\n  test:\n    image: foo\n    labels:\n      - FOO=BAR\n',
    override: '\nservices:\n  test:\n    labels:\n      - QIX=ZOT\n      - EMPTY=\n      - NIL\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    labels:\n      - FOO=BAR\n      - QIX=ZOT\n      - EMPTY=\n      - NIL\n',
  },
  {
    file: 'merge_labels_test.go',
    test: 'Test_mergeYamlLabelsMapping',
    base: '\nservices:\n  test:\n    image: foo\n    labels:\n      FOO: BAR\n',
    override: '\nservices:\n  test:\n    labels:\n      EMPTY: ""\n      NIL: null\n      QIX: ZOT\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    labels:\n      - FOO=BAR\n      - EMPTY=\n      - NIL\n      - QIX=ZOT\n',
  },
  {
    file: 'merge_labels_test.go',
    test: 'Test_mergeYamlLabelsMixed',
    base: '\nservices:\n  test:\n    image: foo\n    labels:\n      FOO: BAR\n',
    override: '\nservices:\n  test:\n    labels:\n      - QIX=ZOT\n',
    expected: '\nservices:\n  test:\n    image: foo\n    labels:\n      - FOO=BAR\n      - QIX=ZOT\n',
  },
  {
    file: 'merge_labels_test.go',
    test: 'Test_mergeYamlLabelsNumber',
    base: '\nservices:\n  test:\n    labels:\n      FOO: 1\n',
    override: '\nservices:\n  test:\n    labels:\n      FOO: 3\n',
    expected: '\nservices:\n  test:\n    labels:\n      - FOO=3\n',
  },
  {
    file: 'merge_labels_test.go',
    test: 'Test_mergeYamlDeployLabelsSequence',
    base: '\nservices:\n  test:\n    image: foo\n    deploy:\n      labels:\n        - FOO=BAR\n',
    override:
      '\nservices:\n  test:\n    deploy:\n      labels:\n        - QIX=ZOT\n        - EMPTY=\n        - NIL\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    deploy:\n      labels:\n        - FOO=BAR\n        - QIX=ZOT\n        - EMPTY=\n        - NIL\n',
  },
  {
    file: 'merge_labels_test.go',
    test: 'Test_mergeYamlDeployLabelsMapping',
    base: '\nservices:\n  test:\n    image: foo\n    deploy:\n      labels:\n        FOO: BAR\n',
    override:
      '\nservices:\n  test:\n    deploy:\n      labels:\n        EMPTY: ""\n        NIL: null\n        QIX: ZOT\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    deploy:\n      labels:\n        - FOO=BAR\n        - EMPTY=\n        - NIL\n        - QIX=ZOT\n',
  },
  {
    file: 'merge_labels_test.go',
    test: 'Test_mergeYamlDeployLabelsMixed',
    base: '\nservices:\n  test:\n    image: foo\n    deploy:\n      labels:\n        FOO: BAR\n',
    override: '\nservices:\n  test:\n    deploy:\n      labels:\n        - QIX=ZOT\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    deploy:\n      labels:\n        - FOO=BAR\n        - QIX=ZOT\n',
  },
  {
    file: 'merge_labels_test.go',
    test: 'Test_mergeYamlDeployLabelsNumber',
    base: '\nservices:\n  test:\n    deploy:\n      labels:\n        FOO: 1\n',
    override: '\nservices:\n  test:\n    deploy:\n      labels:\n        FOO: 3\n',
    expected: '\nservices:\n  test:\n    deploy:\n      labels:\n        - FOO=3\n',
  },
  {
    file: 'merge_labels_test.go',
    test: 'Test_mergeYamlBuildLabelsSequence',
    base: '\nservices:\n  test:\n    image: foo\n    build:\n      labels:\n        - FOO=BAR\n',
    override:
      '\nservices:\n  test:\n    build:\n      labels:\n        - QIX=ZOT\n        - EMPTY=\n        - NIL\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    build:\n      labels:\n        - FOO=BAR\n        - QIX=ZOT\n        - EMPTY=\n        - NIL\n',
  },
  {
    file: 'merge_labels_test.go',
    test: 'Test_mergeYamlBuildLabelsMapping',
    base: '\nservices:\n  test:\n    image: foo\n    build:\n      labels:\n        FOO: BAR\n',
    override:
      '\nservices:\n  test:\n    build:\n      labels:\n        EMPTY: ""\n        NIL: null\n        QIX: ZOT\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    build:\n      labels:\n        - FOO=BAR\n        - EMPTY=\n        - NIL\n        - QIX=ZOT\n',
  },
  {
    file: 'merge_labels_test.go',
    test: 'Test_mergeYamlBuildLabelsMixed',
    base: '\nservices:\n  test:\n    image: foo\n    build:\n      labels:\n        FOO: BAR\n',
    override: '\nservices:\n  test:\n    build:\n      labels:\n        - QIX=ZOT\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    build:\n      labels:\n        - FOO=BAR\n        - QIX=ZOT\n',
  },
  {
    file: 'merge_labels_test.go',
    test: 'Test_mergeYamlBuildLabelsNumber',
    base: '\nservices:\n  test:\n    build:\n      labels:\n        FOO: 1\n',
    override: '\nservices:\n  test:\n    build:\n      labels:\n        FOO: 3\n',
    expected: '\nservices:\n  test:\n    build:\n      labels:\n        - FOO=3\n',
  },
  {
    file: 'merge_links_test.go',
    test: 'TestMergeExtraLinksSequence',
    base: '\nservices:\n  test:\n    image: foo\n    links:\n      - service1\n      - service2\n',
    override: '\nservices:\n  test:\n    links:\n      - service2=alias1\n',
    expected: '\nservices:\n  test:\n    image: foo\n    links:\n      - service1\n      - service2=alias1\n',
  },
  {
    file: 'merge_logging_test.go',
    test: 'Test_mergeYamlLoggingSameDriver',
    base: '\nservices:\n  test:\n    image: foo\n    logging:\n      driver: syslog\n      options:\n        syslog-address: "tcp://192.168.0.42:123"\n',
    override:
      '\nservices:\n  test:\n    logging:\n      driver: syslog\n      options:\n        syslog-address: "tcp://127.0.0.1:123"\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    logging:\n      driver: syslog\n      options:\n        syslog-address: "tcp://127.0.0.1:123"\n',
  },
  {
    file: 'merge_logging_test.go',
    test: 'Test_mergeYamlLoggingDistinctDriver',
    base: '\nservices:\n  test:\n    image: foo\n    logging:\n      driver: local\n      options:\n        max-size: "10m"\n',
    override:
      '\nservices:\n  test:\n    logging:\n      driver: syslog\n      options:\n        syslog-address: "tcp://127.0.0.1:123"\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    logging:\n      driver: syslog\n      options:\n        syslog-address: "tcp://127.0.0.1:123"\n',
  },
  {
    file: 'merge_logging_test.go',
    test: 'Test_mergeYamlLoggingImplicitDriver',
    base: '\nservices:\n  test:\n    image: foo\n    logging:\n      options:\n        max-size: "10m"\n',
    override: '\nservices:\n  test:\n    logging:\n      options:\n        max-file: 3\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    logging:\n      options:\n        max-size: "10m"\n        max-file: 3\n',
  },
  {
    file: 'merge_mem_test.go',
    test: 'TestMemLimitMixed/StringThenInt',
    base: '\nservices:\n  test:\n    mem_limit: 1\n',
    override: "\nservices:\n  test:\n    mem_limit: '256m'\n",
    expected: '\nservices:\n  test:\n    mem_limit: 256m\n',
  },
  {
    file: 'merge_mem_test.go',
    test: 'TestMemLimitMixed/IntThenString',
    base: "\nservices:\n  test:\n    mem_limit: '256m'\n",
    override: '\nservices:\n  test:\n    mem_limit: 1\n',
    expected: '\nservices:\n  test:\n    mem_limit: 1\n',
  },
  {
    file: 'merge_models_test.go',
    test: 'Test_mergeYamlServiceModelsShortSyntax',
    base: '\nservices:\n  test:\n    image: foo\n    models:\n      - llm\n      - embedding-model\n',
    override: '\nservices:\n  test:\n    models:\n      - vision-model\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    models:\n      llm:\n      embedding-model:\n      vision-model:\n',
  },
  {
    file: 'merge_models_test.go',
    test: 'Test_mergeYamlServiceModelsLongSyntax',
    base: '\nservices:\n  test:\n    image: foo\n    models:\n      llm:\n        endpoint_var: AI_MODEL_URL\n        model_var: AI_MODEL_NAME\n',
    override:
      '\nservices:\n  test:\n    models:\n      embedding-model:\n        endpoint_var: EMBEDDING_URL\n        model_var: EMBEDDING_MODEL\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    models:\n      llm:\n        endpoint_var: AI_MODEL_URL\n        model_var: AI_MODEL_NAME\n      embedding-model:\n        endpoint_var: EMBEDDING_URL\n        model_var: EMBEDDING_MODEL\n',
  },
  {
    file: 'merge_models_test.go',
    test: 'Test_mergeYamlServiceModelsMixed',
    base: '\nservices:\n  test:\n    image: foo\n    models:\n      - llm\n      - embedding-model\n',
    override:
      '\nservices:\n  test:\n    models:\n      vision-model:\n        endpoint_var: VISION_URL\n        model_var: VISION_MODEL\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    models:\n      llm:\n      embedding-model:\n      vision-model:\n        endpoint_var: VISION_URL\n        model_var: VISION_MODEL\n',
  },
  {
    file: 'merge_models_test.go',
    test: 'Test_mergeYamlServiceModelsOverride',
    base: '\nservices:\n  test:\n    image: foo\n    models:\n      llm:\n        endpoint_var: OLD_MODEL_URL\n        model_var: OLD_MODEL_NAME\n',
    override:
      '\nservices:\n  test:\n    models:\n      llm:\n        endpoint_var: NEW_MODEL_URL\n        model_var: NEW_MODEL_NAME\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    models:\n      llm:\n        endpoint_var: NEW_MODEL_URL\n        model_var: NEW_MODEL_NAME\n',
  },
  {
    file: 'merge_models_test.go',
    test: 'Test_mergeYamlTopLevelModels',
    base: '\nservices:\n  test:\n    image: foo\nmodels:\n  llm:\n    model: ai/smollm2\n    context_size: 2048\n    runtime_flags:\n      - "--gpu"\n',
    override:
      '\nservices:\n  test:\n    image: foo\nmodels:\n  embedding-model:\n    model: ai/all-minilm\n    context_size: 512\n    runtime_flags:\n      - "--cpu"\n',
    expected:
      '\nservices:\n  test:\n    image: foo\nmodels:\n  llm:\n    model: ai/smollm2\n    context_size: 2048\n    runtime_flags:\n      - "--gpu"\n  embedding-model:\n    model: ai/all-minilm\n    context_size: 512\n    runtime_flags:\n      - "--cpu"\n',
  },
  {
    file: 'merge_models_test.go',
    test: 'Test_mergeYamlModelsCompleteScenario',
    base: '\nservices:\n  app:\n    image: myapp\n    models:\n      - llm\n  worker:\n    image: worker\n    models:\n      embedding-model:\n        endpoint_var: EMBEDDING_URL\nmodels:\n  llm:\n    model: ai/smollm2\n    context_size: 2048\n  embedding-model:\n    model: ai/all-minilm\n    context_size: 512\n',
    override:
      '\nservices:\n  app:\n    models:\n      - vision-model\n  worker:\n    models:\n      llm:\n        endpoint_var: LLM_URL\n        model_var: LLM_NAME\nmodels:\n  vision-model:\n    model: ai/clip\n    context_size: 1024\n  llm:\n    model: ai/gpt-4\n    context_size: 8192\n',
    expected:
      '\nservices:\n  app:\n    image: myapp\n    models:\n      llm:\n      vision-model:\n  worker:\n    image: worker\n    models:\n      embedding-model:\n        endpoint_var: EMBEDDING_URL\n      llm:\n        endpoint_var: LLM_URL\n        model_var: LLM_NAME\nmodels:\n  llm:\n    model: ai/gpt-4\n    context_size: 8192\n  embedding-model:\n    model: ai/all-minilm\n    context_size: 512\n  vision-model:\n    model: ai/clip\n    context_size: 1024\n',
  },
  {
    file: 'merge_models_test.go',
    test: 'Test_mergeYamlModelsMultipleServices',
    base: '\nservices:\n  go-genai:\n    models:\n      - llm\nmodels:\n  llm:\n    model: ai/smollm2\n    context_size: 2048\n',
    override:
      '\nservices:\n  node-genai:\n    models:\n      - llm\nmodels:\n  llm:\n    model: ai/smollm2\n    context_size: 2048\n',
    expected:
      '\nservices:\n  go-genai:\n    models:\n      - llm\n  node-genai:\n    models:\n      - llm\nmodels:\n  llm:\n    model: ai/smollm2\n    context_size: 2048\n',
  },
  {
    file: 'merge_mounts_test.go',
    test: 'Test_mergeYamlServiceMount',
    base: '\nservices:\n  test:\n    image: foo\n    secrets:\n      - foo\n      - bar\n      - zot\n',
    override:
      '\nservices:\n  test:\n    image: foo\n    secrets:\n      - source: zot\n        target: /run/secrets/foo\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    secrets:\n      - source: zot\n        target: /run/secrets/foo\n      - bar\n      - zot\n',
  },
  {
    file: 'merge_networks_test.go',
    test: 'Test_mergeYamlServiceNetworkSequence',
    base: '\nservices:\n  test:\n    image: foo\n    networks:\n      - front-network\n      - back-network\n',
    override: '\nservices:\n  test:\n    networks:\n      - front-network\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    networks:\n      front-network:\n      back-network:\n',
  },
  {
    file: 'merge_networks_test.go',
    test: 'Test_mergeYamlServiceNetworksMapping',
    base: '\nservices:\n  test:\n    image: foo\n    networks:\n      network1:\n        aliases:\n          - alias1\n          - alias2\n        link_local_ips:\n          - 57.123.22.11\n          - 57.123.22.13\n      network2:\n        aliases:\n          - alias1\n          - alias3\n',
    override:
      '\nservices:\n  test:\n    networks:\n      network1:\n        aliases:\n          - alias3\n          - alias1\n        link_local_ips:\n          - 57.123.22.12\n          - 57.123.22.13\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    networks:\n      network1:\n        aliases:\n          - alias1\n          - alias2\n          - alias3\n        link_local_ips:\n          - 57.123.22.11\n          - 57.123.22.13\n          - 57.123.22.12\n      network2:\n        aliases:\n          - alias1\n          - alias3\n',
  },
  {
    file: 'merge_networks_test.go',
    test: 'Test_mergeYamlServiceNetworksMixed',
    base: '\nservices:\n  test:\n    image: foo\n    networks:\n      - front-network\n      - back-network\n      - network1\n',
    override:
      '\nservices:\n  test:\n    image: foo\n    networks:\n      network1:\n        aliases:\n          - alias1\n          - alias2\n        link_local_ips:\n          - 57.123.22.11\n          - 57.123.22.13\n      network2:\n        aliases:\n          - alias1\n          - alias3\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    networks:\n      front-network:\n      back-network:\n      network1:\n        aliases:\n          - alias1\n          - alias2\n        link_local_ips:\n          - 57.123.22.11\n          - 57.123.22.13\n      network2:\n        aliases:\n          - alias1\n          - alias3\n',
  },
  {
    file: 'merge_networks_test.go',
    test: 'Test_mergeYamlNetworks',
    base: '\nservices:\n  test:\n    image: foo\nnetworks:\n  network1:\n    ipam:\n      config:\n        - subnet: 172.28.0.0/16\n          ip_range: 172.28.5.0/24\n          gateway: 172.28.5.254\n          aux_addresses:\n            host1: 172.28.1.5\n            host2: 172.28.1.6\n            host3: 172.28.1.7\n      options:\n        foo: bar\n        baz: "0"\n    labels:\n      com.example.description: "Financial transaction network"\n      com.example.department: "Finance"\n      com.example.label-with-empty-value: ""\n',
    override:
      '\nservices:\n  test:\n    image: foo\nnetworks:\n  network1:\n    ipam:\n      config:\n        - subnet: 172.28.0.0/16\n          ip_range: 172.28.5.1/24\n          gateway: 172.28.5.254\n          aux_addresses:\n            host1: 172.28.1.5\n            host2: 172.28.1.4\n            host4: 172.28.1.10\n        - subnet: 172.28.10.0/16\n          ip_range: 172.28.10.1/24\n          gateway: 172.28.10.254\n          aux_addresses:\n            host1: 172.28.10.5\n            host2: 172.28.10.4\n            host3: 172.28.10.10\n      options:\n        bar: foo\n        baz: "0"\n    labels:\n      - "com.example.department-new=New"\n      - "com.example.description=Financial transaction network"\n      - "com.example.label-with-empty-value="\n  network2:\n',
    expected:
      '\nservices:\n  test:\n    image: foo\nnetworks:\n  network1:\n    ipam:\n      config:\n        - subnet: 172.28.0.0/16\n          ip_range: 172.28.5.1/24\n          gateway: 172.28.5.254\n          aux_addresses:\n            host1: 172.28.1.5\n            host2: 172.28.1.4\n            host3: 172.28.1.7\n            host4: 172.28.1.10\n        - subnet: 172.28.10.0/16\n          ip_range: 172.28.10.1/24\n          gateway: 172.28.10.254\n          aux_addresses:\n            host1: 172.28.10.5\n            host2: 172.28.10.4\n            host3: 172.28.10.10\n      options:\n        foo: bar\n        bar: foo\n        baz: "0"\n    labels:\n      - "com.example.department=Finance"\n      - "com.example.description=Financial transaction network"\n      - "com.example.label-with-empty-value="\n      - "com.example.department-new=New"\n  network2:\n',
  },
  {
    file: 'merge_profiles_test.go',
    test: 'TestMergeProfilesUnicity',
    base: '\nservices:\n  test:\n    image: foo\n    profiles:\n      - profile1\n      - profile2\n',
    override: '\nservices:\n  test:\n    profiles:\n      - profile2\n      - profile3\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    profiles:\n      - profile1\n      - profile2\n      - profile3\n',
  },
  {
    file: 'merge_sysctls_test.go',
    test: 'TestMergeSysctlsSequence',
    base: '\nservices:\n  test:\n    image: foo\n    sysctls:\n      - net.ipv6.conf.all.disable_ipv6=1\n',
    override: '\nservices:\n  test:\n    sysctls:\n      - net.ipv4.tcp_keepalive_time=300\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    sysctls:\n      - net.ipv6.conf.all.disable_ipv6=1\n      - net.ipv4.tcp_keepalive_time=300\n',
  },
  {
    file: 'merge_sysctls_test.go',
    test: 'TestMergeSysctlsMapping',
    base: '\nservices:\n  test:\n    image: foo\n    sysctls:\n      "net.ipv6.conf.all.disable_ipv6": 1\n',
    override: '\nservices:\n  test:\n    sysctls:\n      "net.ipv4.tcp_keepalive_time": "300"\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    sysctls:\n      - net.ipv6.conf.all.disable_ipv6=1\n      - net.ipv4.tcp_keepalive_time=300\n',
  },
  {
    file: 'merge_sysctls_test.go',
    test: 'TestMergeSysctlsMixed',
    base: '\nservices:\n  test:\n    image: foo\n    sysctls:\n      "net.ipv6.conf.all.disable_ipv6": 1\n',
    override: '\nservices:\n  test:\n    sysctls:\n      - net.ipv4.tcp_keepalive_time=300\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    sysctls:\n      - net.ipv6.conf.all.disable_ipv6=1\n      - net.ipv4.tcp_keepalive_time=300\n',
  },
  {
    file: 'merge_sysctls_test.go',
    test: 'TestMergeSysctlsNumbers',
    base: '\nservices:\n  test:\n    sysctls:\n      "net.ipv4.tcp_keepalive_time": 1\n',
    override: '\nservices:\n  test:\n    sysctls:\n      "net.ipv4.tcp_keepalive_time": 3\n',
    expected: '\nservices:\n  test:\n    sysctls:\n      - net.ipv4.tcp_keepalive_time=3\n',
  },
  {
    file: 'merge_tmpfs_test.go',
    test: 'TestMergeTmpfsSequence',
    base: '\nservices:\n  test:\n    image: foo\n    tmpfs:\n      - /foo\n',
    override: '\nservices:\n  test:\n    tmpfs:\n      - /bar\n      - /baz\n      - /foo\n',
    expected: '\nservices:\n  test:\n    image: foo\n    tmpfs:\n      - /foo\n      - /bar\n      - /baz\n',
  },
  {
    file: 'merge_tmpfs_test.go',
    test: 'TestMergeTmpfsString',
    base: '\nservices:\n  test:\n    image: foo\n    tmpfs: /foo\n',
    override: '\nservices:\n  test:\n    tmpfs: /bar\n',
    expected: '\nservices:\n  test:\n    image: foo\n    tmpfs:\n      - /foo\n      - /bar\n',
  },
  {
    file: 'merge_tmpfs_test.go',
    test: 'TestMergeTmpfsMixed/SequenceThenString',
    base: '\nservices:\n  test:\n    image: foo\n    tmpfs: /foo\n',
    override: '\nservices:\n  test:\n    tmpfs:\n      - /bar\n      - /foo\n',
    expected: '\nservices:\n  test:\n    image: foo\n    tmpfs:\n      - /foo\n      - /bar\n',
  },
  {
    file: 'merge_tmpfs_test.go',
    test: 'TestMergeTmpfsMixed/StringThenSequence',
    base: '\nservices:\n  test:\n    tmpfs:\n      - /bar\n      - /foo\n',
    override: '\nservices:\n  test:\n    image: foo\n    tmpfs: /foo\n',
    expected: '\nservices:\n  test:\n    image: foo\n    tmpfs:\n      - /bar\n      - /foo\n',
  },
  {
    file: 'merge_ulimits_test.go',
    test: 'Test_mergeYamlUlimits',
    base: '\nservices:\n  test:\n    image: foo\n    ulimits:\n      nofile: \n          soft: 20000\n          hard: 40000\n      nproc: 65535\n      locks: \n          soft: 20000\n          hard: 40000\n',
    override:
      '\nservices:\n  test:\n    image: foo\n    ulimits:\n      nofile: \n          soft: 10000\n          hard: 40000\n      nproc: \n          soft: 65535\n      locks:\n          hard: 65535\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    ulimits:\n      nofile: \n          soft: 10000\n          hard: 40000\n      nproc: \n          soft: 65535\n      locks:\n          hard: 65535\n',
  },
  {
    file: 'merge_volumes_test.go',
    test: 'TestMergeVolumes',
    base: '\nservices:\n  test:\n    image: foo\n    volumes:\n     - a:/a\n     - type: bind\n       source: ./b\n       target: /b\n',
    override: '\nservices:\n  test:\n    volumes:\n      - c:/c\n',
    expected:
      '\nservices:\n  test:\n    image: foo\n    volumes:\n      - a:/a\n      - type: bind\n        source: ./b\n        target: /b\n      - c:/c\n',
  },
];
