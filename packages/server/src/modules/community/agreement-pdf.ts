import { CASE_CATEGORY_LABELS, type MediationCaseDetail } from '@citywatch/core/community/mediation';
import PDFDocument from 'pdfkit';
import { findCjkFont } from '../oversight/pdf.js';

const ROLE = { applicant: '申请人', respondent: '被申请人', other: '其他当事人' } as const;

type Agreement = NonNullable<MediationCaseDetail['agreement']>;

/** A date as the city reads it (Asia/Shanghai, UTC+8 all year): 2026年3月1日. */
const localDate = (d: Date) => {
  const local = new Date(d.getTime() + 8 * 3_600_000);
  return `${local.getUTCFullYear()}年${local.getUTCMonth() + 1}月${local.getUTCDate()}日`;
};

/**
 * What stands for a party on the agreement: the name and phone, or, once the retention purge has
 * blanked them, a plain statement that they were cleared and when (never an empty field).
 */
export function partyLine(p: {
  role: keyof typeof ROLE;
  name: string | null;
  phone: string | null;
  purgedAt: Date | null;
}): string {
  if (p.purgedAt) return `${ROLE[p.role]}：当事人信息已按保存期限清除（${localDate(p.purgedAt)}清除）`;
  const name = p.name?.trim() ? p.name : '（未记录姓名）';
  return `${ROLE[p.role]}：${name}${p.phone ? `　联系电话：${p.phone}` : ''}`;
}

/**
 * 人民调解协议书 in the usual layout: the committee, the case number, each party, the facts and
 * what is disputed, the agreed responsibilities, how and by when it is performed, the signature
 * lines of the parties and the mediator, and the date. Set in the server's CJK font (a clear
 * 503 naming what to install when it has none).
 */
export function agreementPdf(
  c: MediationCaseDetail & { agreement: Agreement },
  parties: { role: keyof typeof ROLE; name: string | null; phone: string | null; purgedAt: Date | null }[],
  bureau: string,
  station: string,
): Promise<Buffer> {
  const font = findCjkFont();
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: 72, bottom: 72, left: 80, right: 80 },
    info: { Title: `人民调解协议书 ${c.number}`, Author: station },
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
  const section = (title: string, body: string) => {
    doc.moveDown(0.6).fontSize(14).text(title);
    doc.moveDown(0.2).fontSize(12).text(body, { indent: 24, lineGap: 5 });
  };
  doc.fontSize(14).text(`${bureau} ${station}`, { align: 'center', width });
  doc.moveDown(0.3).fontSize(22).text('人民调解协议书', { align: 'center', width, characterSpacing: 2 });
  doc
    .moveDown(0.5)
    .fontSize(11)
    .text(`编号：${c.number}　　纠纷类型：${CASE_CATEGORY_LABELS[c.category].zh}`, { align: 'right', width });
  doc.moveDown(0.8).fontSize(13).text('当事人');
  for (const p of parties) {
    doc.fontSize(12).text(partyLine(p), {
      indent: 24,
      lineGap: 4,
    });
  }
  section('一、纠纷主要事实及争议事项', c.agreement.facts);
  section('二、经调解，各方自愿达成协议，责任如下', c.agreement.responsibilities);
  section('三、履行方式', c.agreement.performance);
  section(
    '四、履行期限',
    `${c.agreement.performBy.slice(0, 4)}年${Number(c.agreement.performBy.slice(5, 7))}月${Number(c.agreement.performBy.slice(8, 10))}日前履行完毕。`,
  );
  doc
    .moveDown(0.6)
    .fontSize(11)
    .text(
      '本协议经各方当事人签名、人民调解员签名并加盖调解委员会印章后生效。本协议一式三份，当事人各执一份，调解委员会留存一份。',
      {
        lineGap: 4,
      },
    );
  doc.moveDown(1.5).fontSize(12);
  for (const p of parties) doc.text(`${ROLE[p.role]}（签名）：________________`, { lineGap: 10 });
  doc.text(`人民调解员（签名）：${c.mediator?.name ?? '________________'}`, { lineGap: 10 });
  doc
    .moveDown(1)
    .text(`${station}人民调解委员会（印章）`, { align: 'right', width })
    .text(localDate(new Date(c.agreement.signedAt)), { align: 'right', width });
  doc.end();
  return done;
}
