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
