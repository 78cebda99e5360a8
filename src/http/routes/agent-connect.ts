// GET /api/hawser/connect: where edge agents dial in (a WebSocket speaking the protocol of
// src/agents/protocol.ts). The upgrade itself is public: the agent proves itself with the token in
// its first frame, `hello`, within HELLO_TIMEOUT_MS; anything else first is refused. After the
// welcome every frame belongs to the agent's session.
import { Elysia } from 'elysia';
import type { AgentHub } from '../../agents/agent-hub.ts';
import type { EdgeSession } from '../../agents/edge-session.ts';
import { type HelloMessage, type Message, PROTOCOL_VERSION, parseMessage } from '../../agents/protocol.ts';
import type { AccessControl } from '../access.ts';

export interface AgentConnectDeps {
  access: AccessControl;
  agents: AgentHub;
}

const HELLO_TIMEOUT_MS = 10_000;
/** Frames above this are refused by closing the link (1009); the agent reconnects. */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

interface Link {
  session?: EdgeSession;
  admitting?: boolean;
  helloTimer?: Timer;
}

export function agentConnectRoutes({ access, agents }: AgentConnectDeps) {
  const links = new WeakMap<object, Link>();

  return new Elysia().use(access).ws('/api/hawser/connect', {
    access: 'public',
    maxPayloadLength: MAX_FRAME_BYTES,
    detail: { summary: 'Edge agents connect here (Hawser protocol; the token comes in the hello)' },
    open(ws) {
      const link: Link = {};
      links.set(ws.raw, link);
      link.helloTimer = setTimeout(() => refuse('no hello within 10 s'), HELLO_TIMEOUT_MS);
      const refuse = (reason: string) => {
        try {
          ws.raw.send(JSON.stringify({ type: 'error', error: reason }));
          ws.raw.close(4401, reason.slice(0, 120));
        } catch {
          // Gone already.
        }
      };
    },
    async message(ws, raw) {
      const link = links.get(ws.raw);
      if (!link) return;
      const frame = rawFrame(raw);
      if (link.session) {
        if (frame instanceof Uint8Array) link.session.handleBinary(frame);
        else {
          const message = parseMessage(frame);
          if (message) link.session.handleText(message);
          else
            ws.raw.send(
              JSON.stringify({ type: 'error', error: 'malformed frame: expected a JSON object with a type' }),
            );
        }
        return;
      }
      if (link.admitting) return;
      const hello = typeof frame === 'string' ? parseMessage(frame) : undefined;
      const refuse = (reason: string) => {
        clearTimeout(link.helloTimer);
        ws.raw.send(JSON.stringify({ type: 'error', error: reason }));
        ws.raw.close(4401, reason.slice(0, 120));
      };
      if (hello?.type !== 'hello') return refuse('the first frame must be a hello');
      link.admitting = true;
      const remoteAddress = ws.raw.remoteAddress;
      const admission = await agents.admit(
        hello as HelloMessage,
        {
          send: (data) => {
            ws.raw.send(data);
          },
          close: (code, reason) => ws.raw.close(code, reason),
        },
        remoteAddress,
      );
      link.admitting = false;
      if ('refused' in admission) return refuse(admission.refused);
      clearTimeout(link.helloTimer);
      link.session = admission.session;
      ws.raw.send(
        JSON.stringify({
          type: 'welcome',
          environmentId: admission.session.environmentId,
          message: `Connected to Windflow (protocol ${PROTOCOL_VERSION})`,
          extras: [...admission.session.extras],
        }),
      );
    },
    async close(ws, code, reason) {
      const link = links.get(ws.raw);
      if (!link) return;
      clearTimeout(link.helloTimer);
      if (link.session) await agents.drop(link.session, describeClose(code, reason));
    },
  });
}

/** Text frames as text, binary ones as bytes, whatever Elysia made of them. */
function rawFrame(message: unknown): string | Uint8Array {
  if (typeof message === 'string') return message;
  if (message instanceof Uint8Array) return message;
  if (message instanceof ArrayBuffer) return new Uint8Array(message);
  return JSON.stringify(message as Message);
}

function describeClose(code: number, reason: string): string {
  if (code === 1009) return 'a frame was too large';
  if (code === 1006) return 'the connection was lost';
  return reason ? `${reason} (${code})` : `closed (${code})`;
}
