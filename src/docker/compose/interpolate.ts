// Interpolation of a whole parsed Compose file, as compose-go's interpolation package and
// loader/interpolate.go do it: every string value (never a key) goes through template
// substitution, and values at the paths compose-go lists are then cast back to the number or
// boolean the schema expects (`replicas: ${N}` must validate as an integer).
import { ComposeError } from './errors.ts';
import { InvalidTemplateError, MissingRequiredError, substitute, type VariableLookup } from './template.ts';

export type Cast = (value: string) => unknown;

export interface InterpolateOptions {
  lookup: VariableLookup;
  /** Path patterns (`*` any key, `[]` any list item) and the cast applied to the substituted string. */
  casts?: ReadonlyArray<readonly [pattern: string, cast: Cast]>;
  onUnset?: (name: string) => void;
}

/** Returns a new tree; throws ComposeError naming the dotted key. */
export function interpolateTree(value: unknown, options: InterpolateOptions, path: string[] = []): unknown {
  if (typeof value === 'string') return interpolateValue(value, options, path);
  if (Array.isArray(value))
    return value.map((item, index) => interpolateTree(item, options, [...path, String(index)]));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      out[key] = interpolateTree(item, options, [...path, key]);
    return out;
  }
  return value;
}

function interpolateValue(value: string, options: InterpolateOptions, path: string[]): unknown {
  let result: string;
  try {
    result = substitute(value, options.lookup, { onUnset: options.onUnset });
  } catch (error) {
    const key = path.join('.');
    if (error instanceof InvalidTemplateError) {
      throw new ComposeError(
        'compose_interpolation_invalid',
        `invalid interpolation format for ${key}.\nYou may need to escape any $ with another $.\n${error.template}`,
        { key },
      );
    }
    if (error instanceof MissingRequiredError) {
      throw new ComposeError(
        'compose_variable_required',
        `error while interpolating ${key}: ${error.message}`,
        {
          key,
        },
      );
    }
    throw error;
  }
  const cast = options.casts?.find(([pattern]) => pathMatches(path, pattern))?.[1];
  if (!cast) return result;
  try {
    return cast(result);
  } catch (error) {
    const key = path.join('.');
    throw new ComposeError(
      'compose_interpolation_invalid',
      `error while interpolating ${key}: failed to cast to expected type: ${(error as Error).message}`,
      { key },
    );
  }
}

/** compose-go's tree.Path.Matches: same length, each part equal, `*` matches any key, `[]` any list index. */
export function pathMatches(path: readonly string[], pattern: string): boolean {
  const parts = pattern.split('.');
  if (parts.length !== path.length) return false;
  return parts.every((part, i) => {
    const actual = path[i] as string;
    if (part === '*') return true;
    if (part === '[]') return /^\d+$/.test(actual);
    return part === actual;
  });
}

/** strconv.Atoi / ParseInt(10, 64). */
export function toInt(value: string): number {
  if (!/^[+-]?\d+$/.test(value))
    throw new Error(`strconv.Atoi: parsing ${JSON.stringify(value)}: invalid syntax`);
  return Number.parseInt(value, 10);
}

/** strconv.ParseFloat (decimal forms, inf, nan). */
export function toFloat(value: string): number {
  if (/^[+-]?(inf|infinity)$/i.test(value)) return value.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(value)) return Number.NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value)) {
    throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(value)}: invalid syntax`);
  }
  return Number.parseFloat(value);
}

/** compose-go's toBoolean: true/false, and YAML 1.1's y/yes/on, n/no/off (with a warning there). */
export function toBoolean(value: string): boolean {
  switch (value.toLowerCase()) {
    case 'true':
    case 'y':
    case 'yes':
    case 'on':
      return true;
    case 'false':
    case 'n':
    case 'no':
    case 'off':
      return false;
    default:
      throw new Error(`invalid boolean: ${value}`);
  }
}

const service = (rest: string) => `services.*.${rest}`;

/** compose-go loader/interpolate.go interpolateTypeCastMapping. */
export const COMPOSE_CASTS: ReadonlyArray<readonly [string, Cast]> = [
  [service('cpu_count'), toInt],
  [service('cpu_percent'), toFloat],
  [service('cpu_period'), toInt],
  [service('cpu_quota'), toInt],
  [service('cpu_rt_period'), toInt],
  [service('cpu_rt_runtime'), toInt],
  [service('cpus'), toFloat],
  [service('cpu_shares'), toInt],
  [service('init'), toBoolean],
  [service('depends_on.*.required'), toBoolean],
  [service('depends_on.*.restart'), toBoolean],
  [service('deploy.replicas'), toInt],
  [service('deploy.update_config.parallelism'), toInt],
  [service('deploy.update_config.max_failure_ratio'), toFloat],
  [service('deploy.rollback_config.parallelism'), toInt],
  [service('deploy.rollback_config.max_failure_ratio'), toFloat],
  [service('deploy.restart_policy.max_attempts'), toInt],
  [service('deploy.placement.max_replicas_per_node'), toInt],
  [service('healthcheck.retries'), toInt],
  [service('healthcheck.disable'), toBoolean],
  [service('oom_kill_disable'), toBoolean],
  [service('oom_score_adj'), toInt],
  [service('pids_limit'), toInt],
  [service('ports.[].target'), toInt],
  [service('privileged'), toBoolean],
  [service('read_only'), toBoolean],
  [service('scale'), toInt],
  [service('stdin_open'), toBoolean],
  [service('tty'), toBoolean],
  [service('ulimits.*'), toInt],
  [service('ulimits.*.hard'), toInt],
  [service('ulimits.*.soft'), toInt],
  [service('volumes.[].read_only'), toBoolean],
  [service('volumes.[].volume.nocopy'), toBoolean],
  ['networks.*.external', toBoolean],
  ['networks.*.internal', toBoolean],
  ['networks.*.attachable', toBoolean],
  ['networks.*.enable_ipv4', toBoolean],
  ['networks.*.enable_ipv6', toBoolean],
  ['volumes.*.external', toBoolean],
  ['secrets.*.external', toBoolean],
  ['configs.*.external', toBoolean],
];
