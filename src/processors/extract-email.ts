import { simpleParser } from 'mailparser';
import type { AddressObject, Attachment, ParsedMail } from 'mailparser';
import { htmlDocument } from '../knowledge/text/html-text.js';
import { MalformedContentError } from '../knowledge/text/malformed-content.js';
import { tidyText } from '../knowledge/text/text-document.js';
import { isIndexableText } from '../knowledge/text-extract.js';
import type { DerivedContent, ProcessorDefinition, Relation } from '../plugins/plugin-api.js';
import type { PluginLogger } from '../plugins/plugin-api.js';
import { baseNameOf, textUnit } from './derived-text.js';
import { extractDocument } from './extract-document.js';
import { textFormatOf } from './media-type.js';

/** Relation types of a message: its own id, and the messages it answers and follows. */
export const MESSAGE_ID = 'message-id';
export const IN_REPLY_TO = 'in-reply-to';
export const REFERENCES = 'references';

/**
 * A Message-ID as a `mid:` URL (RFC 2392): angle brackets dropped, the rest percent-encoded
 * as a URL path needs, so every message naming the same id names the same target.
 */
export function midUrl(messageId: string): string {
  const id = messageId.trim().replace(/^<|>$/g, '').trim();
  return `mid:${encodeURIComponent(id).replace(/%40/g, '@')}`;
}

/** Every Message-ID in a header value (`<a@x> <b@y>`), in order. */
function messageIds(value: string | readonly string[] | undefined): string[] {
  const values = value === undefined ? [] : typeof value === 'string' ? [value] : value;
  return values.flatMap((v) => v.match(/<[^<>\s]+>/g) ?? (v.trim() === '' ? [] : [v.trim()]));
}

/** `Name <address>` (or the bare address) of every mailbox in address headers, groups flattened. */
function addresses(header: AddressObject | AddressObject[] | undefined): string[] {
  const objects = header === undefined ? [] : Array.isArray(header) ? header : [header];
  return objects
    .flatMap((o) =>
      o.value.flatMap((a) => [...(a.group ?? []), ...(a.group === undefined ? [a] : [])]),
    )
    .map((a) => (a.name && a.address ? `${a.name} <${a.address}>` : (a.address ?? a.name)));
}

/** The body as plain text: the text part, else the HTML part read as a page is (knowledge/text). */
function bodyText(mail: ParsedMail): string {
  const text = mail.text === undefined ? '' : tidyText(mail.text);
  if (text.trim() !== '') return text;
  return typeof mail.html === 'string' ? htmlDocument(mail.html).text : '';
}

/** An attachment's file name: the one it carries, else a numbered one. */
function attachmentName(attachment: Attachment, index: number): string {
  const name = attachment.filename?.trim();
  return name === undefined || name === '' ? `attachment-${index + 1}` : name;
}

/**
 * The text of an attachment search cannot read by itself (a PDF): derived units never start a
 * pipeline, so without this its text would never be indexed. Text, HTML and JSON attachments
 * are indexed as they are. An attachment whose text cannot be read is logged and kept.
 */
async function attachmentText(
  attachment: Attachment,
  name: string,
  logger: PluginLogger,
  signal: AbortSignal,
): Promise<DerivedContent | undefined> {
  const { contentType } = attachment;
  if (isIndexableText(contentType) || textFormatOf(contentType) === null) return undefined;
  try {
    const document = await extractDocument(contentType, attachment.content, signal);
    return document.text.trim() === '' ? undefined : textUnit(`${name}.txt`, document.text);
  } catch (err) {
    logger.warn({ attachment: name, err }, 'The text of an attachment could not be read.');
    return undefined;
  }
}

/**
 * `extract-email`: reads a message (`message/rfc822`, the `.eml` the mail connector stores)
 * with mailparser, which decodes every transfer encoding and charset. The body becomes the
 * unit's text and a derived `text/plain` unit; each attachment a derived unit of its own media
 * type and file name (and, for PDFs and the like, a derived `.txt` of its text); the headers
 * become metadata, and the message's thread relations to `mid:` URLs of the messages it
 * answers (`in-reply-to`) and follows (`references`), beside its own (`message-id`).
 */
export const extractEmail: ProcessorDefinition = {
  version: '1.0.0',
  description:
    'Reads an email: body text and attachments as derived units, headers as metadata, thread relations.',
  accepts: ['message/rfc822'],
  parameters: {
    attachmentText: {
      type: 'boolean',
      default: true,
      description: 'Also derive the text of attachments search cannot read itself (PDFs).',
    },
  },
  async run(input, ctx) {
    let mail: ParsedMail;
    try {
      mail = await simpleParser(Buffer.from(await input.content()), {
        skipHtmlToText: true,
        skipTextToHtml: true,
        skipImageLinks: true,
        skipTextLinks: true,
      });
    } catch (err) {
      throw new MalformedContentError('message/rfc822', (err as Error).message, { cause: err });
    }
    const subject = mail.subject?.trim() ?? '';
    const body = bodyText(mail);
    const text = tidyText(subject === '' ? body : `${subject}\n\n${body}`);
    const derived: DerivedContent[] = [];
    if (body.trim() !== '') derived.push(textUnit(`${baseNameOf(input.unit)}.txt`, text));
    for (const [index, attachment] of mail.attachments.entries()) {
      const name = attachmentName(attachment, index);
      derived.push({
        name,
        mediaType: attachment.contentType,
        bytes: new Uint8Array(attachment.content),
      });
      if (input.parameters['attachmentText'] !== true) continue;
      const extracted = await attachmentText(attachment, name, ctx.logger, ctx.signal);
      if (extracted !== undefined) derived.push(extracted);
    }

    const own = messageIds(mail.messageId)[0];
    const inReplyTo = messageIds(mail.inReplyTo);
    const references = messageIds(mail.references);
    const relations: Relation[] = [
      ...(own === undefined ? [] : [{ type: MESSAGE_ID, target: midUrl(own) }]),
      ...inReplyTo.map((id) => ({ type: IN_REPLY_TO, target: midUrl(id) })),
      ...references.map((id) => ({ type: REFERENCES, target: midUrl(id) })),
    ];
    const metadata = {
      from: addresses(mail.from),
      to: addresses(mail.to),
      cc: addresses(mail.cc),
      ...(subject === '' ? {} : { subject }),
      ...(mail.date === undefined || Number.isNaN(mail.date.getTime())
        ? {}
        : { date: mail.date.toISOString() }),
      ...(own === undefined ? {} : { messageId: own }),
      inReplyTo,
      references,
      attachments: mail.attachments.length,
      characters: text.length,
    };
    return { text, derived, relations, metadata };
  },
};
