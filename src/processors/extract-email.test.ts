import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractEmail, midUrl } from './extract-email.js';
import { decoded, runOn } from '../testing/processor-input.js';
import {
  LATIN1_TEXT,
  TINY_PNG,
  WINDOWS_1252_TEXT,
  htmlMessage,
  legacyCharsetMessage,
  multipartMessage,
  pdfAttachment,
  plainMessage,
  pngAttachment,
  windows1252Bytes,
} from '../testing/mail-fixtures.js';

function email(content: string, parameters?: Record<string, unknown>) {
  return runOn(extractEmail, {
    mediaType: 'message/rfc822',
    name: 'Message.eml',
    content,
    ...(parameters === undefined ? {} : { parameters }),
  });
}

test('a plain message: its subject and body are the text and a derived text unit; headers are metadata', async () => {
  const output = await email(
    plainMessage({
      id: 'plain-1',
      subject: 'Quarterly numbers',
      body: 'The numbers are in.\nSee you Monday.',
      cc: 'Carol <carol@cim.test>, dave@cim.test',
      date: 'Tue, 01 Dec 2026 10:00:00 +0100',
    }),
  );
  assert.equal(output.text, 'Quarterly numbers\n\nThe numbers are in.\nSee you Monday.');
  assert.deepEqual(
    output.derived?.map((d) => [d.name, d.mediaType, decoded(d.bytes)]),
    [['Message.eml.txt', 'text/plain', output.text]],
  );
  assert.deepEqual(output.metadata, {
    from: ['Alice Example <alice@cim.test>'],
    to: ['Bob Example <bob@cim.test>'],
    cc: ['Carol <carol@cim.test>', 'dave@cim.test'],
    subject: 'Quarterly numbers',
    date: '2026-12-01T09:00:00.000Z',
    messageId: '<plain-1@cim.test>',
    inReplyTo: [],
    references: [],
    attachments: 0,
    characters: output.text?.length,
  });
  assert.deepEqual(output.relations, [{ type: 'message-id', target: 'mid:plain-1@cim.test' }]);
});

test('an HTML-only message: the body is the HTML read as text, without markup, scripts or styles', async () => {
  const output = await email(
    htmlMessage({
      id: 'html-1',
      subject: 'Newsletter',
      html: '<html><head><style>p{color:red}</style></head><body><h1>News</h1><p>Caf\u00e9 opens <b>today</b>.</p><script>track()</script></body></html>',
    }),
  );
  assert.equal(output.text, 'Newsletter\n\nNews\n\nCafé opens today.');
  assert.equal(output.derived?.length, 1);
});

test('attachments: each a derived unit with its media type, name and bytes; a PDF also gives its text', async () => {
  const output = await email(
    multipartMessage({
      id: 'att-1',
      subject: 'Report attached',
      text: 'The report and a chart.',
      html: '<p>The report and a <b>chart</b>.</p>',
      attachments: [
        pdfAttachment('report.pdf', 'Revenue grew by 12 percent'),
        pngAttachment('chart.png'),
      ],
    }),
  );
  assert.equal(output.text, 'Report attached\n\nThe report and a chart.');
  const derived = output.derived ?? [];
  assert.deepEqual(
    derived.map((d) => [d.name, d.mediaType]),
    [
      ['Message.eml.txt', 'text/plain'],
      ['report.pdf', 'application/pdf'],
      ['report.pdf.txt', 'text/plain'],
      ['chart.png', 'image/png'],
    ],
  );
  assert.ok(decoded(derived[1]!.bytes).startsWith('%PDF-1.4'));
  assert.match(decoded(derived[2]!.bytes), /Revenue grew by 12 percent/);
  assert.deepEqual(Buffer.from(derived[3]!.bytes), TINY_PNG);
  assert.equal((output.metadata as { attachments: number }).attachments, 2);
});

test('attachmentText: false keeps the attachments but derives no text from them', async () => {
  const output = await email(
    multipartMessage({
      id: 'att-2',
      text: 'See attached.',
      attachments: [pdfAttachment('a.pdf', 'Some text')],
    }),
    { attachmentText: false },
  );
  assert.deepEqual(
    output.derived?.map((d) => d.name),
    ['Message.eml.txt', 'a.pdf'],
  );
});

test('an ISO-8859-1 quoted-printable body is decoded', async () => {
  const output = await email(
    legacyCharsetMessage({
      id: 'latin1',
      subject: 'Gr=?ISO-8859-1?Q?=FC=DFe?=',
      charset: 'iso-8859-1',
      encoding: 'quoted-printable',
      bytes: Buffer.from(LATIN1_TEXT, 'latin1'),
    }),
  );
  assert.equal(output.text, `Grüße\n\n${LATIN1_TEXT}`);
});

test('a windows-1252 base64 body is decoded, its own characters (€, curly quotes, dashes) included', async () => {
  const output = await email(
    legacyCharsetMessage({
      id: 'cp1252',
      subject: 'Prices',
      charset: 'windows-1252',
      encoding: 'base64',
      bytes: windows1252Bytes(WINDOWS_1252_TEXT),
    }),
  );
  assert.equal(output.text, `Prices\n\n${WINDOWS_1252_TEXT}`);
});

test('a quoted-printable ISO-8859-1 text part beside a base64 UTF-8 HTML part: the text part is the body', async () => {
  const output = await email(
    multipartMessage({
      id: 'mix',
      subject: 'Mixed',
      text: LATIN1_TEXT,
      latin1Text: true,
      html: `<p>${LATIN1_TEXT} (html)</p>`,
      attachments: [],
    }),
  );
  assert.equal(output.text, `Mixed\n\n${LATIN1_TEXT}`);
});

test('a reply relates to the message it answers and to each it references, as mid: URLs', async () => {
  const output = await email(
    plainMessage({
      id: 'reply-3',
      subject: 'Re: Plans',
      inReplyTo: 'reply-2',
      references: ['reply-1', 'reply-2'],
    }),
  );
  assert.deepEqual(output.relations, [
    { type: 'message-id', target: 'mid:reply-3@cim.test' },
    { type: 'in-reply-to', target: 'mid:reply-2@cim.test' },
    { type: 'references', target: 'mid:reply-1@cim.test' },
    { type: 'references', target: 'mid:reply-2@cim.test' },
  ]);
  const metadata = output.metadata as { inReplyTo: string[]; references: string[] };
  assert.deepEqual(metadata.inReplyTo, ['<reply-2@cim.test>']);
  assert.deepEqual(metadata.references, ['<reply-1@cim.test>', '<reply-2@cim.test>']);
});

test('midUrl drops the angle brackets and encodes what a URL path cannot hold', () => {
  assert.equal(midUrl('<a.b@example.org>'), 'mid:a.b@example.org');
  assert.equal(midUrl('<x/y z@host>'), 'mid:x%2Fy%20z@host');
});

test('a message with no body and no attachments gives no text and no derived unit', async () => {
  const output = await email(plainMessage({ id: 'empty', subject: '', body: '' }));
  assert.deepEqual(output.derived, []);
  assert.equal(output.text, '');
});
