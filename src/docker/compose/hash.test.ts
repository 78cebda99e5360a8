// The config hash: docker/compose's own fixture (pkg/compose/convergence_test.go
// TestCreateMobyContainer pins 8dbce408… for a service with two prioritised networks), the fields
// ServiceHash clears, and the Go JSON encoding of each kind of field it hashes.
import { describe, expect, test } from 'bun:test';
import { goFloat32, goJsonString, serviceConfigHash, serviceHashInput } from './hash.ts';
import { loadProject } from './load.ts';
import type { ServiceConfig } from './model.ts';

async function service(yaml: string, name = 'a'): Promise<ServiceConfig> {
  const project = await loadProject({
    workingDir: '/srv/h',
    files: [{ path: 'compose.yaml', content: yaml }],
    readFile: async () => undefined,
  });
  return project.services[name] as ServiceConfig;
}

describe('serviceConfigHash', () => {
  test("docker compose's own fixture", () => {
    const fixture: ServiceConfig = { name: 'test', networks: { a: { priority: 10 }, b: { priority: 100 } } };
    expect(serviceHashInput(fixture)).toBe(
      '{"command":null,"entrypoint":null,"networks":{"a":{"priority":10},"b":{"priority":100}}}',
    );
    expect(serviceConfigHash(fixture)).toBe(
      '8dbce408396f8986266bc5deba0c09cfebac63c95c2238e405c7bee5f1bd84b8',
    );
  });

  test('build, pull_policy, scale, replicas, depends_on, profiles and env_file do not change it; the image does', async () => {
    const base = await service('services:\n  a: {image: nginx:1}\n');
    const same = await service(`
services:
  b: {image: x}
  a:
    image: nginx:1
    build: .
    pull_policy: always
    scale: 3
    deploy: {replicas: 3}
    depends_on: [b]
`);
    const replicasOnly = await service('services:\n  a: {image: nginx:1, deploy: {replicas: 2}}\n');
    expect(serviceConfigHash({ ...same, deploy: undefined })).toBe(serviceConfigHash(base));
    expect(serviceConfigHash({ ...base, profiles: ['p'] })).toBe(serviceConfigHash(base));
    expect(serviceConfigHash({ ...base, env_file: [{ path: '/x.env', required: true }] })).toBe(
      serviceConfigHash(base),
    );
    // A deploy section, even reduced to nothing, is a non-nil pointer: compose writes {"resources":{},"placement":{}}.
    expect(serviceHashInput(replicasOnly)).toContain('"deploy":{"resources":{},"placement":{}}');
    expect(serviceConfigHash(await service('services:\n  a: {image: nginx:2}\n'))).not.toBe(
      serviceConfigHash(base),
    );
  });

  test('each kind of field is encoded as Go encodes compose-go types', async () => {
    const a = await service(`
services:
  a:
    image: nginx
    cap_add: [NET_ADMIN]
    command: run
    cpus: 0.5
    mem_limit: 1m
    environment: [A=1, B]
    extra_hosts: ["db:10.0.0.2", "a=::1"]
    healthcheck: {test: [CMD, "true"], interval: 1m30s, retries: 0}
    labels: {a: "<b>&"}
    ports: ["8080:80"]
    secrets: [{source: s, mode: 0444}]
    stop_grace_period: 1500ms
    ulimits: {nofile: {soft: 1, hard: 2}, nproc: 3}
    volumes: ["/x:/y", "vol:/v"]
    init: false
secrets:
  s: {file: ./s.txt}
volumes:
  vol: {}
`);
    expect(serviceHashInput(a)).toBe(
      [
        '{"cap_add":["NET_ADMIN"],"cpus":0.5,"command":["run"],"entrypoint":null,',
        '"environment":{"A":"1","B":null},"extra_hosts":["a=::1","db=10.0.0.2"],',
        '"healthcheck":{"test":["CMD","true"],"interval":"1m30s","retries":0},"image":"nginx","init":false,',
        '"labels":{"a":"\\u003cb\\u003e\\u0026"},"mem_limit":"1048576","networks":{"default":null},',
        '"ports":[{"mode":"ingress","target":80,"published":"8080","protocol":"tcp"}],',
        '"secrets":[{"source":"s","target":"/run/secrets/s","mode":"0444"}],"stop_grace_period":"1.5s",',
        '"ulimits":{"nofile":{"soft":1,"hard":2},"nproc":3},',
        '"volumes":[{"type":"bind","source":"/x","target":"/y","bind":{}},{"type":"volume","source":"vol","target":"/v","volume":{}}]}',
      ].join(''),
    );
  });

  test('develop, hooks, models and provider are hashed as compose-go encodes them', async () => {
    const a = await service(`
services:
  a:
    image: x
    develop:
      watch: [{path: ./src, action: sync, target: /app, ignore: node_modules}]
    post_start: [{command: echo hi, user: root}]
    pre_stop: [{command: [stop], environment: [A=1]}]
    models: [llm]
`);
    expect(serviceHashInput(a)).toBe(
      [
        '{"develop":{"watch":[{"path":"/srv/h/src","action":"sync","target":"/app","exec":{"command":null},',
        '"ignore":["node_modules"]}]},"command":null,"entrypoint":null,"image":"x","models":{"llm":null},',
        '"networks":{"default":null},"post_start":[{"command":["echo","hi"],"user":"root"}],',
        '"pre_stop":[{"command":["stop"],"environment":{"A":"1"}}]}',
      ].join(''),
    );
  });

  test('Go number and string encodings', () => {
    expect(goFloat32(0.1)).toBe('0.1');
    expect(goFloat32(1.5)).toBe('1.5');
    expect(goFloat32(2)).toBe('2');
    expect(goFloat32(1e-7)).toBe('1e-07');
    expect(goJsonString('a"b\\c\n\u2028<')).toBe('"a\\"b\\\\c\\n\\u2028\\u003c"');
  });
});
