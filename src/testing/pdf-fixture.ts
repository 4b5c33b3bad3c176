/** What to put in a test PDF: the lines of text on each page, and an optional document title. */
export interface PdfFixture {
  readonly pages: readonly (readonly string[])[];
  readonly title?: string;
}

/** A PDF literal string: backslashes and parentheses are escaped, nothing else needs to be. */
function pdfString(text: string): string {
  if (!/^[\x20-\x7e]*$/.test(text)) throw new Error('Test PDFs hold printable ASCII text only.');
  return `(${text.replace(/[\\()]/g, '\\$&')})`;
}

/**
 * A minimal valid PDF 1.4 written byte by byte, for tests: a catalog, a page tree, one page per
 * entry of `pages` drawing its lines in the standard Helvetica Type1 font, and a cross-reference
 * table whose offsets are those of the objects as written. Nothing is compressed, so the file is
 * readable in a text editor; every reader, PDF.js included, accepts it without repair.
 */
export function minimalPdf(fixture: PdfFixture): Uint8Array {
  const pageCount = fixture.pages.length;
  // Objects: 1 catalog, 2 page tree, 3 font, 4 info, then a page and its content stream per page.
  const pageId = (index: number): number => 5 + index * 2;
  const objects: string[] = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${fixture.pages.map((_, i) => `${pageId(i)} 0 R`).join(' ')}] /Count ${pageCount} >>`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    fixture.title === undefined ? '<< >>' : `<< /Title ${pdfString(fixture.title)} >>`,
  ];
  fixture.pages.forEach((lines, index) => {
    const drawn = lines.map(
      (line, n) => `${n === 0 ? '72 720 Td' : '0 -16 Td'} ${pdfString(line)} Tj`,
    );
    const stream = ['BT', '/F1 12 Tf', ...drawn, 'ET'].join('\n');
    objects.push(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${pageId(index) + 1} 0 R >>`,
      `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    );
  });

  // The header's second line holds bytes above 127, which tells tools the file is binary.
  let body = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(body.length);
    body += `${index + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xrefOffset = body.length;
  // Each cross-reference entry is exactly 20 bytes: 10-digit offset, 5-digit generation, type, EOL.
  const entries = offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`);
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${entries.join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info 4 0 R >>\nstartxref\n${xrefOffset}\n%%EOF\n`;
  // Latin-1, one byte per character, so the string offsets above are byte offsets.
  return Uint8Array.from(body, (char) => char.charCodeAt(0));
}
