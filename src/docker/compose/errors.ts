// Errors of the Compose loader. Each has a stable `code` (routes answer it as `{code, message}` with
// a 4xx) and, when the problem is in a file, where: the file, the 1-based line and column, and the
// dotted key path (`services.web.ports.0`), so the editor can point at it.

export type ComposeErrorCode =
  /** The file is not YAML (syntax error, duplicate key, bad tag). */
  | 'compose_yaml_invalid'
  /** Over the size limit (10 MB per file). */
  | 'compose_too_large'
  /** The compose-spec JSON schema refuses it: unknown key, wrong type, bad value. */
  | 'compose_schema_invalid'
  /** A `${...}` that is not a valid template. */
  | 'compose_interpolation_invalid'
  /** `${VAR:?message}` / `${VAR?message}` with VAR missing. */
  | 'compose_variable_required'
  /** A .env or env_file that cannot be parsed. */
  | 'compose_dotenv_invalid'
  /** A file named by include/extends/env_file/secrets that does not exist. */
  | 'compose_file_not_found'
  /** Project name that is not lowercase letters, digits, `_` and `-` starting with a letter or digit. */
  | 'compose_project_name_invalid'
  /** Semantically wrong: unknown service in depends_on/extends, cycle, undefined network/volume/secret... */
  | 'compose_invalid';

export interface ComposeErrorLocation {
  /** Path of the file as given to the loader. */
  file?: string;
  /** 1-based. */
  line?: number;
  /** 1-based. */
  column?: number;
  /** Dotted path of the key, e.g. `services.web.ports.0`. */
  key?: string;
}

export class ComposeError extends Error {
  override name = 'ComposeError';
  constructor(
    readonly code: ComposeErrorCode,
    message: string,
    readonly location: ComposeErrorLocation = {},
  ) {
    super(message);
  }

  /** `file:line:col: key: message` — the text shown to users. */
  override toString(): string {
    const { file, line, column, key } = this.location;
    const where = [file, line, line !== undefined ? column : undefined]
      .filter((p) => p !== undefined)
      .join(':');
    return [where, key, this.message].filter(Boolean).join(': ');
  }

  toJSON(): { code: ComposeErrorCode; message: string } & ComposeErrorLocation {
    return { code: this.code, message: this.toString(), ...this.location };
  }
}
