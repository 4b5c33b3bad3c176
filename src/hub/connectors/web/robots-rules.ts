import robotsParserModule from 'robots-parser';
import { FetchError } from '../http/fetch-error.js';
import type { HttpFetcher } from '../http/http-fetcher.js';
import { CIM_ROBOTS_AGENT } from '../http/user-agent.js';

interface HostRules {
  allowed(url: string): boolean;
  readonly sitemaps: readonly string[];
}

// robots-parser is CommonJS whose types declare an ES default export: at run time the
// default import is the function itself.
const robotsParser = robotsParserModule as unknown as typeof robotsParserModule.default;

const ALLOW_ALL: HostRules = { allowed: () => true, sitemaps: [] };
const DISALLOW_ALL: HostRules = { allowed: () => false, sitemaps: [] };

/**
 * The robots.txt rules of every host one crawl touches, each fetched once (per crawl, so a
 * change of the rules is seen on the next poll). A missing robots.txt (4xx) allows everything;
 * one that cannot be read (5xx, unreachable) allows nothing, as Google's crawler treats it:
 * a path is never requested unless the site's rules allow it. A Crawl-delay slows the host's
 * rate, cut to `maxCrawlDelayMs`.
 */
export class RobotsRules {
  private readonly hosts = new Map<string, Promise<HostRules>>();

  constructor(
    private readonly fetcher: HttpFetcher,
    private readonly maxCrawlDelayMs: number,
  ) {}

  /** Whether `url` may be requested. */
  async allows(url: URL): Promise<boolean> {
    return (await this.rulesOf(url)).allowed(url.href);
  }

  /** The sitemaps the robots.txt of `url`'s origin lists. */
  async sitemaps(url: URL): Promise<readonly string[]> {
    return (await this.rulesOf(url)).sitemaps;
  }

  private rulesOf(url: URL): Promise<HostRules> {
    let rules = this.hosts.get(url.origin);
    if (rules === undefined) {
      rules = this.load(url);
      this.hosts.set(url.origin, rules);
    }
    return rules;
  }

  private async load(url: URL): Promise<HostRules> {
    const robotsUrl = `${url.origin}/robots.txt`;
    let answer;
    try {
      answer = await this.fetcher.get(robotsUrl, { acceptErrors: true, accept: 'text/plain' });
    } catch (err) {
      if (err instanceof FetchError) return DISALLOW_ALL;
      throw err;
    }
    if (answer.kind === 'not-modified') return ALLOW_ALL;
    if (answer.status >= 500) return DISALLOW_ALL;
    if (answer.status >= 400) return ALLOW_ALL;
    const robots = robotsParser(robotsUrl, answer.bytes.toString('utf8'));
    const delay = robots.getCrawlDelay(CIM_ROBOTS_AGENT);
    if (delay !== undefined && delay > 0) {
      this.fetcher.rate.slowDown(url.host, Math.min(delay * 1000, this.maxCrawlDelayMs));
    }
    return {
      // robots-parser answers undefined for a URL of another origin: not ours to allow.
      allowed: (href) => robots.isAllowed(href, CIM_ROBOTS_AGENT) === true,
      sitemaps: robots.getSitemaps(),
    };
  }
}
