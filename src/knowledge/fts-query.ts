/**
 * Turns what a person types into a safe FTS5 query: "quoted phrases" stay phrases, other words
 * become quoted terms (so `-`, `:` or `*` in them are literal), all joined with AND; a trailing `*`
 * on a word keeps its prefix meaning. Returns undefined when nothing searchable remains.
 */
export function toFtsQuery(input: string): string | undefined {
  const parts: string[] = [];
  const pattern = /"([^"]*)"|(\S+)/g;
  for (const match of input.matchAll(pattern)) {
    const phrase = match[1];
    const word = match[2];
    if (phrase !== undefined) {
      const cleaned = phrase.trim();
      if (cleaned) parts.push(`"${cleaned.replaceAll('"', '""')}"`);
    } else if (word !== undefined) {
      const prefix = word.endsWith('*') && word.length > 1;
      const core = (prefix ? word.slice(0, -1) : word).replaceAll('"', '');
      if (core) parts.push(`"${core}"${prefix ? '*' : ''}`);
    }
  }
  return parts.length > 0 ? parts.join(' AND ') : undefined;
}
