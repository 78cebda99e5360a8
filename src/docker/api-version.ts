// Which Engine API version to speak with a daemon.
import { DockerVersionError } from './errors.ts';

export const MIN_API_VERSION = '1.41';
/** The newest version whose answers this client understands. */
export const MAX_API_VERSION = '1.47';

/** The lower of the daemon's version and ours; a daemon older than ours cannot be used. */
export function chooseApiVersion(daemon: { ApiVersion?: string; Version?: string }): string {
  const theirs = daemon.ApiVersion ?? '';
  if (!/^\d+\.\d+$/.test(theirs)) {
    throw new DockerVersionError('the daemon reported no usable API version');
  }
  if (compareVersions(theirs, MIN_API_VERSION) < 0) {
    throw new DockerVersionError(
      `Docker ${daemon.Version} speaks API ${theirs}; Windflow needs ${MIN_API_VERSION} or newer`,
    );
  }
  return compareVersions(theirs, MAX_API_VERSION) < 0 ? theirs : MAX_API_VERSION;
}

export function compareVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}
