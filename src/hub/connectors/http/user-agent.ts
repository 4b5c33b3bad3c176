/**
 * The User-Agent of every request the hub's web and feed connectors make: it names CIM so a
 * site's operator can tell who fetches and match it in robots.txt (`User-agent: CIM`).
 */
export const CIM_USER_AGENT = 'CIM-Hub/1.0 (Collective Information Manager; +connector)';

/** The product token robots.txt rules are matched against. */
export const CIM_ROBOTS_AGENT = 'CIM';
