/** A Markdown table with padded columns; `align` per column ('l' or 'r', default right). */
export function markdownTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly ('l' | 'r')[] = [],
): string {
  const widths = headers.map((header, column) =>
    Math.max(3, header.length, ...rows.map((row) => row[column].length)),
  );
  const cell = (text: string, column: number): string =>
    (align[column] ?? 'r') === 'l' ? text.padEnd(widths[column]) : text.padStart(widths[column]);
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((text, column) => cell(text, column)).join(' | ')} |`;
  const rule = widths.map((width, column) =>
    (align[column] ?? 'r') === 'l' ? '-'.repeat(width) : `${'-'.repeat(width - 1)}:`,
  );
  return [line(headers), line(rule), ...rows.map(line)].join('\n');
}
