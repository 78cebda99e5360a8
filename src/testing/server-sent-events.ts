// Reading a server-sent event stream in tests, message by message.

export interface SentMessage {
  event: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever shape the stream carries
  data: any;
}

/** What a stream's reader offers, whichever of Bun's and Node's stream types it comes from. */
interface ByteReader {
  read(): Promise<{ done: boolean; value?: Uint8Array }>;
  cancel(): Promise<void>;
}

/** Reads messages until `done` says so or the stream ends, then cancels the stream. */
export async function readServerSentEvents(
  reader: ByteReader,
  done: (messages: SentMessage[]) => boolean,
): Promise<SentMessage[]> {
  const decoder = new TextDecoder();
  const messages: SentMessage[] = [];
  let buffer = '';
  try {
    while (!done(messages)) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      buffer += decoder.decode(value, { stream: true });
      const blocks = buffer.split('\n\n');
      buffer = blocks.pop() ?? '';
      for (const block of blocks) {
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (data)
          messages.push({ event: /^event: (.*)$/m.exec(block)?.[1] ?? 'message', data: JSON.parse(data) });
      }
    }
  } finally {
    await reader.cancel();
  }
  return messages;
}
