// The edge agents connected to this server, one per environment. It admits an agent on its hello
// (token, protocol version, one agent per environment), keeps its session as that environment's
// Docker transport, and watches the links with one timer for all agents: each beat pings every
// agent (the pong gives its latency) and drops those silent for too long.
import { DockerUnreachableError } from '../docker/errors.ts';
import type { HijackedConnection, HijackRequest } from '../docker/hijack.ts';
import type { DockerTransport, Exchange, ForwardRequest } from '../docker/transport.ts';
import type { AgentFacts, AgentStore } from '../store/agents.ts';
import type { AgentStatus } from '../store/records.ts';
import { type AgentLink, EdgeSession } from './edge-session.ts';
import {
  type Extra,
  type HelloMessage,
  PROTOCOL_VERSION,
  protocolSupported,
  WINDFLOW_EXTRAS,
} from './protocol.ts';

export interface HubLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface HubOptions {
  /** How often every agent is pinged (default 30 s, the Hawser agent's own beat). */
  heartbeatMs?: number;
  /** An agent silent this long is dropped (default 90 s). */
  silenceMs?: number;
}

/** A live change, for the UI's connection states. */
export interface AgentChange {
  environmentId: number;
  connected: boolean;
  latencyMs: number | null;
}

export type Admission = { session: EdgeSession } | { refused: string };

export class AgentHub {
  private readonly sessions = new Map<number, EdgeSession>();
  /** The link each session runs on, so the hub can close it. */
  private readonly links = new WeakMap<EdgeSession, AgentLink>();
  private readonly listeners = new Set<(change: AgentChange) => void>();
  private readonly heartbeat: Timer;
  private readonly silenceMs: number;

  constructor(
    private readonly store: AgentStore,
    private readonly logger: HubLogger,
    { heartbeatMs = 30_000, silenceMs = 90_000 }: HubOptions = {},
  ) {
    this.silenceMs = silenceMs;
    this.heartbeat = setInterval(() => this.beat(), heartbeatMs);
    this.heartbeat.unref();
  }

  /** The environment's Docker transport: whichever session is connected when a call is made. */
  transportFor(environmentId: number): DockerTransport {
    return new EdgeTunnel(() => this.sessions.get(environmentId));
  }

  session(environmentId: number): EdgeSession | undefined {
    return this.sessions.get(environmentId);
  }

  /** Checks a hello and, when it passes, makes the agent its environment's session. */
  async admit(hello: HelloMessage, link: AgentLink, remoteAddress: string): Promise<Admission> {
    if (!protocolSupported(hello.protocol)) {
      return {
        refused: `protocol version ${String(hello.protocol ?? 'none')} is not supported (this server speaks ${PROTOCOL_VERSION}): update the agent`,
      };
    }
    const environmentId = hello.token ? await this.store.environmentForToken(hello.token) : undefined;
    if (environmentId === undefined) {
      this.logger.warn('edge agent refused: unknown token', { remoteAddress, agentId: hello.agentId });
      return { refused: 'the token is not valid (revoked, or never issued)' };
    }
    if (this.sessions.has(environmentId)) {
      const detail = `token already in use by a connected agent (${hello.agentName ?? hello.agentId ?? 'unnamed'} refused)`;
      await this.store.recordEvent(environmentId, 'refused', detail, remoteAddress);
      return { refused: 'this token belongs to an environment whose agent is already connected' };
    }
    const facts = factsOf(hello);
    const offered = new Set(hello.extras ?? []);
    const extras = new Set(WINDFLOW_EXTRAS.filter((extra) => offered.has(extra))) as ReadonlySet<Extra>;
    const session = new EdgeSession(environmentId, facts, extras, link);
    this.sessions.set(environmentId, session);
    this.links.set(session, link);
    await this.store.recordConnected(environmentId, facts, remoteAddress);
    this.logger.info('edge agent connected', {
      environmentId,
      agent: facts.agentName,
      version: facts.agentVersion,
      extras: [...extras],
    });
    this.emit({ environmentId, connected: true, latencyMs: null });
    return { session };
  }

  /** The session's link closed. */
  async drop(session: EdgeSession, reason: string): Promise<void> {
    session.end(reason);
    if (this.sessions.get(session.environmentId) !== session) return;
    this.sessions.delete(session.environmentId);
    this.logger.info('edge agent disconnected', { environmentId: session.environmentId, reason });
    this.emit({ environmentId: session.environmentId, connected: false, latencyMs: null });
    await this.store
      .recordDisconnected(session.environmentId, reason, new Date(session.lastFrameAt).toISOString())
      .catch(() => undefined); // the environment may just have been removed
  }

  /** Closes the environment's link (its token was revoked, or it was removed). */
  disconnect(environmentId: number, reason: string): void {
    const session = this.sessions.get(environmentId);
    if (!session) return;
    void this.drop(session, reason);
    this.closeLink(session, reason);
  }

  /** What is known live about the environment's agent, beside what the store keeps. */
  live(
    environmentId: number,
  ): Pick<AgentStatus, 'connected' | 'latencyMs' | 'extras'> & { lastFrameAt?: string } {
    const session = this.sessions.get(environmentId);
    if (!session) return { connected: false, latencyMs: null, extras: [] };
    return {
      connected: true,
      latencyMs: session.latencyMs,
      extras: [...session.extras],
      lastFrameAt: new Date(session.lastFrameAt).toISOString(),
    };
  }

  /** Connected agents and the calls open through them, for leak checks and the benchmark. */
  counts(): { agents: number; openCalls: number } {
    let openCalls = 0;
    for (const session of this.sessions.values()) openCalls += session.openCalls;
    return { agents: this.sessions.size, openCalls };
  }

  onChange(listener: (change: AgentChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The environments whose agent changed (connected, dropped, a new latency), until `signal`
   * aborts. Changes that come while the reader is busy fold into one per environment.
   */
  async *changes(signal: AbortSignal): AsyncGenerator<number> {
    const pending = new Set<number>();
    let wake: (() => void) | undefined;
    const stop = this.onChange(({ environmentId }) => {
      pending.add(environmentId);
      wake?.();
    });
    const onAbort = () => wake?.();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      while (!signal.aborted) {
        if (pending.size === 0) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
          continue;
        }
        const [next] = pending;
        pending.delete(next as number);
        yield next as number;
      }
    } finally {
      stop();
      signal.removeEventListener('abort', onAbort);
    }
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const session of [...this.sessions.values()]) {
      session.end('the server is stopping');
      this.closeLink(session, 'the server is stopping');
    }
    this.sessions.clear();
  }

  private closeLink(session: EdgeSession, reason: string): void {
    try {
      this.links.get(session)?.close(1001, reason.slice(0, 120));
    } catch {
      // Already closed.
    }
  }

  private beat(): void {
    const now = Date.now();
    for (const session of [...this.sessions.values()]) {
      if (now - session.lastFrameAt > this.silenceMs) {
        void this.drop(session, `silent for ${Math.round((now - session.lastFrameAt) / 1000)} s`);
        this.closeLink(session, 'silent too long');
        continue;
      }
      try {
        session.ping();
      } catch {
        // The link is going; its close handler drops it.
      }
      this.emit({ environmentId: session.environmentId, connected: true, latencyMs: session.latencyMs });
    }
  }

  private emit(change: AgentChange): void {
    for (const listener of this.listeners) listener(change);
  }
}

function factsOf(hello: HelloMessage): AgentFacts {
  const text = (value: unknown, max = 200) => (typeof value === 'string' ? value.slice(0, max) : '');
  return {
    agentId: text(hello.agentId),
    agentName: text(hello.agentName) || text(hello.hostname),
    agentVersion: text(hello.version, 64),
    protocolVersion: text(hello.protocol, 16),
    dockerVersion: text(hello.dockerVersion, 64),
    hostname: text(hello.hostname),
    capabilities: Array.isArray(hello.capabilities)
      ? hello.capabilities.filter((item): item is string => typeof item === 'string').slice(0, 32)
      : [],
  };
}

/** An environment's transport: each call goes to the session connected at that moment. */
class EdgeTunnel implements DockerTransport {
  constructor(private readonly current: () => EdgeSession | undefined) {}

  requestJson<T>(method: string, path: string, options: Exchange): Promise<T> {
    return this.session().requestJson<T>(method, path, options);
  }

  openStream(method: string, path: string, options: Exchange): Promise<ReadableStream<Uint8Array>> {
    return this.session().openStream(method, path, options);
  }

  hijack(request: HijackRequest): Promise<HijackedConnection> {
    return this.session().hijack(request);
  }

  forward(request: ForwardRequest): Promise<Response> {
    return this.session().forward(request);
  }

  close(): void {}

  private session(): EdgeSession {
    const session = this.current();
    if (!session) {
      throw new DockerUnreachableError(
        'The edge agent of this environment is not connected: start it on its host (see the environment’s page for the command)',
      );
    }
    return session;
  }
}
