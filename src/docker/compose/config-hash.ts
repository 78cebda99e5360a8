// TEMPORARY stand-in until compose-model lands its config hash.
import { createHash } from 'node:crypto';
import type { ServiceConfig } from './model.ts';

export function serviceConfigHash(service: ServiceConfig): string {
  const { build: _b, pull_policy: _p, scale: _s, ...rest } = service;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex');
}
