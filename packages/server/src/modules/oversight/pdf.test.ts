import { existsSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import { describe, expect, it } from 'vitest';
import { ProblemError } from '../../http/problem.js';
import { findCjkFont, simplifiedChineseFace } from './pdf.js';

/** The faces a PDF set with the font embeds (its /BaseFont names). */
async function embeddedFaces(font: { path: string; family?: string }): Promise<string[]> {
  const doc = new PDFDocument({ compress: false });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve) => doc.on('end', resolve));
  doc.registerFont('cjk', font.path, font.family);
  doc.font('cjk').text('责令整改通知书 骨 直');
  doc.end();
  await done;
  const text = Buffer.concat(chunks).toString('latin1');
  return [...new Set([...text.matchAll(/\/BaseFont \/[A-Z]{6}\+([\w-]+)/g)].map((m) => m[1] as string))];
}

describe('the CJK font of the oversight documents', () => {
  it('is found where fonts-noto-cjk puts it, or named by CITYWATCH_CJK_FONT', () => {
    expect(findCjkFont({}).path).toMatch(/CJK/);
  });

  it('sets Chinese in the Simplified Chinese face of the collection, not its first (Japanese) one', async () => {
    expect(simplifiedChineseFace('/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc')).toBe(
      'NotoSansCJKsc-Regular',
    );
    expect(simplifiedChineseFace('/x/NotoSerifCJK-Bold.ttc')).toBe('NotoSerifCJKsc-Bold');
    expect(simplifiedChineseFace('/x/SourceHanSans.otf')).toBeUndefined();
    const found = findCjkFont({});
    if (found.path.endsWith('.ttc')) expect(await embeddedFaces(found)).toEqual([found.family]);
    const ttc = '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc';
    if (existsSync(ttc)) {
      expect(await embeddedFaces(findCjkFont({ CITYWATCH_CJK_FONT: ttc }))).toEqual([
        'NotoSansCJKsc-Regular',
      ]);
    }
  });

  it('fails with a clear error naming the rule when the configured font is absent', () => {
    let error: unknown;
    try {
      findCjkFont({ CITYWATCH_CJK_FONT: '/nonexistent/font.ttc' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProblemError);
    const problem = error as ProblemError;
    expect(problem.status).toBe(503);
    expect(problem.errors?.[0]).toMatchObject({ field: 'font', rule: 'cjk_font_missing' });
    expect(problem.detail?.zh).toContain('fonts-noto-cjk');
    expect(problem.message).toContain('/nonexistent/font.ttc');
  });
});
