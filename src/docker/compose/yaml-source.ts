// Compose YAML parsed with the `yaml` package, keeping what the loader needs from the syntax
// tree: where each key is (to name the file, line and column in errors), and the `!reset` /
// `!override` tags compose-go's ResetProcessor honours. Anchors, aliases and `<<` merge keys work
// as in compose (YAML 1.1 merge keys on), with an alias budget against "billion laughs".
import { isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseAllDocuments } from 'yaml';
import { ComposeError, type ComposeErrorLocation } from './errors.ts';

export interface ComposeYamlDocument {
  /** The document as plain data, `!reset` entries removed. */
  value: unknown;
  /** Paths tagged `!reset` or `!override`: the accumulated model loses them before this document merges. */
  resetPaths: string[][];
  /** Line and column of the key at `path`, or of the deepest existing ancestor. */
  locate(path: readonly string[]): ComposeErrorLocation;
}

const MAX_ALIASES = 1000;

export function parseComposeYaml(text: string, file: string): ComposeYamlDocument[] {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, {
    lineCounter,
    merge: true,
    uniqueKeys: true,
    prettyErrors: false,
    // Go's yaml (strconv.ParseInt base 0) reads `0444` as octal, as file modes are written: that
    // tag goes first so the core integer tag does not take it as decimal.
    customTags: (tags) => [
      {
        identify: (v: unknown) => typeof v === 'number',
        default: true,
        tag: 'tag:yaml.org,2002:int',
        format: 'OCT',
        test: /^[-+]?0[0-7]+$/,
        resolve: (s: string) => Number.parseInt(s, 8),
      },
      ...tags,
      { tag: '!reset', collection: 'map', resolve: (v: unknown) => v } as never,
      { tag: '!reset', collection: 'seq', resolve: (v: unknown) => v } as never,
      { tag: '!reset', resolve: (v: string) => v },
      { tag: '!override', collection: 'map', resolve: (v: unknown) => v } as never,
      { tag: '!override', collection: 'seq', resolve: (v: unknown) => v } as never,
      { tag: '!override', resolve: (v: string) => v },
    ],
  });
  const list = Array.isArray(documents) ? documents : [documents];
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  return list
    .filter((doc) => doc.contents !== null || doc.errors.length > 0)
    .map((doc) => {
      const error = doc.errors[0];
      if (error) {
        throw new ComposeError(
          'compose_yaml_invalid',
          error.message.split('\n')[0] as string,
          position(error.pos[0]),
        );
      }
      const resetPaths: string[][] = [];
      const removed: string[][] = [];
      walk(
        doc.contents as Node,
        [],
        (node, path) => {
          if (isScalar(node) || isMap(node) || isSeq(node)) {
            if (node.tag === '!reset') {
              resetPaths.push(path);
              removed.push(path);
              return false;
            }
            if (node.tag === '!override') resetPaths.push(path);
          }
          return true;
        },
        (keyNode, path) => {
          throw new ComposeError('compose_yaml_invalid', `non-string key ${String(keyNode)}`, {
            ...position(keyNode.range?.[0] ?? 0),
            key: path.join('.'),
          });
        },
      );
      let value: unknown;
      try {
        value = doc.toJS({ maxAliasCount: MAX_ALIASES });
      } catch (e) {
        throw new ComposeError('compose_yaml_invalid', (e as Error).message, { file });
      }
      for (const path of removed.reverse()) deletePath(value, path);
      return {
        value,
        resetPaths,
        locate(path) {
          let node: Node | null | undefined = doc.contents as Node;
          let at: ComposeErrorLocation = { file, key: path.join('.') };
          if (node?.range) at = { ...position(node.range[0]), key: path.join('.') };
          for (const part of path) {
            if (isAlias(node)) node = node.resolve(doc) as Node | undefined;
            if (isMap(node)) {
              const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === part);
              if (!pair) break;
              const keyNode = pair.key as Node;
              if (keyNode.range) at = { ...position(keyNode.range[0]), key: path.join('.') };
              node = pair.value as Node | null;
            } else if (isSeq(node)) {
              const item = node.items[Number(part)] as Node | undefined;
              if (!item) break;
              if (item.range) at = { ...position(item.range[0]), key: path.join('.') };
              node = item;
            } else {
              break;
            }
          }
          return at;
        },
      };
    });
}

function walk(
  node: Node | null | undefined,
  path: string[],
  visit: (node: Node, path: string[]) => boolean,
  badKey: (key: Node, path: string[]) => never,
): void {
  if (!node || !visit(node, path)) return;
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = pair.key as Node;
      if (!isScalar(key)) badKey(key, path);
      if (typeof key.value === 'symbol' || key.value === '<<') continue;
      if (typeof key.value !== 'string') badKey(key, path);
      walk(pair.value as Node | null, [...path, key.value as string], visit, badKey);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => {
      walk(item as Node, [...path, String(i)], visit, badKey);
    });
  }
}

function deletePath(root: unknown, path: string[]): void {
  let parent: unknown = root;
  for (const part of path.slice(0, -1)) {
    parent = (parent as Record<string, unknown> | undefined)?.[part];
    if (parent === null || typeof parent !== 'object') return;
  }
  const last = path.at(-1);
  if (last === undefined || parent === null || typeof parent !== 'object') return;
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else delete (parent as Record<string, unknown>)[last];
}
