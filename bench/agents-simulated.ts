// Simulated edge agents for bench/agents.ts, all in this one process: one WebSocket each to
// /api/hawser/connect, speaking the plain Hawser protocol (hello; pong to every ping; any
// request answered with an empty container list, /version with a version document). Reads the server URL and one token per line
// on stdin; prints "connected N" once every agent is welcomed, then holds the links until killed.
import { PROTOCOL_VERSION } from '../src/agents/protocol.ts';

const [serverUrl = '', ...tokens] = (await new Response(Bun.stdin.stream()).text()).trim().split('\n');
const EMPTY_LIST = '[]';
/** What the server asks first, to pick the API version. */
const VERSION = JSON.stringify({
  Version: '20.10.24',
  ApiVersion: '1.41',
  MinAPIVersion: '1.12',
  Os: 'linux',
  Arch: 'amd64',
});
/** Connections opened at once, as agents coming back after a server restart would. */
const WAVE = 50;

function connect(token: string, index: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(serverUrl);
    ws.onopen = () =>
      ws.send(
        JSON.stringify({
          type: 'hello',
          version: 'bench',
          protocol: PROTOCOL_VERSION,
          agentId: `sim-${index}`,
          agentName: `sim-${index}`,
          token,
          capabilities: ['exec'],
        }),
      );
    ws.onmessage = (event) => {
      const message = JSON.parse(String(event.data));
      if (message.type === 'welcome') resolve();
      else if (message.type === 'error')
        reject(new Error(`agent ${index}: ${message.error ?? message.message}`));
      else if (message.type === 'ping')
        ws.send(JSON.stringify({ type: 'pong', timestamp: message.timestamp }));
      else if (message.type === 'request')
        ws.send(
          JSON.stringify({
            type: 'response',
            requestId: message.requestId,
            statusCode: 200,
            headers: { 'Content-Type': 'application/json' },
            body: String(message.path).includes('/version') ? VERSION : EMPTY_LIST,
          }),
        );
    };
    ws.onclose = () => reject(new Error(`agent ${index} lost its link`));
  });
}

for (let start = 0; start < tokens.length; start += WAVE)
  await Promise.all(tokens.slice(start, start + WAVE).map((token, offset) => connect(token, start + offset)));
console.log(`connected ${tokens.length}`);
