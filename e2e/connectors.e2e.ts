import { describe, expect, it } from 'vitest';
import { signInThroughPage } from './browser';
import { setupE2E, shot } from './fixture';

// Inside 龙城派出所's jurisdiction on the bundled Longgang extract.
const SPOT = { lon: 114.1955, lat: 22.6955 };

const e2e = setupE2E({ demo: true, serverTimeoutMs: 240_000 });

/** An export as a 110 system writes it: Chinese headers, date and time of day in two columns. */
function exportCsv(): string {
  const rows = ['编号,日期,时刻,类别,经度,纬度'];
  for (let k = 1; k <= 12; k++)
    rows.push(
      `E2E${String(k).padStart(3, '0')},2026/11/${String(k + 1).padStart(2, '0')},0${k % 10}:15,盗窃,${(SPOT.lon + k * 0.0003).toFixed(6)},${(SPOT.lat + k * 0.0002).toFixed(6)}`,
    );
  rows.push('E2E900,昨天,10:00,盗窃,114.1955,22.6955'); // time not understood
  rows.push('E2E001,2026/11/20,10:00,盗窃,114.1955,22.6955'); // the same id again
  return rows.join('\r\n');
}

describe('数据融合: connectors page', () => {
  it('makes a file connector from the page, runs it with a file, and shows the quality report', async () => {
    const { page, errors } = await e2e.desktop();
    await signInThroughPage(page, `${e2e.server.baseUrl}/connectors`, 'admin', e2e.server.adminPassword);
    await page.getByTestId('connectors-page').waitFor();

    await page.getByTestId('connector-new').click();
    await page.getByTestId('connector-name').fill('110 接警导出');
    await page.getByTestId('map-id').fill('编号');
    await page.getByTestId('map-time').fill('日期,时刻');
    await page.getByTestId('map-category').fill('类别');
    await page.getByTestId('map-lon').fill('经度');
    await page.getByTestId('map-lat').fill('纬度');
    await page.screenshot({ path: shot('connectors-create') });
    await page.getByTestId('connector-save').click();
    await page.getByTestId('connectors-table').getByText('110 接警导出').waitFor();

    const fileInput = page.getByTestId('connectors-table').locator('input[type="file"]');
    await fileInput.setInputFiles({
      name: 'export.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(exportCsv()),
    });
    const runs = page.getByTestId('runs-table');
    const row = runs.locator('tbody tr', { hasText: '110 接警导出' }).first();
    await row.getByText('成功').waitFor({ timeout: 30_000 });
    // read 14, accepted 12, rejected 1, duplicates 1, written 12, one batch.
    const cells = (await row.locator('td').allInnerTexts()).map((s) => s.trim());
    expect(cells.slice(-6)).toEqual(['14', '12', '1', '1', '12', '1']);
    await row.locator('.ant-table-row-expand-icon').click();
    await runs.getByText('时间无法识别').waitFor();
    await expect(runs.getByText('昨天').count()).resolves.toBeGreaterThan(0);

    // The history the patrol module holds now has the 12 incidents.
    const history = await e2e.api<{ count: number }>('GET', '/api/patrol/history');
    expect(history.count).toBeGreaterThanOrEqual(12);

    // A connector whose mapping names a column the file lacks: refused before any row is read.
    await e2e.api('POST', '/api/connectors', {
      name: '错列映射',
      source: { kind: 'file' },
      mapping: {
        target: 'patrol.incidents',
        fields: {
          id: { column: '编号', type: 'string' },
          time: { column: '报警时间', type: 'time' },
          category: { column: '类别', type: 'string' },
          lon: { column: '经度', type: 'number' },
          lat: { column: '纬度', type: 'number' },
        },
      },
    });
    await page.getByTestId('connectors-refresh').click();
    await page.getByTestId('connectors-table').getByText('错列映射').waitFor();
    const badRow = page.getByTestId('connectors-table').locator('tbody tr', { hasText: '错列映射' });
    await badRow
      .locator('input[type="file"]')
      .setInputFiles({ name: 'export.csv', mimeType: 'text/csv', buffer: Buffer.from(exportCsv()) });
    await page
      .getByText(/映射配置不合法/)
      .first()
      .waitFor();
    const refused = runs.locator('tbody tr', { hasText: '错列映射' }).first();
    await refused.getByText('映射被拒').waitFor({ timeout: 30_000 });
    await refused.locator('.ant-table-row-expand-icon').click();
    await runs.getByText(/mapping\.fields\.time\.column · missing_column · 报警时间/).waitFor();
    // The stored error in the reader's language (its code's words), not the server's English detail.
    await runs.getByText('错误：映射不合法，未读取任何数据').waitFor();
    await page.screenshot({ path: shot('connectors-runs'), fullPage: true });

    // Edited on the page: the refused run told it which columns the file has; a mapping naming
    // another is refused on its field, the right one is saved, and the next run writes.
    await badRow.getByTestId('connector-edit-错列映射').click();
    await page
      .getByTestId('connector-source-columns')
      .getByText(/编号、日期、时刻、类别、经度、纬度/)
      .waitFor();
    await page.getByTestId('map-time').fill('接警时间');
    await page.getByTestId('connector-save').click();
    await page.locator('.ant-form-item-explain-error', { hasText: 'missing_column' }).waitFor();
    await page
      .getByTestId('connector-problem')
      .getByText(/映射配置不合法/)
      .waitFor();
    await page.screenshot({ path: shot('connectors-edit-refused') });
    await page.getByTestId('connector-name').fill('110 接警导出（修正）');
    await page.getByTestId('map-time').fill('日期,时刻');
    await page.getByTestId('connector-save').click();
    const fixed = page
      .getByTestId('connectors-table')
      .locator('tbody tr', { hasText: '110 接警导出（修正）' });
    await fixed.waitFor();
    const edited = (
      await e2e.api<{
        items: { id: string; name: string; mapping: { fields: { time: { column: unknown } } } }[];
      }>('GET', '/api/connectors')
    ).items.find((c) => c.name === '110 接警导出（修正）');
    expect(edited?.mapping.fields.time.column).toEqual(['日期', '时刻']);
    await fixed
      .locator('input[type="file"]')
      .setInputFiles({ name: 'export.csv', mimeType: 'text/csv', buffer: Buffer.from(exportCsv()) });
    const rerun = runs.locator('tbody tr', { hasText: '110 接警导出（修正）' }).first();
    await rerun.getByText('成功').waitFor({ timeout: 30_000 });

    // Deleted on the page, with its runs (the confirmation says so); the audit row keeps them.
    await fixed.getByTestId('connector-remove-110 接警导出（修正）').click();
    await page.getByText(/删除该数据接入及其全部运行记录/).waitFor();
    await page.screenshot({ path: shot('connectors-delete-confirm') });
    await page.getByTestId('connector-remove-ok').click();
    await page.getByText(/已删除数据接入及 2 条运行记录/).waitFor();
    await fixed.waitFor({ state: 'detached' });
    // The runs list refreshes on its own: wait for it rather than read it once.
    await expect.poll(() => runs.locator('tbody tr', { hasText: '110 接警导出（修正）' }).count()).toBe(0);
    const audit = await e2e.api<{
      items: { resource: string; detail: { change?: string; runs?: unknown[] } }[];
    }>('GET', '/api/audit?username=admin&limit=50');
    const deletion = audit.items.find(
      (a) => a.resource === `connector:${edited?.id}` && a.detail?.change === 'delete',
    );
    expect(deletion?.detail.runs).toHaveLength(2);
    expect(errors).toEqual([]);
  }, 180_000);
});
