// Volume routes and the volume browser against the test bed's daemon: every action, hostile
// paths that must be refused without changing anything, and an export/import round trip.
// Each runs against Docker and against Podman's compatible API; what Podman does differently
// is skipped there and listed in the README.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { VolumeBrowser } from '../../docker/volume-browser.ts';
import {
  execIn,
  HELPER_KIND,
  HELPER_LABEL,
  HELPER_OWNER_LABEL,
  HELPER_VOLUME_LABEL,
  VolumeHelpers,
} from '../../docker/volume-helper.ts';
import { TarParser, tarStream } from '../../docker/volume-tar.ts';
import { testEngines } from '../../testing/engines.ts';
import type { ApiSession } from '../../testing/session.ts';
import { testbed } from '../../testing/testbed.ts';
import {
  type LocalEnvironment,
  localEnvironment,
  principalWith,
  removeRunObjects,
  routesApp,
  runScript,
} from './docker-test-fixture.ts';
import { volumeRoutes } from './volumes.ts';

const bed = testbed();
for (const engine of testEngines()) {
  describe(engine.name, () => {
    let env: LocalEnvironment;
    let helpers: VolumeHelpers;
    let admin: ApiSession;
    let app: ReturnType<typeof routesApp>['app'];
    let base: string;
    let browsed: string;

    const BINARY = new Uint8Array(Array.from({ length: 4096 }, (_, index) => (index * 37 + 11) % 256));

    beforeAll(async () => {
      env = await localEnvironment({ engine });
      helpers = new VolumeHelpers({ image: bed.images.busybox, idleMs: 0 });
      ({ app, api: admin } = routesApp((access) =>
        volumeRoutes({
          access,
          environments: env.environments,
          clients: env.clients,
          volumeHelpers: helpers,
        }),
      ));
      base = `/api/environments/${env.environmentId}/volumes`;
      browsed = await createVolume();
      await runScript(
        env,
        [
          'mkdir -p /v/docs/empty /v/deep/a/b',
          'printf "hello\\nworld\\n" > /v/docs/readme.txt',
          'printf "inside" > /v/deep/a/b/leaf.txt',
          'head -c 4096 /dev/urandom > /v/docs/random.bin',
          'printf "\\000\\001\\002binary" > /v/docs/nul.bin',
          'head -c 3000 /dev/zero | tr "\\000" x > /v/docs/big.txt',
          'ln -s / /v/to-root',
          'ln -s .. /v/to-parent',
          'ln -s docs/readme.txt /v/readme-link',
          'chown 1234:4321 /v/docs/readme.txt',
          'chmod 0640 /v/docs/readme.txt',
        ].join(' && '),
        { [browsed]: '/v' },
      );
    });

    afterAll(async () => {
      await helpers.close();
      await removeRunObjects(env);
      await env.close();
    });

    async function createVolume(body: Record<string, unknown> = {}): Promise<string> {
      const name = env.name('vol');
      const answer = await admin.call('POST', base, { name, labels: env.labels, ...body });
      expect(answer.status).toBe(201);
      return name;
    }

    /** Every entry of a volume with type, mode, size and owner, and the checksum of every file. */
    function snapshot(volume: string): Promise<string> {
      return runScript(
        env,
        'cd /v && find . -exec stat -c "%n|%f|%s|%u|%g" {} + | sort && find . -type f -exec sha256sum {} + | sort && find . -type l -exec readlink {} + | sort',
        { [volume]: '/v' },
      );
    }

    // biome-ignore lint/suspicious/noExplicitAny: tests read whatever shape the route returns
    const jsonOf = async (response: Response): Promise<any> => response.json();

    async function localClient() {
      const environment = await env.environments.get(env.environmentId);
      if (!environment) throw new Error('the local environment is gone');
      return env.clients.clientFor(environment);
    }

    async function helpersOf(volume: string) {
      await helpers.settled();
      return env.docker.listContainers({
        all: true,
        filters: { label: [`${HELPER_VOLUME_LABEL}=${volume}`] },
      });
    }

    const browse = (volume: string, path: string) =>
      admin.call('GET', `${base}/${volume}/browse?path=${encodeURIComponent(path)}`);

    function upload(volume: string, path: string, files: File[]): Promise<Response> {
      const form = new FormData();
      for (const file of files) form.append('files', file);
      return app.handle(
        new Request(`http://windflow.test${base}/${volume}/browse/upload?path=${encodeURIComponent(path)}`, {
          method: 'POST',
          body: form,
        }),
      );
    }

    describe('volumes', () => {
      test('create with driver options and labels, then inspect; a taken or bad name is refused', async () => {
        const name = env.name('tmpfs');
        const created = await admin.call('POST', base, {
          name,
          driver: 'local',
          // Not size=: Podman reads it as a quota, which needs XFS project quotas.
          driverOptions: { type: 'tmpfs', device: 'tmpfs', o: 'nodev' },
          labels: env.labels,
        });
        expect(created).toMatchObject({
          status: 201,
          body: { name, driver: 'local', labels: env.labels, usedBy: [] },
        });
        const inspected = await admin.call('GET', `${base}/${name}`);
        expect(inspected.status).toBe(200);
        expect(inspected.body).toMatchObject({
          name,
          options: { type: 'tmpfs', device: 'tmpfs', o: 'nodev' },
        });
        expect(inspected.body.mountpoint).toContain(name);

        expect(await admin.call('POST', base, { name, labels: env.labels })).toMatchObject({
          status: 409,
          body: { code: 'VOLUME_EXISTS' },
        });
        expect((await admin.call('POST', base, { name: '../escape' })).status).toBe(400);
        expect(await admin.call('GET', `${base}/${env.name('missing')}`)).toMatchObject({
          status: 404,
          body: { code: 'VOLUME_NOT_FOUND' },
        });
      });

      test('the list has driver, mountpoint, scope, labels, size and the containers using each', async () => {
        const name = await createVolume();
        const user = await env.docker.createContainer(
          {
            Image: bed.images.busybox,
            Cmd: ['true'],
            Labels: env.labels,
            HostConfig: { Binds: [`${name}:/data`] },
          },
          env.name('user'),
        );
        const { status, body } = await admin.call('GET', base);
        expect(status).toBe(200);
        const listed = body.find((volume: { name: string }) => volume.name === name);
        expect(listed).toMatchObject({ driver: 'local', scope: 'local', labels: env.labels });
        expect(listed.mountpoint).toContain(name);
        expect(typeof listed.size).toBe('number');
        expect(listed.usedBy).toEqual([expect.objectContaining({ id: user.Id, state: 'created' })]);
        expect(body.find((volume: { name: string }) => volume.name === browsed).size).toBeGreaterThan(4096);
      });

      test('removing a volume in use names the containers; once free it goes', async () => {
        const name = await createVolume();
        const userName = env.name('holder');
        const user = await env.docker.createContainer(
          {
            Image: bed.images.busybox,
            Cmd: ['true'],
            Labels: env.labels,
            HostConfig: { Binds: [`${name}:/data`] },
          },
          userName,
        );
        const refused = await admin.call('DELETE', `${base}/${name}`);
        expect(refused).toMatchObject({ status: 409, body: { code: 'VOLUME_IN_USE' } });
        expect(refused.body.message).toContain(userName);
        await env.docker.removeContainer(user.Id, { force: true });
        expect((await admin.call('DELETE', `${base}/${name}`)).status).toBe(204);
        expect((await admin.call('GET', `${base}/${name}`)).status).toBe(404);
        expect((await admin.call('DELETE', `${base}/${name}`)).status).toBe(404);
      });

      test('prune removes unused volumes (here: only those with a label) and reports the space', async () => {
        const pruneLabel = { 'windflow.test.prune': env.name('prune') };
        const unused = await createVolume({ labels: { ...env.labels, ...pruneLabel } });
        await runScript(env, 'head -c 10000 /dev/zero > /v/data', { [unused]: '/v' });
        const used = await createVolume({ labels: { ...env.labels, ...pruneLabel } });
        await env.docker.createContainer({
          Image: bed.images.busybox,
          Cmd: ['true'],
          Labels: env.labels,
          HostConfig: { Binds: [`${used}:/data`] },
        });
        const { status, body } = await admin.call('POST', `${base}/prune`, {
          label: `windflow.test.prune=${pruneLabel['windflow.test.prune']}`,
        });
        expect(status).toBe(200);
        expect(body.deleted).toEqual([unused]);
        expect(body.spaceReclaimed).toBeGreaterThanOrEqual(10000);
        expect((await admin.call('GET', `${base}/${used}`)).status).toBe(200);
      });
    });

    describe('volume browser', () => {
      test('lists a folder with type, size, mode, owner, mtime and symbolic link targets', async () => {
        const root = await browse(browsed, '');
        expect(root.status).toBe(200);
        expect(root.body.path).toBe('');
        const byName = Object.fromEntries(
          root.body.entries.map((entry: { name: string }) => [entry.name, entry]),
        );
        expect(Object.keys(byName).sort()).toEqual(['deep', 'docs', 'readme-link', 'to-parent', 'to-root']);
        expect(byName['to-root']).toMatchObject({ type: 'symlink', target: '/' });
        expect(byName['to-parent']).toMatchObject({ type: 'symlink', target: '..' });
        expect(byName.docs).toMatchObject({ type: 'directory', path: 'docs', mode: '0755', uid: 0, gid: 0 });
        expect(Date.parse(byName.docs.mtime)).toBeGreaterThan(Date.now() - 3_600_000);

        const docs = await browse(browsed, 'docs/');
        const readme = docs.body.entries.find((entry: { name: string }) => entry.name === 'readme.txt');
        expect(readme).toMatchObject({
          type: 'file',
          size: 12,
          mode: '0640',
          uid: 1234,
          gid: 4321,
          path: 'docs/readme.txt',
        });
        expect(docs.body.entries[0]).toMatchObject({ name: 'empty', type: 'directory' });
        expect(await helpersOf(browsed)).toHaveLength(0);
      });

      test('names with spaces, line breaks or the look of a stat line are listed whole', async () => {
        const odd = await createVolume();
        const names = ['two words', 'line\nbreak', '81a4 0 0 0 0 fake', 'tail\n81a4 1 2 3 4 fake'];
        await runScript(
          env,
          [
            'cd /v',
            'touch "two words" "$(printf "line\\nbreak")" "81a4 0 0 0 0 fake" "$(printf "tail\\n81a4 1 2 3 4 fake")"',
            'ln -s "$(printf "far\\naway")" link',
          ].join(' && '),
          { [odd]: '/v' },
        );
        const listing = await browse(odd, '');
        expect(listing.status).toBe(200);
        const entries: { name: string; type: string; target?: string }[] = listing.body.entries;
        expect(entries.map((entry) => entry.name).sort()).toEqual([...names, 'link'].sort());
        expect(entries.filter((entry) => entry.type === 'file')).toHaveLength(names.length);
        expect(entries.find((entry) => entry.name === 'link')).toMatchObject({
          type: 'symlink',
          target: 'far\naway',
        });
      });

      test('shows text files, refuses binary and too-large ones', async () => {
        const text = await admin.call('GET', `${base}/${browsed}/browse/text?path=docs/readme.txt`);
        expect(text).toMatchObject({ status: 200, body: { content: 'hello\nworld\n', size: 12 } });
        const viaLink = await admin.call('GET', `${base}/${browsed}/browse/text?path=readme-link`);
        expect(viaLink.body.content).toBe('hello\nworld\n');
        expect(await admin.call('GET', `${base}/${browsed}/browse/text?path=docs/nul.bin`)).toMatchObject({
          status: 415,
          body: { code: 'BINARY_FILE' },
        });
        expect(
          await admin.call('GET', `${base}/${browsed}/browse/text?path=docs/big.txt&limit=1000`),
        ).toMatchObject({
          status: 413,
          body: { code: 'FILE_TOO_LARGE' },
        });
        expect(await admin.call('GET', `${base}/${browsed}/browse/text?path=docs`)).toMatchObject({
          status: 400,
          body: { code: 'NOT_A_FILE' },
        });
        expect(await admin.call('GET', `${base}/${browsed}/browse/text?path=docs/nothing`)).toMatchObject({
          status: 404,
          body: { code: 'PATH_NOT_FOUND' },
        });
        expect(await helpersOf(browsed)).toHaveLength(0);
      });

      test('hostile paths and names are refused with 400 and change nothing', async () => {
        const before = await snapshot(browsed);
        const hostilePaths = [
          '..',
          '../..',
          '../../etc',
          'docs/../../etc',
          '/etc/passwd',
          '/',
          'to-root',
          'to-root/etc',
          'to-root/etc/passwd',
          'to-parent',
          'to-parent/etc',
          'docs/\0/x',
          'docs\0',
        ];
        const enc = encodeURIComponent;
        for (const path of hostilePaths) {
          const attempts = [
            browse(browsed, path),
            admin.call('GET', `${base}/${browsed}/browse/text?path=${enc(path)}`),
            admin.call('GET', `${base}/${browsed}/browse/download?path=${enc(path)}`),
            admin.call('POST', `${base}/${browsed}/browse/folder`, { path, name: 'planted' }),
            upload(browsed, path, [new File(['planted'], 'planted.txt')]).then(async (response) => ({
              status: response.status,
              body: await response.json(),
            })),
          ];
          if (path !== '/' && !path.startsWith('to-')) {
            // A symbolic link itself may be renamed or deleted (that never follows it): those two are
            // checked on the paths through it instead.
            attempts.push(
              admin.call('POST', `${base}/${browsed}/browse/rename`, { path, newName: 'renamed' }),
              admin.call('DELETE', `${base}/${browsed}/browse?path=${enc(path)}`),
            );
          }
          for (const answer of await Promise.all(attempts)) {
            expect({ path, status: answer.status }).toEqual({ path, status: 400 });
            expect(answer.body.code).toMatch(/^PATH_/);
          }
        }
        for (const path of ['to-root/etc/passwd', 'to-parent/x', 'to-root/tmp']) {
          expect(
            (await admin.call('POST', `${base}/${browsed}/browse/rename`, { path, newName: 'x' })).status,
          ).toBe(400);
          expect((await admin.call('DELETE', `${base}/${browsed}/browse?path=${enc(path)}`)).status).toBe(
            400,
          );
        }
        for (const name of ['bad\nname', 'bad\rname', 'nul\0name', 'a/b', '..', '.', '']) {
          expect(
            (await admin.call('POST', `${base}/${browsed}/browse/folder`, { path: 'docs', name })).body.code,
          ).toBe('NAME_INVALID');
          expect(
            (
              await admin.call('POST', `${base}/${browsed}/browse/rename`, {
                path: 'docs/readme.txt',
                newName: name,
              })
            ).body.code,
          ).toBe('NAME_INVALID');
        }
        for (const name of ['..', '.', 'a/b']) {
          const refused = await upload(browsed, 'docs', [new File(['x'], name)]);
          expect(refused.status).toBe(400);
          expect((await jsonOf(refused)).code).toBe('NAME_INVALID');
        }
        // Multipart escapes line breaks in file names and cuts them at NUL: these are checked below the route.
        const client = await localClient();
        for (const name of ['two\nlines', 'nul\0name']) {
          const attempt = new VolumeBrowser(helpers).upload(client, browsed, 'docs', [new File(['x'], name)]);
          await expect(attempt).rejects.toMatchObject({ status: 400, code: 'NAME_INVALID' });
        }
        expect(await snapshot(browsed)).toBe(before);
        expect(await helpersOf(browsed)).toHaveLength(0);
      });

      test('upload files, download them back byte for byte, and a folder as a tar', async () => {
        const uploaded = await upload(browsed, 'deep/a', [
          new File([BINARY], 'blob.bin'),
          new File(['ünïcode ✓'], 'é-名前.txt'),
        ]);
        expect(uploaded.status).toBe(201);
        const entries = await jsonOf(uploaded);
        expect(entries.map((entry: { name: string }) => entry.name).sort()).toEqual([
          'blob.bin',
          'é-名前.txt',
        ]);
        expect(entries.find((entry: { name: string }) => entry.name === 'blob.bin')).toMatchObject({
          size: BINARY.length,
          type: 'file',
        });

        const file = await app.handle(
          new Request(`http://windflow.test${base}/${browsed}/browse/download?path=deep/a/blob.bin`),
        );
        expect(file.status).toBe(200);
        expect(file.headers.get('content-disposition')).toContain('blob.bin');
        expect(new Uint8Array(await file.arrayBuffer())).toEqual(BINARY);
        const unicode = await app.handle(
          new Request(
            `http://windflow.test${base}/${browsed}/browse/download?path=${encodeURIComponent('deep/a/é-名前.txt')}`,
          ),
        );
        expect(await unicode.text()).toBe('ünïcode ✓');
        // An ASCII stand-in for old browsers, the exact name for the others.
        expect(unicode.headers.get('content-disposition')).toBe(
          `attachment; filename="_-__.txt"; filename*=UTF-8''${encodeURIComponent('é-名前.txt')}`,
        );

        const folder = await app.handle(
          new Request(`http://windflow.test${base}/${browsed}/browse/download?path=deep`),
        );
        expect(folder.headers.get('content-type')).toBe('application/x-tar');
        const names: string[] = [];
        // Podman names folders without the trailing slash Docker gives them.
        const parser = new TarParser({ onEntry: (entry) => names.push(entry.name.replace(/\/$/, '')) });
        parser.push(new Uint8Array(await folder.arrayBuffer()));
        parser.end();
        expect(names).toEqual(
          expect.arrayContaining(['deep', 'deep/a/b/leaf.txt', 'deep/a/blob.bin', 'deep/a/é-名前.txt']),
        );

        // Replacing a file works; replacing a folder with a file never does.
        expect((await upload(browsed, 'deep/a', [new File(['v2'], 'blob.bin')])).status).toBe(201);
        const replacedFolder = await upload(browsed, 'deep', [new File(['x'], 'a')]);
        expect(replacedFolder.status).toBeGreaterThanOrEqual(400);
        expect((await browse(browsed, 'deep/a')).body.entries.length).toBe(3);
        expect(await helpersOf(browsed)).toHaveLength(0);
      });

      test('create a folder, rename, delete; conflicts are 409 and the root is protected', async () => {
        const made = await admin.call('POST', `${base}/${browsed}/browse/folder`, {
          path: 'docs',
          name: 'new folder',
        });
        expect(made).toMatchObject({
          status: 201,
          body: { name: 'new folder', type: 'directory', path: 'docs/new folder' },
        });
        expect(
          (await admin.call('POST', `${base}/${browsed}/browse/folder`, { path: 'docs', name: 'new folder' }))
            .status,
        ).toBe(409);
        expect(
          (await admin.call('POST', `${base}/${browsed}/browse/folder`, { path: 'nowhere', name: 'x' }))
            .status,
        ).toBe(404);

        const renamed = await admin.call('POST', `${base}/${browsed}/browse/rename`, {
          path: 'docs/new folder',
          newName: 'renamed',
        });
        expect(renamed).toMatchObject({ status: 200, body: { name: 'renamed', path: 'docs/renamed' } });
        expect(
          await admin.call('POST', `${base}/${browsed}/browse/rename`, {
            path: 'docs/renamed',
            newName: 'readme.txt',
          }),
        ).toMatchObject({ status: 409, body: { code: 'ALREADY_EXISTS' } });

        // Deleting a symbolic link removes the link, never what it points to.
        await runScript(env, 'ln -s /v/docs /v/docs/renamed/link-to-docs', { [browsed]: '/v' });
        expect(
          (await admin.call('DELETE', `${base}/${browsed}/browse?path=docs/renamed/link-to-docs`)).status,
        ).toBe(204);
        expect((await admin.call('DELETE', `${base}/${browsed}/browse?path=docs/renamed`)).status).toBe(204);
        expect((await admin.call('DELETE', `${base}/${browsed}/browse?path=docs/renamed`)).status).toBe(404);
        expect(
          (await browse(browsed, 'docs')).body.entries.map((entry: { name: string }) => entry.name),
        ).toContain('readme.txt');
        expect(await admin.call('DELETE', `${base}/${browsed}/browse?path=`)).toMatchObject({
          status: 400,
          body: { code: 'PATH_IS_ROOT' },
        });
        expect(
          await admin.call('POST', `${base}/${browsed}/browse/rename`, { path: '', newName: 'x' }),
        ).toMatchObject({
          status: 400,
          body: { code: 'PATH_IS_ROOT' },
        });
        expect(await helpersOf(browsed)).toHaveLength(0);
      });

      // Podman's archive download gives every entry owner 0:0, so an export loses owners there.
      test.skipIf(engine.name === 'podman')(
        'export, then import into a new volume, keeps every byte, mode, owner and empty folder',
        async () => {
          const exported = await app.handle(new Request(`http://windflow.test${base}/${browsed}/export`));
          expect(exported.status).toBe(200);
          expect(exported.headers.get('content-disposition')).toContain(`${browsed}.tar`);
          const archive = new Uint8Array(await exported.arrayBuffer());

          const copy = await createVolume();
          const imported = await app.handle(
            new Request(`http://windflow.test${base}/${copy}/import`, {
              method: 'POST',
              headers: { 'content-type': 'application/x-tar' },
              body: archive,
            }),
          );
          expect(imported.status).toBe(201);
          expect((await jsonOf(imported)).entries).toBeGreaterThan(10);
          const original = await snapshot(browsed);
          expect(original).toContain('./docs/empty|41ed|');
          expect(original).toContain('./docs/random.bin');
          expect(await snapshot(copy)).toBe(original);
          expect(await helpersOf(copy)).toHaveLength(0);
          expect(await helpersOf(browsed)).toHaveLength(0);
        },
      );

      test('an import with an entry outside the volume is refused whole', async () => {
        const target = await createVolume();
        await runScript(env, 'echo keep > /v/kept.txt', { [target]: '/v' });
        const before = await snapshot(target);
        const entry = (name: string) => ({
          name,
          size: 3,
          mode: 0o644,
          uid: 0,
          gid: 0,
          mtime: 0,
          body: () => new Blob(['bad']).stream(),
        });
        const throughLink = Buffer.from(
          await runScript(env, 'cd /tmp && ln -s / link && tar c link link/etc/hostname | base64'),
          'base64',
        );
        const importing = (body: Uint8Array | ArrayBuffer) =>
          app.handle(new Request(`http://windflow.test${base}/${target}/import`, { method: 'POST', body }));
        const refused = await importing(throughLink);
        expect(refused.status).toBe(400);
        expect(await refused.json()).toMatchObject({
          code: 'ARCHIVE_UNSAFE',
          message: expect.stringContaining('symbolic link'),
        });
        for (const name of ['fine.txt', '../escaped.txt', '/etc/escaped.txt', 'a/../../escaped.txt']) {
          const hostile = await new Response(tarStream([entry('first.txt'), entry(name)])).arrayBuffer();
          const answer = await importing(hostile);
          if (name === 'fine.txt') {
            expect(answer.status).toBe(201);
            await runScript(env, 'rm /v/fine.txt /v/first.txt', { [target]: '/v' });
            continue;
          }
          expect(answer.status).toBe(400);
          expect((await jsonOf(answer)).code).toBe('ARCHIVE_UNSAFE');
        }
        expect((await importing(new Uint8Array(1024).fill(65))).status).toBe(400);
        expect((await importing(new Uint8Array(0))).status).toBe(400);
        expect(await snapshot(target)).toBe(before);
        expect(await helpersOf(target)).toHaveLength(0);
      });

      test('hostile archives are refused whole: devices, FIFOs, hard links out, paths through links', async () => {
        const target = await createVolume();
        await runScript(env, 'echo keep > /v/kept.txt && mkdir /v/real && ln -s /etc /v/etc-link', {
          [target]: '/v',
        });
        const importing = async (...entries: Uint8Array[]) => {
          const answer = await app.handle(
            new Request(`http://windflow.test${base}/${target}/import`, {
              method: 'POST',
              body: Buffer.concat([...entries, new Uint8Array(1024)]),
            }),
          );
          return { status: answer.status, body: await jsonOf(answer) };
        };
        const file = rawTarEntry('first.txt', '0', '', 'bad');
        // A symbolic link may point anywhere; it is only a link.
        expect(await importing(rawTarEntry('out', '2', '/etc'))).toMatchObject({ status: 201 });
        const before = await snapshot(target);
        const hostile: [string, Uint8Array, RegExp][] = [
          ['char device', rawTarEntry('null', '3'), /special file/],
          ['block device', rawTarEntry('disk', '4'), /special file/],
          ['FIFO', rawTarEntry('pipe', '6'), /special file/],
          ['hard link to an absolute path', rawTarEntry('shadow', '1', '/etc/shadow'), /outside the volume/],
          ['hard link up and out', rawTarEntry('shadow', '1', 'real/../../etc/shadow'), /outside the volume/],
          ['hard link through a link', rawTarEntry('shadow', '1', 'etc-link/shadow'), /link in the volume/],
          [
            'file through a link the volume has',
            rawTarEntry('etc-link/marker', '0', '', 'x'),
            /link in the volume/,
          ],
          [
            'file through a link an earlier import made',
            rawTarEntry('out/marker', '0', '', 'x'),
            /link in the volume/,
          ],
          ['absolute name', rawTarEntry('/etc/marker', '0', '', 'x'), /outside the volume/],
          ['dot-dot name', rawTarEntry('real/../../marker', '0', '', 'x'), /outside the volume/],
        ];
        for (const [what, entry, reason] of hostile) {
          const answer = await importing(file, entry);
          expect({ what, status: answer.status, code: answer.body.code }).toEqual({
            what,
            status: 400,
            code: 'ARCHIVE_UNSAFE',
          });
          expect(answer.body.message).toMatch(reason);
        }
        expect(await snapshot(target)).toBe(before);
        // Should a link slip through anyway, the helper can write nowhere but the volume.
        const written = await helpers.use(env.docker, target, (helper) =>
          execIn(env.docker, helper, ['touch', '/etc/marker']),
        );
        expect(written.exitCode).not.toBe(0);
        expect(written.stderr).toMatch(/read-only/i);
      });

      test('browsing a missing volume is 404 and leaves no helper behind', async () => {
        const missing = env.name('missing');
        expect(await browse(missing, '')).toMatchObject({ status: 404, body: { code: 'VOLUME_NOT_FOUND' } });
        expect(await helpersOf(missing)).toHaveLength(0);
        expect(
          (await admin.call('GET', base)).body.map((volume: { name: string }) => volume.name),
        ).not.toContain(missing);
      });

      test('a browse session reuses one named helper, which goes once idle', async () => {
        const sessionHelpers = new VolumeHelpers({ image: bed.images.busybox, idleMs: 300 });
        const browser = new VolumeBrowser(sessionHelpers);
        const client = await localClient();
        const helperIds = async () =>
          (
            await env.docker.listContainers({ filters: { label: [`${HELPER_VOLUME_LABEL}=${browsed}`] } })
          ).map((container) => container.Id);
        await browser.list(client, browsed, '');
        const first = await helperIds();
        await browser.list(client, browsed, 'docs');
        await browser.readText(client, browsed, 'docs/readme.txt');
        expect(first).toHaveLength(1);
        expect(await helperIds()).toEqual(first);
        // In a container list, its name says what it is.
        const [helper] = await env.docker.listContainers({ filters: { id: first } });
        expect(helper?.Names[0]).toStartWith(`/windflow-browse-${browsed}-`);
        const { promise, resolve } = Promise.withResolvers<void>();
        setTimeout(resolve, 600);
        await promise;
        await sessionHelpers.settled();
        expect(await helperIds()).toEqual([]);
      });

      test('removeLeftovers removes what an earlier run of this installation left, and nothing else', async () => {
        const installation = new VolumeHelpers({
          image: bed.images.busybox,
          owner: `wf-test-${env.name('owner')}`,
        });
        const leftoverOf = async (owner: string) =>
          (
            await env.docker.createContainer({
              Image: bed.images.busybox,
              Cmd: ['sleep', '60'],
              Labels: {
                ...env.labels,
                [HELPER_LABEL]: HELPER_KIND,
                [HELPER_VOLUME_LABEL]: browsed,
                [HELPER_OWNER_LABEL]: owner,
              },
            })
          ).Id;
        const ours = await leftoverOf(installation.owner);
        const another = await leftoverOf(`${installation.owner}-another`);
        const exists = async (id: string) =>
          (await env.docker.listContainers({ all: true, filters: { id: [id] } })).length === 1;
        // A helper this installation is using right now stays too.
        const lease = await installation.acquire(env.docker, browsed);
        expect(await installation.removeLeftovers(env.docker)).toBe(1);
        expect(await exists(ours)).toBe(false);
        expect(await exists(another)).toBe(true);
        expect(await exists(lease.containerId)).toBe(true);
        await lease.release();
        await installation.close();
        await env.docker.removeContainer(another, { force: true });
      });
    });

    describe('access', () => {
      test('reading volumes does not allow browsing, creating or removing them', async () => {
        const { api: reader } = routesApp(
          (access) =>
            volumeRoutes({
              access,
              environments: env.environments,
              clients: env.clients,
              volumeHelpers: helpers,
            }),
          principalWith('volumes:read'),
        );
        expect((await reader.call('GET', base)).status).toBe(200);
        for (const [method, path, body] of [
          ['GET', `${base}/${browsed}/browse?path=`],
          ['GET', `${base}/${browsed}/export`],
          ['POST', `${base}/${browsed}/browse/folder`, { path: '', name: 'x' }],
          ['DELETE', `${base}/${browsed}/browse?path=docs`],
          ['POST', base, { name: env.name('forbidden') }],
          ['DELETE', `${base}/${browsed}`],
          ['POST', `${base}/prune`, {}],
        ] as const) {
          expect(await reader.call(method, path, body)).toMatchObject({
            status: 403,
            body: { code: 'FORBIDDEN' },
          });
        }
      });
    });

    /** One tar entry with any type flag and link name, as a hostile archive would carry it. */
    function rawTarEntry(name: string, typeflag: string, linkName = '', content = ''): Uint8Array {
      const body = new TextEncoder().encode(content);
      const header = new Uint8Array(512);
      const put = (offset: number, text: string) => header.set(new TextEncoder().encode(text), offset);
      put(0, name);
      put(100, '0000644\0');
      put(108, '0000000\0');
      put(116, '0000000\0');
      put(124, `${body.length.toString(8).padStart(11, '0')}\0`);
      put(136, '00000000000\0');
      put(148, '        ');
      put(156, typeflag);
      put(157, linkName);
      put(257, 'ustar\0');
      put(263, '00');
      if (typeflag === '3' || typeflag === '4') put(329, '0000001\0');
      const checksum = header.reduce((sum, byte) => sum + byte, 0);
      put(148, `${checksum.toString(8).padStart(6, '0')}\0 `);
      const padded = new Uint8Array(Math.ceil(body.length / 512) * 512);
      padded.set(body);
      return Buffer.concat([header, padded]);
    }
  });
}
