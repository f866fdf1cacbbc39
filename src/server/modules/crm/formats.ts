// Spreadsheet formats for imports and exports: CSV (csv-parse; written by platform/csv.ts) and XLSX (exceljs),
// read into a header row plus string rows, and written from the same shape.
import { parse } from 'csv-parse/sync';
import type ExcelJS from 'exceljs';
import { csvDocument, restoreDefused } from '#server/platform/csv.ts';
import { ValidationError } from '#server/platform/errors.ts';

export type TableFormat = 'csv' | 'xlsx';
export type FileFormat = TableFormat | 'vcf';

export interface Table {
  headers: string[];
  rows: string[][];
}

export function formatOf(fileName: string): FileFormat {
  const ext = fileName.toLowerCase().split('.').pop();
  if (ext === 'csv' || ext === 'txt') return 'csv';
  if (ext === 'xlsx') return 'xlsx';
  if (ext === 'vcf' || ext === 'vcard') return 'vcf';
  throw new ValidationError([{ field: 'file', message: 'must be a .csv, .xlsx or .vcf file' }]);
}

export function readCsv(content: Buffer): Table {
  let records: string[][];
  try {
    // Delimiter sniffed from the header line: Excel in many locales writes semicolons.
    const firstLine = content.subarray(0, 4096).toString('utf8').split(/\r?\n/)[0] ?? '';
    const delimiter = (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : ',';
    records = parse(content, {
      bom: true,
      delimiter,
      relax_column_count: true,
      skip_empty_lines: true,
      relax_quotes: true,
    }) as string[][];
  } catch (err) {
    throw new ValidationError([{ field: 'file', message: `is not a readable CSV file: ${(err as Error).message}` }]);
  }
  const [headers = [], ...rows] = records;
  // Our own exports defuse formulas with an apostrophe; read back, the value is what went out.
  return { headers: headers.map((h) => h.trim()), rows: rows.map((r) => r.map(restoreDefused)) };
}

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date)
    return value.toISOString().slice(0, value.getUTCHours() || value.getUTCMinutes() ? 19 : 10);
  if (typeof value === 'object') {
    if ('text' in value && typeof value.text === 'string') return value.text;
    if ('result' in value) return cellText(value.result as ExcelJS.CellValue);
    if ('richText' in value) return value.richText.map((r) => r.text).join('');
    if ('hyperlink' in value) return String(value.hyperlink);
    return '';
  }
  return String(value);
}

// exceljs costs ~30 MB of memory once loaded: loaded on the first spreadsheet instead of at start.
const excel = async () => (await import('exceljs')).default;

export async function readXlsx(content: Buffer): Promise<Table> {
  const workbook = new (await excel()).Workbook();
  try {
    await workbook.xlsx.load(content as unknown as ArrayBuffer);
  } catch {
    throw new ValidationError([{ field: 'file', message: 'is not a readable .xlsx workbook' }]);
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) return { headers: [], rows: [] };
  const all: string[][] = [];
  sheet.eachRow({ includeEmpty: false }, (row) => {
    const values = row.values as ExcelJS.CellValue[];
    all.push(values.slice(1).map(cellText));
  });
  const [headers = [], ...rows] = all;
  return { headers: headers.map((h) => h.trim()), rows: rows.filter((r) => r.some((c) => c.trim() !== '')) };
}

export async function readTable(format: TableFormat, content: Buffer): Promise<Table> {
  return format === 'csv' ? readCsv(content) : readXlsx(content);
}

export function writeCsv(table: Table): Buffer {
  // A BOM so Excel opens UTF-8 correctly; cells defused as in every CSV Albedo writes.
  return Buffer.from(csvDocument([table.headers, ...table.rows], { bom: true }));
}

export async function writeXlsx(table: Table, sheetName: string): Promise<Buffer> {
  const workbook = new (await excel()).Workbook();
  const sheet = workbook.addWorksheet(sheetName);
  sheet.addRow(table.headers).font = { bold: true };
  for (const row of table.rows) sheet.addRow(row);
  sheet.views = [{ state: 'frozen', ySplit: 1 }];
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
