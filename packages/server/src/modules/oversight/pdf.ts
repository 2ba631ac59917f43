import { existsSync } from 'node:fs';
import type { Case } from '@citywatch/core/oversight/cases';
import { CHECKLISTS } from '@citywatch/core/oversight/checklists';
import { INDUSTRY_NAMES } from '@citywatch/core/oversight/schemas';
import PDFDocument from 'pdfkit';
import { ProblemError } from '../../http/problem.js';

/** Where a CJK font may live (Debian/Ubuntu fonts-noto-cjk, Fedora, Arch); CITYWATCH_CJK_FONT first. */
const FONT_CANDIDATES: { path: string; family?: string }[] = [
  { path: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', family: 'NotoSansCJKsc-Regular' },
  { path: '/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc', family: 'NotoSansCJKsc-Regular' },
  { path: '/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc', family: 'NotoSansCJKsc-Regular' },
  { path: '/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc', family: 'NotoSerifCJKsc-Regular' },
];

/** The CJK font the documents are set in, or a clear error naming what to install. */
export function findCjkFont(env: NodeJS.ProcessEnv = process.env): { path: string; family?: string } {
  const fromEnv = env.CITYWATCH_CJK_FONT;
  if (fromEnv) {
    if (existsSync(fromEnv))
      return { path: fromEnv, family: env.CITYWATCH_CJK_FONT_FAMILY ?? simplifiedChineseFace(fromEnv) };
    throw missingFont(`CITYWATCH_CJK_FONT=${fromEnv} does not exist`);
  }
  const found = FONT_CANDIDATES.find((c) => existsSync(c.path));
  if (!found) throw missingFont(`none of ${FONT_CANDIDATES.map((c) => c.path).join(', ')}`);
  return found;
}

/**
 * A Noto CJK collection (.ttc) holds the Japanese, Simplified and Traditional Chinese and Korean
 * faces, Japanese first: without a face named, pdfkit takes the first and Chinese text is set with
 * Japanese glyph shapes (e.g. 骨, 直). Its Simplified Chinese face, by PostScript name.
 */
export function simplifiedChineseFace(path: string): string | undefined {
  const m = /(Noto(?:Sans|Serif)CJK)-(\w+)\.ttc$/.exec(path);
  return m ? `${m[1]}sc-${m[2]}` : undefined;
}

function missingFont(why: string): ProblemError {
  return new ProblemError(
    'unavailable',
    {
      zh: `无法生成文书：服务器缺少中文字体（${why}）。请安装 fonts-noto-cjk 或设置 CITYWATCH_CJK_FONT。`,
      en: `Cannot generate the document: no CJK font on the server (${why}). Install fonts-noto-cjk or set CITYWATCH_CJK_FONT.`,
    },
    [{ field: 'font', rule: 'cjk_font_missing', message: '' }],
  );
}

export interface Bureau {
  /** The city bureau (root org), e.g. 深圳市公安局. */
  bureau: string;
  /** The station whose case it is, e.g. 龙城派出所. */
  station: string;
}

const TITLES = { notice: '提示整改通知书', order: '责令限期整改通知书' } as const;

/**
 * The notice (提示整改通知书) or rectification order (责令限期整改通知书) in the standard layout:
 * issuing authority and title, document number, addressee, the facts found, the requirement and
 * deadline, the right of reply, the issuing station and date, and the receipt line.
 */
export function caseDocument(c: Case, who: Bureau, issuedOn: string): Promise<Buffer> {
  const font = findCjkFont();
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: 72, bottom: 72, left: 80, right: 80 },
    info: { Title: `${TITLES[c.kind]} ${c.number}`, Author: who.station, Subject: c.unitName },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (b: Buffer) => chunks.push(b));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('cjk', font.path, font.family);
  doc.font('cjk');
  const width = doc.page.width - 160;
  doc.fontSize(20).text(who.bureau, { align: 'center', width });
  doc.moveDown(0.3).fontSize(22).text(TITLES[c.kind], { align: 'center', width, characterSpacing: 2 });
  doc.moveDown(0.5).fontSize(12).text(`编号：${c.number}`, { align: 'right', width });
  doc.moveDown(1).fontSize(14).text(`${c.unitName}（${INDUSTRY_NAMES[c.industry]}）：`);
  const item = c.item ? CHECKLISTS[c.industry].find((i) => i.id === c.item)?.text : undefined;
  const found = `${c.createdAt.slice(0, 10)}，我所民警对你单位进行${
    c.source === 'compliance' ? '内保达标' : '治安'
  }检查，发现存在以下问题：`;
  doc.moveDown(0.5).fontSize(13).text(found, { indent: 26, lineGap: 6 });
  doc.moveDown(0.3).text(`${item ? `【${item}】` : ''}${c.description}`, { indent: 26, lineGap: 6 });
  const demand =
    c.kind === 'order'
      ? `根据有关法律法规的规定，责令你单位于 ${c.deadline} 前整改完毕，并将整改情况及佐证材料报我所。逾期不整改的，将依法予以处理。`
      : `请你单位于 ${c.deadline} 前整改完毕，并将整改情况报我所。`;
  doc.moveDown(0.5).text(demand, { indent: 26, lineGap: 6 });
  doc
    .moveDown(0.5)
    .text('如对本通知有异议，可在收到本通知之日起三日内向我所提出。', { indent: 26, lineGap: 6 });
  doc.moveDown(3).text(who.station, { align: 'right', width });
  doc.moveDown(0.3).text(issuedOn, { align: 'right', width });
  doc.moveDown(0.3).fontSize(10).text('（印章）', { align: 'right', width });
  doc.moveDown(3).fontSize(12).text('被检查单位签收：________________    日期：____________');
  doc
    .moveDown(0.5)
    .fontSize(9)
    .text('本通知书一式两份，一份交被检查单位，一份存档。', { align: 'center', width });
  doc.end();
  return done;
}
