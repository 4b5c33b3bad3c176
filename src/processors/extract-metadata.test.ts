import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractMetadata } from './extract-metadata.js';
import { minimalPdf } from '../testing/pdf-fixture.js';
import { runOn } from '../testing/processor-input.js';

const ENGLISH =
  'The committee met on Tuesday to review the budget for the coming year. Everyone agreed that the new library should open before the summer holidays.';
const GERMAN =
  'Der Ausschuss hat sich am Dienstag getroffen, um den Haushalt für das kommende Jahr zu prüfen. Alle waren sich einig, dass die neue Bibliothek vor den Sommerferien öffnen soll.';
const FRENCH =
  "Le comité s'est réuni mardi pour examiner le budget de l'année prochaine. Tout le monde était d'accord pour que la nouvelle bibliothèque ouvre avant les vacances d'été.";

test('Markdown: the title is the first heading, with language, word count and links', async () => {
  const markdown = `Intro line before any heading.\n\n# Budget review\n\n${ENGLISH}\n\nSee [minutes](https://example.org/minutes) and https://example.org/budget.\n`;
  const output = await runOn(extractMetadata, { mediaType: 'text/markdown', content: markdown });
  assert.equal(output.metadata?.title, 'Budget review');
  assert.equal(output.metadata?.language, 'eng');
  // The intro, the heading, the two sentences, and "See minutes and" with the URL's three parts.
  assert.equal(output.metadata?.wordCount, 5 + 2 + 25 + 6);
  assert.deepEqual(output.metadata?.links, [
    'https://example.org/minutes',
    'https://example.org/budget',
  ]);
});

test('HTML: the title is <title>, and German text is detected as deu', async () => {
  const html = `<html><head><title>Haushalt 2025</title><script>var x = "The English script";</script></head><body><h1>Sitzung</h1><p>${GERMAN}</p><a href="https://example.de/protokoll">Protokoll</a></body></html>`;
  const output = await runOn(extractMetadata, { mediaType: 'text/html', content: html });
  assert.equal(output.metadata?.title, 'Haushalt 2025');
  assert.equal(output.metadata?.language, 'deu');
  assert.deepEqual(output.metadata?.links, ['https://example.de/protokoll']);
});

test('plain text: the title is the first non-empty line, and French is detected as fra', async () => {
  const text = `\n\n   Compte rendu du comité  \n${FRENCH}\n`;
  const output = await runOn(extractMetadata, { mediaType: 'text/plain', content: text });
  assert.equal(output.metadata?.title, 'Compte rendu du comité');
  assert.equal(output.metadata?.language, 'fra');
  assert.deepEqual(output.metadata?.links, []);
});

test('word count follows Unicode word boundaries, and a long first line is cut to 200 characters', async () => {
  const long = 'word '.repeat(100).trim();
  const output = await runOn(extractMetadata, {
    mediaType: 'text/plain',
    content: `${long}\nsecond line — with "punctuation", numbers 3.5 and e-mail!`,
  });
  const title = output.metadata?.title as string;
  assert.equal([...title].length, 200);
  assert.ok(title.endsWith('…'));
  // 100 + second, line, with, punctuation, numbers, 3.5, and, e, mail.
  assert.equal(output.metadata?.wordCount, 109);
});

test('the text from an earlier step is used instead of the content', async () => {
  const output = await runOn(extractMetadata, {
    mediaType: 'text/plain',
    content: 'the raw bytes say something else entirely',
    text: `Extracted title\n${GERMAN}`,
  });
  assert.equal(output.metadata?.title, 'Extracted title');
  assert.equal(output.metadata?.language, 'deu');
  assert.equal(output.metadata?.wordCount, 2 + 16 + 13);
});

test('a PDF without extracted text is read here, and too little text has language und', async () => {
  const pdf = minimalPdf({ pages: [['Short note', 'ok']] });
  const output = await runOn(extractMetadata, { mediaType: 'application/pdf', content: pdf });
  assert.equal(output.metadata?.title, 'Short note');
  assert.equal(output.metadata?.language, 'und');
  assert.equal(output.metadata?.wordCount, 3);
});

test('a unit with no text has a null title, language und and no words', async () => {
  const output = await runOn(extractMetadata, { mediaType: 'text/plain', content: '  \n' });
  assert.deepEqual(output.metadata, { title: null, language: 'und', wordCount: 0, links: [] });
});
