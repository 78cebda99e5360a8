// Validation of a Compose file against the Compose Specification's own JSON schema
// (compose-spec.json, see compose-spec.NOTICE.md), compiled once with ajv. Of the errors ajv
// reports, the most specific one is kept (the deepest key; an unknown key before a type
// mismatch), the way compose-go picks its message, and it names the dotted key.
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import schema from './compose-spec.json' with { type: 'json' };

export interface SchemaProblem {
  /** Path of the offending key, from the file's root. */
  path: string[];
  message: string;
}

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    // Not inlining refs and skipping ajv's code optimiser: the compose schema then compiles in
    // about 230 ms of CPU instead of 350 ms, and validates a file in about 0.5 ms either way.
    const ajv = new Ajv({
      allErrors: false,
      strict: false,
      validateFormats: false,
      inlineRefs: false,
      code: { optimize: false },
    });
    // The file names its draft by an https URL ajv does not know; ajv's default is that draft (07).
    const { $schema: _draft, ...draft07 } = schema;
    compiled = ajv.compile(draft07);
  }
  return compiled;
}

/** Undefined when `document` is a valid Compose file. */
export function schemaProblem(document: unknown): SchemaProblem | undefined {
  const validate = validator();
  if (validate(document)) return undefined;
  const best = mostSpecific(validate.errors ?? []);
  if (!best) return { path: [], message: 'does not match the Compose specification' };
  return describe(best);
}

function pathOf(error: ErrorObject): string[] {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'additionalProperties') path.push(String(error.params.additionalProperty));
  return path;
}

const RANK: Record<string, number> = { additionalProperties: 3, required: 2, enum: 1, type: 1, const: 1 };

function mostSpecific(errors: ErrorObject[]): ErrorObject | undefined {
  let best: ErrorObject | undefined;
  for (const error of errors) {
    if (error.keyword === 'oneOf' || error.keyword === 'anyOf' || error.keyword === 'if') continue;
    if (!best) {
      best = error;
      continue;
    }
    const depth = pathOf(error).length - pathOf(best).length;
    if (depth > 0 || (depth === 0 && (RANK[error.keyword] ?? 0) > (RANK[best.keyword] ?? 0))) best = error;
  }
  return best ?? errors[0];
}

function describe(error: ErrorObject): SchemaProblem {
  const path = pathOf(error);
  switch (error.keyword) {
    case 'additionalProperties':
      return { path, message: `additional property '${path.at(-1)}' is not allowed` };
    case 'required':
      return { path, message: `missing required property '${error.params.missingProperty}'` };
    case 'type':
      return { path, message: `must be ${String(error.params.type).replace(',', ' or ')}` };
    case 'enum':
      return {
        path,
        message: `must be one of ${(error.params.allowedValues as unknown[]).map(String).join(', ')}`,
      };
    default:
      return { path, message: error.message ?? 'does not match the Compose specification' };
  }
}
