import type { ProcessorDefinition } from '../plugins/plugin-api.js';
import { readDocument } from './extract-document.js';
import { uniqueInOrder } from '../knowledge/text/references.js';

/** The relation type every link becomes; the knowledge graph draws these as edges. */
export const LINKS_TO = 'links-to';

/**
 * `extract-links`: a `links-to` relation for every distinct link in a unit, in order of first
 * appearance. Links are Markdown links and autolinks, HTML `a`/`area` hrefs, URLs in the text
 * (http, https, ftp, mailto), and references to other units, `cim:<cid>` or a bare `bafy…` or
 * `bafk…` CID, whose target is the CID itself. Relative links are dropped: they name no unit.
 */
export const extractLinks: ProcessorDefinition = {
  version: '1.0.0',
  description: 'Finds the URLs and unit references in a unit and relates it to each as links-to.',
  async run(input, ctx) {
    const document = await readDocument(input, ctx.signal);
    return {
      relations: uniqueInOrder(document.links).map((target) => ({ type: LINKS_TO, target })),
    };
  },
};
