// docker run lines as Compose files: flags mapped to their keys, shell quoting honoured, unknown
// flags refused by name; and the result loads as a valid project.
import { describe, expect, test } from 'bun:test';
import { parse } from 'yaml';
import { loadProject } from '../docker/compose/load.ts';
import { composeFromDockerRun, DockerRunError, shellWords } from './docker-run.ts';

describe('shellWords', () => {
  test('splits on spaces, keeps quoted text whole, honours backslashes', () => {
    expect(shellWords(`a "b c" 'd "e"' f\\ g "h\\"i"`)).toEqual(['a', 'b c', 'd "e"', 'f g', 'h"i']);
    expect(shellWords(`x ""`)).toEqual(['x', '']);
    expect(() => shellWords(`a "b`)).toThrow(DockerRunError);
  });
});

describe('composeFromDockerRun', () => {
  test('maps the usual flags', async () => {
    const text = composeFromDockerRun(
      `docker run -d --name web -p 8080:80 -p 127.0.0.1:8443:443/tcp -v data:/var/lib/data -v /srv/conf:/etc/conf:ro \\
        -e MODE=prod -e "GREETING=hello world" --env-file app.env --restart unless-stopped -l team=ops \\
        --health-cmd "wget -qO- localhost" --health-interval 10s --memory 256m --cpus 0.5 --cap-add NET_ADMIN \\
        -it nginx:1.27 nginx -g "daemon off;"`,
    );
    const document = parse(text) as { services: Record<string, Record<string, unknown>>; volumes: object };
    expect(document.services.web).toEqual({
      image: 'nginx:1.27',
      command: ['nginx', '-g', 'daemon off;'],
      container_name: 'web',
      ports: ['8080:80', '127.0.0.1:8443:443/tcp'],
      volumes: ['data:/var/lib/data', '/srv/conf:/etc/conf:ro'],
      environment: { MODE: 'prod', GREETING: 'hello world' },
      env_file: ['app.env'],
      restart: 'unless-stopped',
      labels: { team: 'ops' },
      healthcheck: { test: ['CMD-SHELL', 'wget -qO- localhost'], interval: '10s' },
      mem_limit: '256m',
      cpus: 0.5,
      cap_add: ['NET_ADMIN'],
      stdin_open: true,
      tty: true,
    });
    expect(document.volumes).toEqual({ data: {} });
  });

  test('the result is a valid Compose project', async () => {
    const text = composeFromDockerRun(
      'docker run --rm -p 80:80 -v cache:/cache --network-alias x --network shared busybox sleep 1',
    );
    const project = await loadProject({
      workingDir: '/tmp',
      projectName: 'converted',
      files: [{ path: 'compose.yaml', content: text }],
    });
    expect(project.services.busybox?.command).toEqual(['sleep', '1']);
    expect(project.networks.shared).toMatchObject({ external: true });
    expect(project.volumes.cache?.name).toBe('converted_cache');
  });

  test('unknown flags and lines without an image are refused by name', () => {
    expect(() => composeFromDockerRun('docker run --frobnicate 1 busybox')).toThrow('--frobnicate');
    expect(() => composeFromDockerRun('docker run -d')).toThrow('no image');
    expect(() => composeFromDockerRun('docker ps')).toThrow('docker run');
  });
});
