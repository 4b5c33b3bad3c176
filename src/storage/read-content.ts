import type { ContentStore } from './content-store.js';

/**
 * The whole of a (small) content, verified, or undefined when the store does not hold it. For
 * readers that need every byte at once, such as text extraction; large content is streamed.
 */
export async function readContent(store: ContentStore, cid: string): Promise<Buffer | undefined> {
  const content = await store.get(cid);
  if (!content) return undefined;
  const chunks: Uint8Array[] = [];
  for await (const chunk of content.stream()) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * Up to `bytes` leading bytes of a content, NOT verified (the stream is left before its end):
 * only for sniffing a media type, never for serving. Undefined when the store does not hold it.
 */
export async function peekContent(
  store: ContentStore,
  cid: string,
  bytes: number,
): Promise<Uint8Array | undefined> {
  const content = await store.get(cid, { streamed: true });
  if (!content) return undefined;
  const chunks: Uint8Array[] = [];
  let have = 0;
  for await (const chunk of content.stream()) {
    chunks.push(chunk);
    have += chunk.byteLength;
    if (have >= bytes) break;
  }
  return Buffer.concat(chunks).subarray(0, bytes);
}
