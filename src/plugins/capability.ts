import { InvalidInputError } from '../core/errors.js';

/** The kinds of thing a plugin (or a component) can provide. */
export const CAPABILITY_KINDS = ['processor', 'connector', 'classifier', 'view'] as const;

export type CapabilityKind = (typeof CAPABILITY_KINDS)[number];

/** A capability's written form, `<kind>:<name>`, e.g. `processor:extract-text`. */
export type CapabilityString = `${CapabilityKind}:${string}`;

/** A parsed capability. */
export interface Capability {
  readonly kind: CapabilityKind;
  readonly name: string;
}

/**
 * Lowercase letters, digits and dashes, not starting or ending with a dash. Names end up in NATS
 * subject tokens and URLs, so this keeps them safe in both; 64 characters is plenty for a name.
 */
const NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/** True when `name` is a valid capability name (the part after the colon). */
export function isCapabilityName(name: string): boolean {
  return NAME_PATTERN.test(name);
}

function isKind(text: string): text is CapabilityKind {
  return (CAPABILITY_KINDS as readonly string[]).includes(text);
}

/** True when `text` is a valid `<kind>:<name>`. */
export function isCapability(text: string): text is CapabilityString {
  const colon = text.indexOf(':');
  return colon >= 0 && isKind(text.slice(0, colon)) && isCapabilityName(text.slice(colon + 1));
}

/** Parses `<kind>:<name>`. Throws InvalidInputError naming the bad text and the expected form. */
export function parseCapability(text: string): Capability {
  const colon = text.indexOf(':');
  const kind = colon < 0 ? '' : text.slice(0, colon);
  const name = colon < 0 ? '' : text.slice(colon + 1);
  if (!isKind(kind) || !isCapabilityName(name)) {
    throw new InvalidInputError(
      `${JSON.stringify(text)} is not a capability: write <kind>:<name> with kind one of ${CAPABILITY_KINDS.join(', ')} and a name of lowercase letters, digits and dashes, like processor:extract-text.`,
    );
  }
  return { kind, name };
}

/** Writes a capability as `<kind>:<name>`, refusing a name `parseCapability` would refuse. */
export function formatCapability(capability: Capability): CapabilityString {
  const text: CapabilityString = `${capability.kind}:${capability.name}`;
  parseCapability(text);
  return text;
}
