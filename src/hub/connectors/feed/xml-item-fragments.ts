import { Parser } from 'htmlparser2';

/** Where a feed document's items are, as slices of its text. */
export interface XmlItemFragments {
  /** The root element's start tag as written, with its namespace declarations. */
  readonly rootOpen: string;
  readonly rootName: string;
  /** The `<channel …>` start tag of RSS 2.0, when there is one. */
  readonly channelOpen: string | undefined;
  /** Each `<item>` or `<entry>` element, exactly as the document has it. */
  readonly items: readonly string[];
}

const ITEM_NAMES = new Set(['item', 'entry']);

const localName = (name: string): string => name.slice(name.indexOf(':') + 1);

/**
 * Slices the item elements (`<item>` of RSS and RDF, `<entry>` of Atom) out of a feed's XML,
 * byte for byte: the raw payload of each item is its own fragment, not a re-serialisation.
 * Only items at their format's place count (children of the root or of its channel), so an
 * `<item>` nested inside an item's content is part of that item.
 */
export function xmlItemFragments(xml: string): XmlItemFragments {
  const items: string[] = [];
  const stack: string[] = [];
  let rootOpen = '';
  let rootName = '';
  let channelOpen: string | undefined;
  let itemStart = -1;
  let itemDepth = -1;
  const parser = new Parser(
    {
      onopentag(name) {
        const local = localName(name);
        // htmlparser2's startIndex can be off after a processing instruction (`<?xml …?>`);
        // a start tag holds no '<' in well-formed XML, so its last '<' is where it starts.
        const start = xml.lastIndexOf('<', parser.endIndex);
        if (stack.length === 0) {
          rootName = name;
          rootOpen = xml.slice(start, parser.endIndex + 1);
        } else if (stack.length === 1 && local === 'channel' && channelOpen === undefined) {
          channelOpen = xml.slice(start, parser.endIndex + 1);
        }
        const parent = stack.at(-1);
        const atItemPlace =
          itemStart < 0 &&
          ITEM_NAMES.has(local) &&
          (stack.length === 1 ||
            (stack.length === 2 && parent !== undefined && localName(parent) === 'channel'));
        if (atItemPlace) {
          itemStart = start;
          itemDepth = stack.length;
        }
        stack.push(name);
      },
      onclosetag() {
        stack.pop();
        if (itemStart >= 0 && stack.length === itemDepth) {
          items.push(xml.slice(itemStart, parser.endIndex + 1));
          itemStart = -1;
        }
      },
    },
    { xmlMode: true },
  );
  parser.end(xml);
  return { rootOpen, rootName, channelOpen, items };
}
