// Builds dist/windflow: one executable with the API, the migrations and the built UI inside.
// The UI files are embedded through an entry point generated here, which imports each file of
// ui/dist with `type: 'file'` (Bun then stores it in the executable) and hands the map to the CLI.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { uiAssetsFromDirectory } from '../src/http/ui-assets.ts';

const root = join(import.meta.dir, '..');
const buildDir = join(root, 'dist', '.build');
const entry = join(buildDir, 'entry.ts');
const outfile = join(root, 'dist', 'windflow');

const assets = [...uiAssetsFromDirectory()];
if (!assets.some(([urlPath]) => urlPath === '/index.html')) {
  console.error('build: ui/dist/index.html is missing; run "bun run build:ui" first');
  process.exit(1);
}

const importPath = (file: string) => JSON.stringify(relative(buildDir, file));
mkdirSync(buildDir, { recursive: true });
writeFileSync(
  entry,
  [
    `import { runCli } from ${importPath(join(root, 'src', 'daemon', 'cli.ts'))};`,
    ...assets.map(
      ([, file], index) => `import asset${index} from ${importPath(file)} with { type: 'file' };`,
    ),
    'const uiAssets = new Map<string, string>([',
    ...assets.map(([urlPath], index) => `  [${JSON.stringify(urlPath)}, asset${index}],`),
    ']);',
    'process.exitCode = await runCli(process.argv.slice(2), uiAssets);',
    '',
  ].join('\n'),
);

// Identifiers are not mangled: Elysia reads handler and hook source to decide what to coerce,
// and with mangled names `?limit=-1` reached an Integer({ minimum: 1 }) query as the string "-1",
// unchecked (answers differed from the tests' in-process app). Whitespace and syntax still shrink.
const minify = ['--minify-syntax', '--minify-whitespace'];
const build = Bun.spawnSync(['bun', 'build', '--compile', ...minify, entry, '--outfile', outfile], {
  cwd: root,
  stdio: ['inherit', 'inherit', 'inherit'],
});
rmSync(buildDir, { recursive: true, force: true });
if (build.exitCode !== 0) process.exit(build.exitCode ?? 1);
console.log(`build: ${relative(root, outfile)} with ${assets.length} UI files embedded`);
