// The built UI, as a map from URL path to a file Bun can read. The compiled binary gets the map
// from the entry point that scripts/build.ts generates (files embedded in the executable); a
// development run reads ui/dist from disk.
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export type UiAssets = ReadonlyMap<string, string>;

export const UI_DIST_DIR = join(import.meta.dir, '..', '..', 'ui', 'dist');

export function uiAssetsFromDirectory(directory: string = UI_DIST_DIR): UiAssets {
  const assets = new Map<string, string>();
  if (!existsSync(directory)) return assets;
  for (const entry of readdirSync(directory, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    assets.set(`/${relative(directory, path).split(sep).join('/')}`, path);
  }
  return assets;
}
