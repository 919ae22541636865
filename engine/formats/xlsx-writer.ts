// A small XLSX writer (used by the generator): shared or inline strings, numbers, booleans, date / date-time /
// time cells styled through styles.xml, written as a deflated zip with zlib. Deterministic output (fixed zip
// timestamps) so the same seed gives the same bytes, hence the same content hash and strategy ids.
import { writeFile } from 'node:fs/promises';
import { crc32, deflateRawSync } from 'node:zlib';

export type WriteCell =
  | string | number | boolean | null
  | { readonly serial: number; readonly style: 'date' | 'datetime' | 'time' }
  | { readonly inline: string };

export interface WriteSheet {
  readonly name: string;
  readonly rows: Iterable<readonly WriteCell[]>;
}

export interface WriteXlsxOptions {
  /** write every string inline (<is>) instead of through sharedStrings.xml. */
  readonly inlineStrings?: boolean;
}

const STYLE = { date: 1, datetime: 2, time: 3 } as const;

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}

function colName(i: number): string {
  let s = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

function sheetXml(rows: Iterable<readonly WriteCell[]>, strings: Map<string, number> | null): Buffer {
  const parts: Buffer[] = [];
  let buf = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheetData>';
  let r = 0;
  const cols: string[] = [];
  for (const row of rows) {
    r++;
    buf += `<row r="${r}">`;
    for (let c = 0; c < row.length; c++) {
      const v = row[c];
      if (v === null || v === undefined) continue;
      const ref = (cols[c] ??= colName(c)) + r;
      if (typeof v === 'number') buf += `<c r="${ref}"><v>${v}</v></c>`;
      else if (typeof v === 'boolean') buf += `<c r="${ref}" t="b"><v>${v ? 1 : 0}</v></c>`;
      else if (typeof v === 'string') {
        if (strings === null) buf += `<c r="${ref}" t="inlineStr"><is><t xml:space="preserve">${esc(v)}</t></is></c>`;
        else {
          let id = strings.get(v);
          if (id === undefined) { id = strings.size; strings.set(v, id); }
          buf += `<c r="${ref}" t="s"><v>${id}</v></c>`;
        }
      } else if ('inline' in v) buf += `<c r="${ref}" t="inlineStr"><is><t>${esc(v.inline)}</t></is></c>`;
      else buf += `<c r="${ref}" s="${STYLE[v.style]}"><v>${v.serial}</v></c>`;
    }
    buf += '</row>';
    if (buf.length > 1 << 20) { parts.push(Buffer.from(buf)); buf = ''; }
  }
  buf += '</sheetData></worksheet>';
  parts.push(Buffer.from(buf));
  return Buffer.concat(parts);
}

const STYLES_XML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd\\ hh:mm:ss"/><numFmt numFmtId="165" formatCode="#,##0.00;[Red]\\-#,##0.00"/></numFmts><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="21" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>`;

export async function writeXlsx(path: string, sheets: readonly WriteSheet[], options: WriteXlsxOptions = {}): Promise<void> {
  const strings = options.inlineStrings ? null : new Map<string, number>();
  const files: [string, Buffer][] = [];
  sheets.forEach((s, i) => files.push([`xl/worksheets/sheet${i + 1}.xml`, sheetXml(s.rows, strings)]));
  const ns = 'http://schemas.openxmlformats.org';
  const rels = sheets.map((_, i) => `<Relationship Id="rId${i + 1}" Type="${ns}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`).join('');
  const n = sheets.length;
  const head: [string, string][] = [
    ['[Content_Types].xml', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="${ns}/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>${sheets.map((_, i) => `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`).join('')}<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>${strings ? '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>' : ''}</Types>`],
    ['_rels/.rels', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="${ns}/package/2006/relationships"><Relationship Id="rId1" Type="${ns}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`],
    ['xl/workbook.xml', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="${ns}/spreadsheetml/2006/main" xmlns:r="${ns}/officeDocument/2006/relationships"><workbookPr/><sheets>${sheets.map((s, i) => `<sheet name="${esc(s.name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('')}</sheets></workbook>`],
    ['xl/_rels/workbook.xml.rels', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="${ns}/package/2006/relationships">${rels}<Relationship Id="rId${n + 1}" Type="${ns}/officeDocument/2006/relationships/styles" Target="styles.xml"/>${strings ? `<Relationship Id="rId${n + 2}" Type="${ns}/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>` : ''}</Relationships>`],
    ['xl/styles.xml', STYLES_XML],
  ];
  const all: [string, Buffer][] = head.map(([name, text]) => [name, Buffer.from(text)]);
  all.push(...files);
  if (strings) {
    const sst: string[] = [`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="${ns}/spreadsheetml/2006/main" count="${strings.size}" uniqueCount="${strings.size}">`];
    for (const s of strings.keys()) sst.push(`<si><t xml:space="preserve">${esc(s)}</t></si>`);
    sst.push('</sst>');
    all.push(['xl/sharedStrings.xml', Buffer.from(sst.join(''))]);
  }
  await writeFile(path, zip(all));
}

/** A plain (non-zip64) deflate archive: local headers, data, central directory, end record. */
export function zip(entries: readonly [string, Buffer][]): Buffer {
  const out: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  const DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01
  for (const [name, data] of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const packed = deflateRawSync(data, { level: 6 });
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(0x0800, 6); local.writeUInt16LE(8, 8);
    local.writeUInt16LE(0, 10); local.writeUInt16LE(DOS_DATE, 12); local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18); local.writeUInt32LE(data.length, 22); local.writeUInt16LE(nameBytes.length, 26); local.writeUInt16LE(0, 28);
    out.push(local, nameBytes, packed);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0); cd.writeUInt16LE(20, 4); cd.writeUInt16LE(20, 6); cd.writeUInt16LE(0x0800, 8); cd.writeUInt16LE(8, 10);
    cd.writeUInt16LE(0, 12); cd.writeUInt16LE(DOS_DATE, 14); cd.writeUInt32LE(crc, 16); cd.writeUInt32LE(packed.length, 20);
    cd.writeUInt32LE(data.length, 24); cd.writeUInt16LE(nameBytes.length, 28); cd.writeUInt32LE(offset, 42);
    central.push(cd, nameBytes);
    offset += 30 + nameBytes.length + packed.length;
  }
  const cdSize = central.reduce((a, b) => a + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(entries.length, 8); end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cdSize, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...out, ...central, end]);
}
