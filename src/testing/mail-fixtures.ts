import { minimalPdf } from './pdf-fixture.js';

/**
 * Raw RFC 822 messages for tests, written by hand so every byte (charset, transfer encoding,
 * boundaries) is the one a test means. Lines end in CRLF, as IMAP stores them.
 */

/** Headers every fixture message can have; `id` becomes `<id@cim.test>`, null leaves it out. */
export interface MessageHeaders {
  readonly id: string | null;
  readonly subject?: string;
  readonly from?: string;
  readonly to?: string;
  readonly cc?: string;
  readonly date?: string;
  readonly inReplyTo?: string;
  readonly references?: readonly string[];
}

/** A 1×1 transparent PNG. */
export const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/** The Message-ID a fixture id becomes, with its angle brackets. */
export function messageIdOf(id: string): string {
  return `<${id}@cim.test>`;
}

function headerLines(h: MessageHeaders, contentHeaders: readonly string[]): string[] {
  return [
    `From: ${h.from ?? 'Alice Example <alice@cim.test>'}`,
    `To: ${h.to ?? 'Bob Example <bob@cim.test>'}`,
    ...(h.cc === undefined ? [] : [`Cc: ${h.cc}`]),
    `Subject: ${h.subject ?? 'A test message'}`,
    `Date: ${h.date ?? 'Tue, 01 Dec 2026 10:00:00 +0000'}`,
    ...(h.id === null ? [] : [`Message-ID: ${messageIdOf(h.id)}`]),
    ...(h.inReplyTo === undefined ? [] : [`In-Reply-To: ${messageIdOf(h.inReplyTo)}`]),
    ...(h.references === undefined
      ? []
      : [`References: ${h.references.map(messageIdOf).join(' ')}`]),
    'MIME-Version: 1.0',
    ...contentHeaders,
  ];
}

function message(h: MessageHeaders, contentHeaders: readonly string[], body: string): string {
  return `${headerLines(h, contentHeaders).join('\r\n')}\r\n\r\n${body.replace(/\r?\n/g, '\r\n')}`;
}

/** Base64 in lines of 76 characters, as MIME writes it. */
function base64Lines(bytes: Uint8Array): string {
  return (
    Buffer.from(bytes)
      .toString('base64')
      .match(/.{1,76}/g) ?? []
  ).join('\r\n');
}

/** Quoted-printable of `bytes` (lines kept short; enough for test bodies). */
function quotedPrintable(bytes: Uint8Array): string {
  let out = '';
  let line = 0;
  for (const byte of bytes) {
    let piece: string;
    if (byte === 0x0a) {
      out += '\r\n';
      line = 0;
      continue;
    }
    if (byte === 0x0d) continue;
    if ((byte >= 33 && byte <= 126 && byte !== 61) || byte === 32)
      piece = String.fromCharCode(byte);
    else piece = `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    if (line + piece.length > 73) {
      out += '=\r\n';
      line = 0;
    }
    out += piece;
    line += piece.length;
  }
  return out;
}

/** A text/plain message in 7-bit US-ASCII. */
export function plainMessage(h: MessageHeaders & { body?: string }): string {
  return message(
    h,
    ['Content-Type: text/plain; charset=us-ascii', 'Content-Transfer-Encoding: 7bit'],
    `${h.body ?? 'A plain test message.'}\n`,
  );
}

/** A message with only an HTML body (quoted-printable UTF-8). */
export function htmlMessage(h: MessageHeaders & { html: string }): string {
  return message(
    h,
    ['Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable'],
    `${quotedPrintable(Buffer.from(h.html, 'utf8'))}\n`,
  );
}

/** A text/plain message in a legacy charset, quoted-printable or base64. */
export function legacyCharsetMessage(
  h: MessageHeaders & {
    charset: 'iso-8859-1' | 'windows-1252';
    bytes: Uint8Array;
    encoding: 'quoted-printable' | 'base64';
  },
): string {
  const body = h.encoding === 'base64' ? base64Lines(h.bytes) : quotedPrintable(h.bytes);
  return message(
    h,
    [`Content-Type: text/plain; charset=${h.charset}`, `Content-Transfer-Encoding: ${h.encoding}`],
    `${body}\n`,
  );
}

/** One attachment of a multipart fixture. */
export interface FixtureAttachment {
  readonly filename: string;
  readonly mediaType: string;
  readonly bytes: Uint8Array;
}

/** A PDF attachment whose one page says `text`. */
export function pdfAttachment(filename: string, text: string): FixtureAttachment {
  return { filename, mediaType: 'application/pdf', bytes: minimalPdf({ pages: [[text]] }) };
}

/** A PNG attachment. */
export function pngAttachment(filename: string): FixtureAttachment {
  return { filename, mediaType: 'image/png', bytes: TINY_PNG };
}

/**
 * multipart/mixed: a multipart/alternative body (text quoted-printable ISO-8859-1 when
 * `latin1Text` is given, else 7-bit; HTML base64 UTF-8), then each attachment in base64.
 */
export function multipartMessage(
  h: MessageHeaders & {
    text: string;
    html?: string;
    latin1Text?: boolean;
    attachments: readonly FixtureAttachment[];
  },
): string {
  const mixed = `mixed-${h.id ?? 'none'}`;
  const alternative = `alt-${h.id ?? 'none'}`;
  const textPart = h.latin1Text
    ? [
        'Content-Type: text/plain; charset=iso-8859-1',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        quotedPrintable(Buffer.from(h.text, 'latin1')),
      ]
    : ['Content-Type: text/plain; charset=us-ascii', 'Content-Transfer-Encoding: 7bit', '', h.text];
  const parts = [
    `--${mixed}`,
    `Content-Type: multipart/alternative; boundary="${alternative}"`,
    '',
    `--${alternative}`,
    ...textPart,
    ...(h.html === undefined
      ? []
      : [
          `--${alternative}`,
          'Content-Type: text/html; charset=utf-8',
          'Content-Transfer-Encoding: base64',
          '',
          base64Lines(Buffer.from(h.html, 'utf8')),
        ]),
    `--${alternative}--`,
    '',
    ...h.attachments.flatMap((a) => [
      `--${mixed}`,
      `Content-Type: ${a.mediaType}; name="${a.filename}"`,
      `Content-Disposition: attachment; filename="${a.filename}"`,
      'Content-Transfer-Encoding: base64',
      '',
      base64Lines(a.bytes),
    ]),
    `--${mixed}--`,
    '',
  ];
  return message(h, [`Content-Type: multipart/mixed; boundary="${mixed}"`], parts.join('\n'));
}

/** "Grüße, Café à côté" in ISO-8859-1. */
export const LATIN1_TEXT = 'Grüße aus dem Café, à côté de la gare.';
/** windows-1252's own characters: the euro sign, curly quotes, an en dash (0x80, 0x93/0x94, 0x96). */
export const WINDOWS_1252_TEXT = 'Price: €25 – “quoted” text.';

/** `text` in windows-1252 (only the characters of {@link WINDOWS_1252_TEXT} beyond Latin-1). */
export function windows1252Bytes(text: string): Uint8Array {
  const extra: Record<string, number> = { '€': 0x80, '“': 0x93, '”': 0x94, '–': 0x96 };
  return Uint8Array.from([...text].map((c) => extra[c] ?? c.charCodeAt(0)));
}

/**
 * `count` varied messages, as a real mailbox has: plain, HTML-only, multipart with a PDF and an
 * image, ISO-8859-1 and windows-1252 bodies, replies to earlier ones; ids `gen-<n>`.
 */
export function generatedMailbox(count: number): string[] {
  const messages: string[] = [];
  for (let n = 0; n < count; n++) {
    const h = { id: `gen-${n}`, subject: `Generated message ${n}` };
    switch (n % 5) {
      case 0:
        messages.push(plainMessage({ ...h, body: `Plain message number ${n}.` }));
        break;
      case 1:
        messages.push(
          htmlMessage({ ...h, html: `<html><body><p>HTML message <b>${n}</b></p></body></html>` }),
        );
        break;
      case 2:
        messages.push(
          multipartMessage({
            ...h,
            text: `Attachments of message ${n}.`,
            html: `<p>Attachments of message ${n}.</p>`,
            attachments: [
              pdfAttachment(`report-${n}.pdf`, `Quarterly report ${n}`),
              pngAttachment(`chart-${n}.png`),
            ],
          }),
        );
        break;
      case 3:
        messages.push(
          legacyCharsetMessage({
            ...h,
            charset: 'iso-8859-1',
            encoding: 'quoted-printable',
            bytes: Buffer.from(`${LATIN1_TEXT} ${n}`, 'latin1'),
          }),
        );
        break;
      default:
        messages.push(
          legacyCharsetMessage({
            ...h,
            charset: 'windows-1252',
            encoding: 'base64',
            bytes: windows1252Bytes(`${WINDOWS_1252_TEXT} ${n}`),
            inReplyTo: `gen-${n - 1}`,
            references: [`gen-${n - 2}`, `gen-${n - 1}`],
          }),
        );
    }
  }
  return messages;
}
