/**
 * The shapes of names in pipeline definitions, shared by the schema and the step key so a name
 * accepted in one place is never refused in the other.
 */

/**
 * Pipeline names, step ids and processor names: lowercase letters, digits and dashes, 1–64
 * characters, not starting with a dash. They become subject tokens and KV keys, so no dots.
 */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** Event types: PascalCase, as in `UnitIngested`. */
export const EVENT_TYPE_PATTERN = /^[A-Z][A-Za-z0-9]{0,127}$/;
