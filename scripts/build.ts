// Builds dist/windflow: one executable with the API, the migrations, the built UI and the volume
// browser's helper image inside. The files are embedded through an entry point generated here,
// which imports each file of ui/dist and the helper image archive with `type: 'file'` (Bun then
// stores them in the executable) and hands them to the CLI.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { HELPER_IMAGE } from '../src/docker/volume-helper.ts';
import { uiAssetsFromDirectory } from '../src/http/ui-assets.ts';
import { writeHelperImage } from './helper-image.ts';

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
const helperImage = join(buildDir, 'helper-image.tar');
try {
  writeHelperImage(helperImage, HELPER_IMAGE);
} catch (error) {
  console.error(`build: the helper image: ${(error as Error).message}`);
  process.exit(1);
}
writeFileSync(
  entry,
  [
    `import { runCli } from ${importPath(join(root, 'src', 'daemon', 'cli.ts'))};`,
    ...assets.map(
      ([, file], index) => `import asset${index} from ${importPath(file)} with { type: 'file' };`,
    ),
    `import helperImage from ${JSON.stringify(`./${relative(buildDir, helperImage)}`)} with { type: 'file' };`,
    'const uiAssets = new Map<string, string>([',
    ...assets.map(([urlPath], index) => `  [${JSON.stringify(urlPath)}, asset${index}],`),
    ']);',
    'process.exitCode = await runCli(process.argv.slice(2), uiAssets, helperImage);',
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
console.log(
  `build: ${relative(root, outfile)} with ${assets.length} UI files and the helper image ${HELPER_IMAGE} embedded`,
);
