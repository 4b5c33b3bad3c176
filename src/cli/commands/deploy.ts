import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InvalidInputError } from '../../core/errors.js';
import { parseInventory } from '../../deploy/inventory.js';
import { renderHosts } from '../../deploy/render-hosts.js';
import { printJson } from '../output.js';

/**
 * `cim deploy render --inventory FILE [--out DIR]`: per-host NixOS configuration from an
 * inventory (YAML or JSON). Everything is checked and rendered before the first file is
 * written; each file is written whole (temporary file, then rename).
 */
export async function render(options: {
  inventory: string;
  out: string;
  json?: boolean;
}): Promise<void> {
  let text: string;
  try {
    text = readFileSync(options.inventory, 'utf8');
  } catch (err) {
    throw new InvalidInputError(
      `The inventory ${options.inventory} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}): check the path.`,
      { cause: err },
    );
  }
  let input: unknown;
  try {
    input = parseYaml(text);
  } catch (err) {
    throw new InvalidInputError(
      `The inventory ${options.inventory} is not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}.`,
      { cause: err },
    );
  }
  const files = renderHosts(parseInventory(input), basename(options.inventory));
  const out = resolve(options.out);
  mkdirSync(out, { recursive: true });
  for (const file of files) {
    const target = join(out, file.path);
    writeFileSync(`${target}.tmp`, file.content);
    renameSync(`${target}.tmp`, target);
  }
  if (options.json) return printJson({ out, files: files.map((f) => join(out, f.path)) });
  process.stdout.write(`Rendered ${files.length} files into ${out}:\n`);
  for (const file of files) process.stdout.write(`  ${file.path}\n`);
}
