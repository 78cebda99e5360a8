// compose-go's short-syntax tests transcribed as data (compose-spec/compose-go, Apache-2.0):
// format/volume_test.go (ParseVolume), types/types_test.go TestParsePortConfig and
// transform/ports_test.go Test_transformPorts. Expectations are written in our model's shape
// (compose-go's ServiceVolumeConfig / ServicePortConfig fields, snake_case, absent = zero).
// Left out: TestVolumeStringer (a String() method we do not have) and the ignoreParseError case
// of Test_transformPorts (a mode of compose-go's canonical step used only without interpolation).
import type { ParsedVolume, PortMapping } from '../short-syntax.ts';

export interface VolumeCase {
  test: string;
  spec: string;
  expected?: ParsedVolume;
  error?: string;
}

const bind = (source: string, target: string, extra: Partial<ParsedVolume> = {}): ParsedVolume => ({
  type: 'bind',
  source,
  target,
  bind: { create_host_path: true },
  ...extra,
});

export const volumeCases: VolumeCase[] = [
  ...['/path', '/path/foo'].map((spec) => ({
    test: 'TestParseVolumeAnonymousVolume',
    spec,
    expected: { type: 'volume' as const, target: spec, volume: {} },
  })),
  ...['C:\\path', 'Z:\\path\\foo'].map((spec) => ({
    test: 'TestParseVolumeAnonymousVolumeWindows',
    spec,
    expected: { type: 'volume' as const, target: spec, volume: {} },
  })),
  {
    test: 'TestParseVolumeTooManyColons',
    spec: '/foo:/foo:ro:foo',
    error: 'invalid spec: /foo:/foo:ro:foo: too many colons',
  },
  ...['.', '/a'].map((spec) => ({
    test: 'TestParseVolumeShortVolumes',
    spec,
    expected: { type: 'volume' as const, target: spec },
  })),
  { test: 'TestParseVolumeMissingSource', spec: ':foo', error: 'empty section between colons' },
  { test: 'TestParseVolumeMissingSource', spec: '/foo::ro', error: 'empty section between colons' },
  ...['./foo', '~/thing', '../other', '/foo', '/home/user'].map((path) => ({
    test: 'TestParseVolumeBindMount',
    spec: `${path}:/target`,
    expected: bind(path, '/target'),
  })),
  ...['./foo', '~/thing', '../other', 'D:\\path', '/home/user'].map((path) => ({
    test: 'TestParseVolumeRelativeBindMountWindows',
    spec: `${path}:d:\\target`,
    expected: bind(path, 'd:\\target'),
  })),
  {
    test: 'TestParseVolumeWithBindOptions',
    spec: '/source:/target:slave',
    expected: {
      type: 'bind',
      source: '/source',
      target: '/target',
      bind: { create_host_path: true, propagation: 'slave' },
    },
  },
  {
    test: 'TestParseVolumeWithBindOptionsSELinuxShared',
    spec: '/source:/target:ro,z',
    expected: bind('/source', '/target', { read_only: true, bind: { create_host_path: true, selinux: 'z' } }),
  },
  {
    test: 'TestParseVolumeWithBindOptionsSELinuxPrivate',
    spec: '/source:/target:ro,Z',
    expected: bind('/source', '/target', { read_only: true, bind: { create_host_path: true, selinux: 'Z' } }),
  },
  {
    test: 'TestParseVolumeWithBindOptionsWindows',
    spec: 'C:\\source\\foo:D:\\target:ro,rprivate',
    expected: bind('C:\\source\\foo', 'D:\\target', {
      read_only: true,
      bind: { create_host_path: true, propagation: 'rprivate' },
    }),
  },
  {
    test: 'TestParseVolumeWithInvalidVolumeOptions',
    spec: 'name:/target:bogus',
    expected: { type: 'volume', source: 'name', target: '/target', volume: {} },
  },
  {
    test: 'TestParseVolumeWithVolumeOptions',
    spec: 'name:/target:nocopy',
    expected: { type: 'volume', source: 'name', target: '/target', volume: { nocopy: true } },
  },
  ...['./foo', '/home/user'].map((path) => ({
    test: 'TestParseVolumeWithReadOnly',
    spec: `${path}:/target:ro`,
    expected: bind(path, '/target', { read_only: true }),
  })),
  ...['./foo', '/home/user'].map((path) => ({
    test: 'TestParseVolumeWithRW',
    spec: `${path}:/target:rw`,
    expected: bind(path, '/target'),
  })),
  {
    test: 'TestParseVolumeWindowsNamedPipe',
    spec: '\\\\.\\pipe\\docker_engine:\\\\.\\pipe\\inside',
    expected: bind('\\\\.\\pipe\\docker_engine', '\\\\.\\pipe\\inside'),
  },
  { test: 'TestParseVolumeInvalidEmptySpec', spec: '', error: 'invalid empty volume spec' },
  { test: 'TestParseVolumeInvalidSections', spec: '/foo::rw', error: 'invalid spec' },
  ...(
    [
      [
        'variable with default value in target path',
        '/tmp:/tmp/${BUG_HERE:-DEFAULT}/path',
        bind('/tmp', '/tmp/${BUG_HERE:-DEFAULT}/path'),
      ],
      [
        'variable with default value in source path',
        '/tmp/${VAR:-default}:/target',
        bind('/tmp/${VAR:-default}', '/target'),
      ],
      [
        'variable with default value in both source and target',
        '/src/${SRC:-default}:/dst/${DST:-value}',
        bind('/src/${SRC:-default}', '/dst/${DST:-value}'),
      ],
      ['variable with empty default value', '/tmp:/tmp/${VAR:-}/path', bind('/tmp', '/tmp/${VAR:-}/path')],
      [
        'variable with complex default value containing slashes',
        '/tmp:/tmp/${VAR:-default/path/value}/file',
        bind('/tmp', '/tmp/${VAR:-default/path/value}/file'),
      ],
      [
        'multiple variables with default values in target',
        '/tmp:/tmp/${VAR1:-val1}/${VAR2:-val2}/path',
        bind('/tmp', '/tmp/${VAR1:-val1}/${VAR2:-val2}/path'),
      ],
      [
        'variable with default value and read-only option',
        '/tmp:/tmp/${VAR:-default}/path:ro',
        bind('/tmp', '/tmp/${VAR:-default}/path', { read_only: true }),
      ],
      [
        'variable without default value (normal variable)',
        '/tmp:/tmp/${WORKS_AS_EXPECTED}/path',
        bind('/tmp', '/tmp/${WORKS_AS_EXPECTED}/path'),
      ],
      [
        'mixed variables with and without defaults',
        '/tmp:/tmp/${VAR1:-default}/${VAR2}/path',
        bind('/tmp', '/tmp/${VAR1:-default}/${VAR2}/path'),
      ],
      [
        'variable with default containing colon',
        '/tmp:/tmp/${TIME:-12:30:45}/path',
        bind('/tmp', '/tmp/${TIME:-12:30:45}/path'),
      ],
      [
        'named volume with variable default in target',
        'myvolume:/data/${VAR:-default}/path',
        { type: 'volume', source: 'myvolume', target: '/data/${VAR:-default}/path', volume: {} },
      ],
      [
        'variable with default value and bind options',
        '/src:/target/${VAR:-default}/path:slave,ro',
        bind('/src', '/target/${VAR:-default}/path', {
          read_only: true,
          bind: { create_host_path: true, propagation: 'slave' },
        }),
      ],
    ] as Array<[string, string, ParsedVolume]>
  ).map(([name, spec, expected]) => ({
    test: `TestParseVolumeWithVariableDefaultValue: ${name}`,
    spec,
    expected,
  })),
  ...(
    [
      [
        'Windows path with variable default in target',
        'C:\\source:D:\\target\\${VAR:-default}\\path',
        bind('C:\\source', 'D:\\target\\${VAR:-default}\\path'),
      ],
      [
        'Windows path with variable default in source',
        'C:\\src\\${VAR:-default}:D:\\target',
        bind('C:\\src\\${VAR:-default}', 'D:\\target'),
      ],
      [
        'Windows path with variable default and options',
        'C:\\source:D:\\${VAR:-default}\\path:ro',
        bind('C:\\source', 'D:\\${VAR:-default}\\path', { read_only: true }),
      ],
    ] as Array<[string, string, ParsedVolume]>
  ).map(([name, spec, expected]) => ({
    test: `TestParseVolumeWithVariableDefaultValueWindows: ${name}`,
    spec,
    expected,
  })),
  ...(
    [
      [
        'variable with default containing braces',
        '/tmp:/tmp/${VAR:-{default}}/path',
        bind('/tmp', '/tmp/${VAR:-{default}}/path'),
      ],
      [
        'variable with default at end of path',
        '/tmp:/tmp/path/${VAR:-default}',
        bind('/tmp', '/tmp/path/${VAR:-default}'),
      ],
      [
        'variable with default at start of path',
        '/tmp:/${VAR:-default}/path',
        bind('/tmp', '/${VAR:-default}/path'),
      ],
    ] as Array<[string, string, ParsedVolume]>
  ).map(([name, spec, expected]) => ({ test: `TestParseVolumeWithNestedBraces: ${name}`, spec, expected })),
];

/** TestParseVolumeSplitCases: whether the spec has a source (more than one section). */
export const volumeSplitCases: Array<[string, boolean]> = [
  ['C:\\foo:d:', true],
  [':C:\\foo:d:', false],
  ['/foo:/bar:ro', true],
  ['/foo:/bar:ro', true],
  ['C:\\foo\\:/foo', true],
  ['d:\\', false],
  ['d:', false],
  ['d:\\path', false],
  ['d:\\path with space', false],
  ['d:\\pathandmode:rw', true],
  ['c:\\:d:\\', true],
  ['c:\\windows\\:d:', true],
  ['c:\\windows:d:\\s p a c e', true],
  ['c:\\windows:d:\\s p a c e:RW', true],
  ['c:\\program files:d:\\s p a c e i n h o s t d i r', true],
  ['0123456789name:d:', true],
  ['MiXeDcAsEnAmE:d:', true],
  ['name:D:', true],
  ['name:D::rW', true],
  ['name:D::RW', true],
  ['c:/:d:/forward/slashes/are/good/too', true],
  ['c:\\Windows', false],
  ['c:\\Program Files (x86)', false],
  ['', false],
  ['.', false],
  ['..\\', false],
  ['c:\\:..\\', true],
  ['c:\\:d:\\:xyzzy', true],
  ['/tmp/x/y:/foo/x/y', true],
];

export interface PortCase {
  test: string;
  spec: string;
  expected?: PortMapping[];
  error?: string;
}

const port = (target: number, protocol: string, published?: string, host_ip?: string): PortMapping => ({
  mode: 'ingress',
  target,
  protocol,
  ...(published === undefined ? {} : { published }),
  ...(host_ip === undefined ? {} : { host_ip }),
});

export const portCases: PortCase[] = [
  { test: 'TestParsePortConfig', spec: '80', expected: [port(80, 'tcp')] },
  { test: 'TestParsePortConfig', spec: '80:8080', expected: [port(8080, 'tcp', '80')] },
  { test: 'TestParsePortConfig', spec: '80-90:8080', expected: [port(8080, 'tcp', '80-90')] },
  { test: 'TestParsePortConfig', spec: '8080:80/tcp', expected: [port(80, 'tcp', '8080')] },
  { test: 'TestParsePortConfig', spec: '80:8080/udp', expected: [port(8080, 'udp', '80')] },
  {
    test: 'TestParsePortConfig',
    spec: '80-81:8080-8081/tcp',
    expected: [port(8080, 'tcp', '80'), port(8081, 'tcp', '81')],
  },
  {
    test: 'TestParsePortConfig',
    spec: '80-82:8080-8082/udp',
    expected: [port(8080, 'udp', '80'), port(8081, 'udp', '81'), port(8082, 'udp', '82')],
  },
  { test: 'TestParsePortConfig', spec: '80-82:8080/udp', expected: [port(8080, 'udp', '80-82')] },
  { test: 'TestParsePortConfig', spec: '80-80:8080/tcp', expected: [port(8080, 'tcp', '80')] },
  { test: 'TestParsePortConfig', spec: '9999999', error: 'Invalid containerPort: 9999999' },
  { test: 'TestParsePortConfig', spec: '80/xyz', error: 'Invalid proto: xyz' },
  { test: 'TestParsePortConfig', spec: 'tcp', error: 'Invalid containerPort: tcp' },
  { test: 'TestParsePortConfig', spec: 'udp', error: 'Invalid containerPort: udp' },
  { test: 'TestParsePortConfig', spec: '', error: 'No port specified: <empty>' },
  { test: 'TestParsePortConfig', spec: '1.1.1.1:80:80', expected: [port(80, 'tcp', '80', '1.1.1.1')] },
  {
    test: 'Test_transformPorts',
    spec: '127.0.0.1:8080:80',
    expected: [port(80, 'tcp', '8080', '127.0.0.1')],
  },
  {
    test: 'Test_transformPorts',
    spec: '127.0.0.1:8081:81',
    expected: [port(81, 'tcp', '8081', '127.0.0.1')],
  },
  { test: 'Test_transformPorts: invalid IP', spec: '127.0.1:8080:80', error: 'Invalid ip address: 127.0.1' },
];
