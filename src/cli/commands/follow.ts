import { UnavailableError } from '../../core/errors.js';
import { errorFromProblem } from '../output.js';
import { unreachable } from '../client.js';
import type { RecordedEventJson } from '../../api/schemas/index.js';
import { authHeaders } from '../credentials.js';

/** Follows the node's server-sent event stream from `after` until the process is stopped. */
export async function followEvents(
  base: string,
  after: number,
  onEvent: (e: RecordedEventJson) => void,
): Promise<void> {
  let response: Response;
  try {
    response = await fetch(`${base}/api/events/stream?after=${after}`, {
      headers: { accept: 'text/event-stream', ...authHeaders(base) },
    });
  } catch (err) {
    throw unreachable(base, err);
  }
  if ((response.status === 401 || response.status === 403) && response.body)
    throw errorFromProblem((await response.json()) as Record<string, string>, response.status);
  if (!response.ok || !response.body)
    throw new UnavailableError(`${base} refused the live event stream (HTTP ${response.status}).`);
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = frame
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n');
      if (data) onEvent(JSON.parse(data) as RecordedEventJson);
    }
  }
}
