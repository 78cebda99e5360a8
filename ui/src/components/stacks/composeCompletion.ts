// Completion of Compose keys in the editor from the compose-spec JSON schema the server validates
// with: the YAML path of the cursor's line (from indentation) picks the schema node whose keys
// are offered, each with its description.
import type { Completion, CompletionContext, CompletionResult } from '@codemirror/autocomplete';
import schema from '../../../../src/docker/compose/compose-spec.json';

interface SchemaNode {
  $ref?: string;
  description?: string;
  properties?: Record<string, SchemaNode>;
  patternProperties?: Record<string, SchemaNode>;
  oneOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  items?: SchemaNode;
}

const root = schema as unknown as SchemaNode & { definitions: Record<string, SchemaNode> };

function resolve(node: SchemaNode | undefined): SchemaNode | undefined {
  if (!node) return undefined;
  if (node.$ref) return resolve(root.definitions[node.$ref.replace('#/definitions/', '')]);
  if (node.properties || node.patternProperties) return node;
  for (const option of [...(node.oneOf ?? []), ...(node.anyOf ?? [])]) {
    const found = resolve(option);
    if (found?.properties || found?.patternProperties) return found;
  }
  return node;
}

/** The schema node under a YAML key path: named keys, or a map's entries (`services.web`). */
export function schemaAt(path: string[]): SchemaNode | undefined {
  let node = resolve(root);
  for (const key of path) {
    if (!node) return undefined;
    const named = node.properties?.[key];
    const pattern = Object.entries(node.patternProperties ?? {}).find(
      ([regex]) => !regex.startsWith('^x-') && new RegExp(regex).test(key),
    )?.[1];
    node = resolve(named ?? pattern);
  }
  return node;
}

/** The keys above a line, from its indentation: `services:\n  web:\n    |` -> [services, web]. */
export function pathAbove(lines: string[], lineIndex: number, indent: number): string[] {
  const path: string[] = [];
  let limit = indent;
  for (let index = lineIndex - 1; index >= 0 && limit > 0; index--) {
    const line = lines[index] ?? '';
    const match = /^(\s*)([A-Za-z0-9_.-]+):/.exec(line);
    if (!match || line.trim().startsWith('#')) continue;
    const depth = match[1]?.length ?? 0;
    if (depth < limit) {
      path.unshift(match[2] as string);
      limit = depth;
    }
  }
  return path;
}

export function composeCompletion(context: CompletionContext): CompletionResult | null {
  const word = context.matchBefore(/[A-Za-z_]*$/);
  if (!word) return null;
  const line = context.state.doc.lineAt(context.pos);
  const before = line.text.slice(0, context.pos - line.from);
  if (!/^\s*[A-Za-z_]*$/.test(before)) return null;
  if (word.from === word.to && !context.explicit) return null;
  const indent = before.length - before.trimStart().length;
  const lines = context.state.doc.toString().split('\n');
  const node = schemaAt(pathAbove(lines, line.number - 1, indent));
  const keys = Object.entries(node?.properties ?? {});
  if (keys.length === 0) return null;
  const options: Completion[] = keys.map(([key, value]) => ({
    label: key,
    type: 'property',
    apply: `${key}: `,
    info: value.description ?? resolve(value)?.description,
  }));
  return { from: word.from, options, validFor: /^[A-Za-z_]*$/ };
}
