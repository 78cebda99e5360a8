// The edge protocol spoken on /api/hawser/connect, as the Hawser agent implements it (text frames,
// one JSON object each, told apart by `type`), plus the extras Windflow's own agent negotiates
// in its hello and Windflow grants in its welcome. Hawser agents never ask for extras, so they
// get the plain protocol. See /api/hawser/connect in src/http/routes/agent-connect.ts.

/** The protocol this side speaks; agents with another major version are refused. */
export const PROTOCOL_VERSION = '1.0';

/**
 * Extras beyond the Hawser protocol:
 * - binary-frames: stream and tunnel data as binary frames (see encodeDataFrame), not base64 JSON;
 * - stream-status: a streaming answer starts with `stream_start {statusCode, headers}`, or is
 *   one `response` when the daemon refused, so errors are told apart from data;
 * - request-body: `bodyBase64` carries any request body (tar uploads, image loads), streaming too;
 * - tunnel: `tunnel_open` runs a hijacked request (exec, attach) on the agent's host with data
 *   both ways as stream frames, `tunnel_close_write` half-closes it.
 */
export const WINDFLOW_EXTRAS = ['binary-frames', 'stream-status', 'request-body', 'tunnel'] as const;
export type Extra = (typeof WINDFLOW_EXTRAS)[number];

export interface HelloMessage {
  type: 'hello';
  version?: string;
  protocol?: string;
  agentId?: string;
  agentName?: string;
  token?: string;
  dockerVersion?: string;
  hostname?: string;
  capabilities?: string[];
  /** Windflow's agent only: the extras it can speak. */
  extras?: string[];
}

export interface RequestMessage {
  type: 'request';
  requestId: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
  bodyBase64?: string;
  streaming: boolean;
}

export interface ResponseMessage {
  type: 'response';
  requestId: string;
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
  isBinary?: boolean;
}

/** Any message; fields beyond `type` are checked where they are used. */
export type Message = { type: string; [field: string]: unknown };

/** Parses one text frame; undefined when it is not a JSON object with a string `type`. */
export function parseMessage(text: string): Message | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && typeof (value as Message).type === 'string')
      return value as Message;
  } catch {
    // Malformed: the caller says so.
  }
  return undefined;
}

/** Whether an agent speaking `version` can talk to this side. */
export function protocolSupported(version: string | undefined): boolean {
  return typeof version === 'string' && version.split('.')[0] === PROTOCOL_VERSION.split('.')[0];
}

const DATA_FRAME = 1;

/** A binary frame of data for one stream or tunnel: [1][id length][id][bytes]. */
export function encodeDataFrame(id: string, data: Uint8Array): Uint8Array {
  const idBytes = new TextEncoder().encode(id);
  const frame = new Uint8Array(2 + idBytes.length + data.length);
  frame[0] = DATA_FRAME;
  frame[1] = idBytes.length;
  frame.set(idBytes, 2);
  frame.set(data, 2 + idBytes.length);
  return frame;
}

export function decodeDataFrame(frame: Uint8Array): { id: string; data: Uint8Array } | undefined {
  if (frame.length < 2 || frame[0] !== DATA_FRAME) return undefined;
  const idLength = frame[1] as number;
  if (frame.length < 2 + idLength) return undefined;
  return {
    id: new TextDecoder().decode(frame.subarray(2, 2 + idLength)),
    data: frame.subarray(2 + idLength),
  };
}

export function toBase64(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
}

export function fromBase64(text: unknown): Uint8Array {
  return typeof text === 'string' ? new Uint8Array(Buffer.from(text, 'base64')) : new Uint8Array(0);
}
