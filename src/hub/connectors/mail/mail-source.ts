/**
 * A path segment of an IMAP URI: percent-encoded except for the characters RFC 3986 allows in
 * a segment and people expect to read (`@`, `:`, `$`, `&`, `+`, `,`, `=`); `;` stays encoded,
 * as it starts the `;UIDVALIDITY=` form.
 */
function segment(text: string): string {
  return encodeURIComponent(text).replace(/%(40|3A|24|26|2B|2C|3D)/gi, (escape) =>
    decodeURIComponent(escape),
  );
}

/** A mailbox name as a path: each level a segment, the levels joined by `/`. */
function mailboxPath(mailbox: string, delimiter: string): string {
  return mailbox
    .split(delimiter === '' ? /(?!)/ : delimiter)
    .map(segment)
    .join('/');
}

/** What names a message at its source. */
export interface MessageAddress {
  readonly username: string;
  readonly host: string;
  readonly mailbox: string;
  /** The mailbox hierarchy's delimiter (`/` or `.`), so nested mailboxes read as paths. */
  readonly delimiter: string;
  /** The Message-ID header without its angle brackets, when the message has one. */
  readonly messageId: string | undefined;
  readonly uidValidity: number;
  readonly uid: number;
}

/**
 * The source URI of a message: `imap://<user>@<host>/<mailbox>/<Message-ID>`, which stays the
 * same when the mailbox's UIDVALIDITY changes or the message moves to a new UID, so re-reading
 * the mailbox finds the documents it made before. A message without a Message-ID has only its
 * UID to name it: `imap://<user>@<host>/<mailbox>;UIDVALIDITY=<v>;UID=<u>` (RFC 5092's form).
 */
export function messageSource(address: MessageAddress): string {
  // The user is userinfo, where `@` and `:` would end it: both stay encoded.
  const base = `imap://${encodeURIComponent(address.username)}@${address.host.toLowerCase()}/${mailboxPath(address.mailbox, address.delimiter)}`;
  const id = address.messageId?.trim().replace(/^<|>$/g, '').trim();
  if (id !== undefined && id !== '') return `${base}/${segment(id)}`;
  return `${base};UIDVALIDITY=${address.uidValidity};UID=${address.uid}`;
}

/** Longest file name made from a subject, before `.eml`. */
const MAX_NAME_CHARS = 120;

/** The file name of a message's `.eml`: its subject made safe for a file name. */
export function messageName(subject: string | undefined): string {
  const safe = (subject ?? '')
    .replace(/[\p{Cc}\p{Cf}/\\:*?"<>|]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '');
  const base = [...safe].slice(0, MAX_NAME_CHARS).join('').trim();
  return `${base === '' ? 'message' : base}.eml`;
}
