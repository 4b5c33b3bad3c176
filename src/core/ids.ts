import { v7 as uuidv7, validate, version } from 'uuid';

/** A new UUIDv7: time-ordered, so ids sort by creation time. */
export function newId(): string {
  return uuidv7();
}

/** True when `value` is a syntactically valid UUID of version 7. */
export function isUuidV7(value: string): boolean {
  return validate(value) && version(value) === 7;
}
