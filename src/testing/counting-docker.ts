// A Docker client that counts the Engine calls it makes, by method and path with ids blanked,
// for tests and benchmarks that check how much work an operation does.
import { DockerClient, type RequestOptions } from '../docker/client.ts';

export class CountingDockerClient extends DockerClient {
  readonly calls: string[] = [];

  override request<T>(method: string, path: string, options?: RequestOptions): Promise<T> {
    this.calls.push(`${method} ${path}`);
    return super.request<T>(method, path, options);
  }

  override stream(
    method: string,
    path: string,
    options?: RequestOptions,
  ): Promise<ReadableStream<Uint8Array>> {
    this.calls.push(`${method} ${path}`);
    return super.stream(method, path, options);
  }

  /** The calls whose "METHOD /path" matches. */
  count(pattern: RegExp): number {
    return this.calls.filter((call) => pattern.test(call)).length;
  }

  reset(): void {
    this.calls.length = 0;
  }
}
