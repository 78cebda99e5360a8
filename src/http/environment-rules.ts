// Rules that span fields of an environment, checked on the merged result of a create or update.

import { parseHostPort } from '../environments/endpoint.ts';
import type { EnvironmentType } from '../store/records.ts';
import { HttpError } from './errors.ts';

export interface EnvironmentShape {
  type: EnvironmentType;
  address: string;
  tls: { ca: boolean; cert: boolean; key: boolean };
}

export function assertValidEnvironment({ type, address, tls }: EnvironmentShape): void {
  if (type === 'local-socket') {
    if (!address.startsWith('/'))
      invalid('a local-socket address is an absolute socket path, e.g. /var/run/docker.sock');
    return;
  }
  const port = portOf(address);
  if (port === undefined) invalid(`a ${type} address is host:port, e.g. 10.0.0.5:2376`);
  if (port < 1 || port > 65535) invalid('the port must be from 1 to 65535');
  if (type === 'tcp-tls' && !(tls.ca && tls.cert && tls.key)) {
    invalid('tcp-tls needs the CA certificate, the client certificate and the client key (PEM)');
  }
}

function portOf(address: string): number | undefined {
  try {
    return parseHostPort(address).port;
  } catch {
    return undefined;
  }
}

function invalid(message: string): never {
  throw new HttpError(400, 'VALIDATION', message);
}
