import { inflateSync } from 'node:zlib';

/**
 * The text of a PDF pdfkit wrote, for tests where poppler's pdftotext is absent: Flate streams
 * inflated, the ToUnicode CMaps of the embedded (subset) fonts read, and the hex glyph strings of
 * the content streams' TJ/Tj operators mapped back to Unicode. Only what pdfkit writes is handled.
 */
export function pdfText(pdf: Buffer): string {
  const streams: string[] = [];
  const raw = pdf.toString('latin1');
  const re = /stream\r?\n/g;
  for (let m = re.exec(raw); m; m = re.exec(raw)) {
    const start = m.index + m[0].length;
    const end = raw.indexOf('endstream', start);
    if (end < 0) break;
    const bytes = pdf.subarray(start, end);
    try {
      streams.push(inflateSync(bytes).toString('latin1'));
    } catch {
      streams.push(bytes.toString('latin1'));
    }
    re.lastIndex = end + 'endstream'.length;
  }
  const map = new Map<number, string>();
  const hex = (h: string) => Number.parseInt(h, 16);
  const utf16 = (h: string) => {
    const codes: number[] = [];
    for (let i = 0; i < h.length; i += 4) codes.push(hex(h.slice(i, i + 4)));
    return String.fromCharCode(...codes);
  };
  for (const s of streams.filter((x) => x.includes('begincmap'))) {
    for (const block of s.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
      for (const line of block[1].matchAll(
        /<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(\[[^\]]*\]|<[0-9a-fA-F]+>)/g,
      )) {
        const lo = hex(line[1]);
        const hi = hex(line[2]);
        if (line[3].startsWith('[')) {
          const dsts = [...line[3].matchAll(/<([0-9a-fA-F]+)>/g)].map((d) => utf16(d[1]));
          for (let c = lo; c <= hi; c++) if (dsts[c - lo] !== undefined) map.set(c, dsts[c - lo]);
        } else {
          const base = hex(line[3].slice(1, -1));
          for (let c = lo; c <= hi; c++) map.set(c, String.fromCharCode(base + c - lo));
        }
      }
    }
    for (const block of s.matchAll(/beginbfchar([\s\S]*?)endbfchar/g))
      for (const pair of block[1].matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>/g))
        map.set(hex(pair[1]), utf16(pair[2]));
  }
  const lines: string[] = [];
  for (const s of streams.filter((x) => /\bBT\b/.test(x))) {
    for (const op of s.matchAll(/(\[[^\]]*\]|<[0-9a-fA-F]*>)\s*T[Jj]/g)) {
      let line = '';
      for (const h of op[1].matchAll(/<([0-9a-fA-F]*)>/g))
        for (let i = 0; i < h[1].length; i += 4) line += map.get(hex(h[1].slice(i, i + 4))) ?? '';
      lines.push(line);
    }
  }
  return lines.join('\n');
}
