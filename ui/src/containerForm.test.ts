import { describe, expect, test } from 'bun:test';
import type { ContainerSpec } from './api-containers';
import { formFromSpec, joinCommand, parsePairs, specFromForm, splitCommand } from './containerForm';

describe('commands', () => {
  test('split like a shell and join back to the same words', () => {
    const words = splitCommand(`sh -c 'echo "hi there"; exit 0' --flag=a\\ b ""`);
    expect(words).toEqual(['sh', '-c', 'echo "hi there"; exit 0', '--flag=a b', '']);
    expect(splitCommand(joinCommand(words))).toEqual(words);
    expect(() => splitCommand(`echo 'open`)).toThrow("A ' quote is not closed");
  });
});

describe('env and labels', () => {
  test('an env file pastes as it is: comments, export, quotes, = in values', () => {
    expect(parsePairs('# db\nexport DB_URL="postgres://a:b@c/d?x=1"\n\nTOKEN=abc=\n', 'Environment')).toEqual(
      {
        DB_URL: 'postgres://a:b@c/d?x=1',
        TOKEN: 'abc=',
      },
    );
    expect(() => parsePairs('NOEQUALS', 'Environment')).toThrow('Environment, line 1: write KEY=value');
  });
});

test('a spec survives the form unchanged', () => {
  const spec: ContainerSpec = {
    image: 'nginx:1.27',
    name: 'web',
    command: ['nginx', '-g', 'daemon off;'],
    env: { A: '1' },
    ports: [{ containerPort: 80, protocol: 'tcp', hostPort: 8080, hostIp: '127.0.0.1' }],
    mounts: [{ type: 'volume', source: 'data', target: '/data', readOnly: true }],
    networks: [{ name: 'backend', aliases: ['web', 'www'], ipv4Address: '10.0.0.5' }],
    restartPolicy: 'on-failure',
    maxRetries: 3,
    labels: { tier: 'web' },
    memory: '512m',
    cpus: 1.5,
    user: 'nobody',
    workingDir: '/srv',
    hostname: 'web1',
    privileged: false,
    capAdd: ['NET_ADMIN'],
    capDrop: ['ALL'],
    tty: true,
    healthcheck: {
      command: 'curl -f localhost',
      intervalSeconds: 5,
      timeoutSeconds: 2,
      retries: 3,
      startPeriodSeconds: 10,
    },
  };
  expect(specFromForm(formFromSpec(spec))).toEqual({ ...spec, entrypoint: [] });
});
