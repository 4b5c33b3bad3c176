/** A URL pattern of `include`/`exclude`: a glob when it holds `*`, else a prefix. */
function matcher(pattern: string): (url: string) => boolean {
  if (!pattern.includes('*')) return (url) => url.startsWith(pattern);
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const regex = new RegExp(`^${source}$`);
  return (url) => regex.test(url);
}

/** Which URLs a crawl may follow: its origin (when kept to it), `include` and `exclude`. */
export class UrlScope {
  private readonly origin: string | undefined;
  private readonly include: ((url: string) => boolean)[];
  private readonly exclude: ((url: string) => boolean)[];

  constructor(
    start: string,
    options: { sameOrigin: boolean; include: string[]; exclude: string[] },
  ) {
    this.origin = options.sameOrigin ? new URL(start).origin : undefined;
    this.include = options.include.map(matcher);
    this.exclude = options.exclude.map(matcher);
  }

  /** Whether `url` may be followed. */
  allows(url: URL): boolean {
    if (this.origin !== undefined && url.origin !== this.origin) return false;
    const href = url.href;
    if (this.include.length > 0 && !this.include.some((m) => m(href))) return false;
    return !this.exclude.some((m) => m(href));
  }
}
