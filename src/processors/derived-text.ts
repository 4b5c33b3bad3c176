import type { DerivedContent, ProcessorUnit } from '../plugins/plugin-api.js';

const encoder = new TextEncoder();

/** The name derived units are named after: the unit's name, or its content CID if it has none. */
export function baseNameOf(unit: ProcessorUnit): string {
  return unit.name.trim() === '' ? unit.contentCid : unit.name;
}

/** A derived plain-text unit holding `text` as UTF-8. */
export function textUnit(name: string, text: string): DerivedContent {
  return { name, mediaType: 'text/plain', bytes: encoder.encode(text) };
}
