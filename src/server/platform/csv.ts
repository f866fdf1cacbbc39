// CSV as Albedo writes it, for every export (records, audit log): one cell rule, so no export can
// hand a spreadsheet a formula. A cell starting with = + - @ tab or CR is read by Excel, LibreOffice
// and Sheets as a formula (CSV injection); a leading apostrophe makes it text, as OWASP advises.

const FORMULA_START = /^[=+\-@\t\r]/;

/** The value as a spreadsheet will show it, never run it. */
export function defuseFormula(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** Undoes defuseFormula on import, so an export read back gives the values that went out. */
export function restoreDefused(value: string): string {
  return value.length > 1 && value[0] === "'" && FORMULA_START.test(value.slice(1)) ? value.slice(1) : value;
}

/** One CSV cell: defused, then quoted when it holds a quote, a comma, a semicolon or a line break. */
export function csvCell(value: string): string {
  const safe = defuseFormula(value);
  return /[",;\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** Rows as a CSV document (CRLF line ends, RFC 4180), with a BOM when Excel should read it as UTF-8. */
export function csvDocument(rows: readonly (readonly string[])[], options: { bom?: boolean } = {}): string {
  const body = rows.map((r) => r.map(csvCell).join(',')).join('\r\n');
  return `${options.bom ? '\uFEFF' : ''}${body}\r\n`;
}
