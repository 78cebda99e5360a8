// A Git stack's work tree: one folder per stack that its relative bind mounts point into, kept
// across commits as a clone updated with `git pull` would be. Each deploy writes its commit's
// files over it and removes the files the previously written commit had and this one lacks;
// what containers wrote there (a `./data` folder, files Git does not track) stays. Without it a
// bind like `./data:/var/lib/postgresql/data` would point into each commit's own checkout and
// start empty after every push. The commits stay checked out pristine, one folder each (compose
// files, .env, env_file and build contexts are read there, and rollbacks use them); only bind
// sources move to the work tree, so a push does not recreate a service for its bind paths alone.
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { ComposeProject } from '../docker/compose/model.ts';

/** Points every bind mount whose source lies in the checkout at the same place in the work tree. */
export function bindsInWorkTree(project: ComposeProject, checkout: string, workTree: string): ComposeProject {
  const moved = (source: string) =>
    source === checkout || source.startsWith(`${checkout}/`)
      ? join(workTree, relative(checkout, source))
      : source;
  for (const service of Object.values(project.services))
    for (const volume of service.volumes ?? [])
      if (volume.type === 'bind' && volume.source) volume.source = moved(volume.source);
  return project;
}

/**
 * Writes the checkout's files over the work tree and removes those the last written commit had
 * and this one lacks (listed in `manifest`, outside the tree); anything else in the tree stays.
 */
export function writeWorkTree(checkout: string, workTree: string, manifest: string): void {
  const files = filesOf(checkout);
  mkdirSync(workTree, { recursive: true, mode: 0o755 });
  for (const path of files) {
    const from = join(checkout, path);
    const to = join(workTree, path);
    mkdirSync(dirname(to), { recursive: true });
    const link = lstatSync(from).isSymbolicLink();
    const there = lstatSync(to, { throwIfNoEntry: false });
    if (there?.isDirectory())
      throw new Error(
        `${path} is a folder in the stack's work tree but a file in the commit (a bind mount of a missing file makes a folder): remove ${to}`,
      );
    if (there && (link || there.isSymbolicLink())) rmSync(to);
    // Files are written in place: a container that bind-mounts one sees the new content.
    if (link) symlinkSync(readlinkSync(from), to);
    else copyFileSync(from, to);
  }
  const kept = new Set(files);
  const before = existsSync(manifest) ? (JSON.parse(readFileSync(manifest, 'utf8')) as string[]) : [];
  for (const path of before) if (!kept.has(path)) rmSync(join(workTree, path), { force: true });
  writeFileSync(manifest, JSON.stringify(files), { mode: 0o600 });
}

/** Every file and symbolic link under `root`, as paths relative to it. */
function filesOf(root: string, folder = ''): string[] {
  return readdirSync(join(root, folder), { withFileTypes: true }).flatMap((entry) => {
    const path = folder ? `${folder}/${entry.name}` : entry.name;
    return entry.isDirectory() ? filesOf(root, path) : [path];
  });
}
