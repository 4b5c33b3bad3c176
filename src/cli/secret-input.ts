import { createInterface } from 'node:readline';
import { InvalidInputError } from '../core/errors.js';

/** The first line of stdin (a password or token piped in), without its line end. */
async function firstLine(): Promise<string> {
  const lines = createInterface({ input: process.stdin, terminal: false });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return '';
}

/**
 * Asks for a secret: typed on a terminal without echo, else read from the first line of stdin
 * (`--password-stdin`, or a script piping it). Never a flag: flags show in `ps` and the history.
 */
export async function readSecret(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const value = await firstLine();
    if (value === '') throw new InvalidInputError(`${prompt} is empty: pipe it on stdin.`);
    return value;
  }
  process.stderr.write(`${prompt}: `);
  process.stdin.setRawMode(true);
  process.stdin.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = '';
      const onData = (chunk: Buffer) => {
        for (const char of chunk.toString('utf8')) {
          if (char === '\r' || char === '\n') {
            process.stdin.off('data', onData);
            process.stderr.write('\n');
            resolve(value);
            return;
          }
          if (char === '\u0003') {
            process.stdin.off('data', onData);
            reject(new InvalidInputError('Cancelled.'));
            return;
          }
          value = char === '\u007f' ? value.slice(0, -1) : value + char;
        }
      };
      process.stdin.on('data', onData);
    });
  } finally {
    process.stdin.setRawMode(false);
    process.stdin.pause();
  }
}

/**
 * Asks for several secrets in turn: on a terminal each without echo, else one line of stdin each
 * (read through one reader: a second reader would find the first one's buffered lines gone).
 */
export async function readSecrets(prompts: readonly string[]): Promise<string[]> {
  const values: string[] = [];
  if (process.stdin.isTTY) {
    for (const prompt of prompts) values.push(await readSecret(prompt));
    return values;
  }
  const lines = createInterface({ input: process.stdin, terminal: false });
  for await (const line of lines) {
    values.push(line);
    if (values.length === prompts.length) break;
  }
  lines.close();
  prompts.forEach((prompt, i) => {
    if (!values[i])
      throw new InvalidInputError(
        `${prompt} is empty: pipe one line for each of ${prompts.join(', ')} on stdin.`,
      );
  });
  return values;
}

/** Asks for a line that may be shown (a username) on a terminal. */
export async function readLine(prompt: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await new Promise<string>((resolve) => rl.question(`${prompt}: `, resolve));
  } finally {
    rl.close();
  }
}
