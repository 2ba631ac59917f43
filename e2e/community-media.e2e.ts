import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { signInThroughPage } from './browser';
import { setupE2E, shot } from './fixture';

const PASSWORD = 'a-long-community-password';
// Inside 龙城派出所's jurisdiction on the bundled Longgang extract.
const SPOT = { lon: 114.1955, lat: 22.6955 };

const e2e = setupE2E({
  demo: true,
  // A loaded shared machine can take minutes to bring the server up.
  serverTimeoutMs: 200_000,
  users: [
    {
      username: 'lcm.dispatcher',
      displayName: '龙城调度',
      password: PASSWORD,
      org: '龙城派出所',
      roles: ['dispatcher'],
    },
  ],
});

/** A real 320×240 JPEG (ffmpeg's test pattern) the browser can decode, as a phone would send. */
function photo(): Buffer {
  const dir = mkdtempSync(path.join(tmpdir(), 'citywatch-photo-'));
  try {
    const file = path.join(dir, 'photo.jpg');
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=320x240',
      '-frames:v',
      '1',
      file,
    ]);
    return readFileSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface AuditRow {
  action: string;
  username: string | null;
  resource: string;
  purpose: string | null;
}

describe('community: a citizen report’s photo is shown only after a stated purpose', () => {
  it('the dispatcher states a purpose, sees the photo, and the read is audited with it', async () => {
    const form = new FormData();
    form.set('category', 'suspicious');
    form.set('description', '楼道里有人反复试开各家门锁');
    form.set('fingerprint', 'community-media-phone-0001');
    form.set('lon', String(SPOT.lon));
    form.set('lat', String(SPOT.lat));
    form.set('positionSource', 'pin');
    form.set('media', new Blob([new Uint8Array(photo())], { type: 'image/jpeg' }), 'IMG_0100.JPG');
    const sent = await fetch(`${e2e.server.baseUrl}/api/community/public/reports`, {
      method: 'POST',
      body: form,
    });
    const sentBody = await sent.text();
    expect(sent.status, sentBody).toBe(201);
    const { id, number } = JSON.parse(sentBody) as { id: string; number: string };

    // Without a purpose the API refuses, naming the header (RFC 9457).
    const cookie = await e2e.login('lcm.dispatcher', PASSWORD);
    const bare = await fetch(`${e2e.server.baseUrl}/api/community/reports/${id}/media`, {
      headers: { cookie },
    });
    expect(bare.status).toBe(428);
    expect(bare.headers.get('content-type')).toContain('application/problem+json');
    expect(((await bare.json()) as { errors: { field: string }[] }).errors[0].field).toBe('X-Purpose');

    const { page, errors } = await e2e.desktop();
    await signInThroughPage(page, `${e2e.server.baseUrl}/community`, 'lcm.dispatcher', PASSWORD);
    const row = page.locator('tr', { hasText: number });
    await row.waitFor();
    // No bare link to the bytes on the page any more.
    expect(await page.locator(`a[href*="/api/community/reports/${id}/media"]`).count()).toBe(0);
    await page.getByTestId(`media-${number}`).click();
    // Asked for a purpose; too short is refused on the field before anything is sent.
    await page.getByTestId('media-purpose').fill('看');
    await page.getByTestId('media-purpose-ok').click();
    await page.getByText('请填写查看用途（至少 2 个字）').waitFor();
    await page.screenshot({ path: shot('community-media-purpose') });
    await page.getByTestId('media-purpose').fill('核实举报现场情况');
    await page.getByTestId('media-purpose-ok').click();
    const img = page.getByTestId('report-media').locator('img');
    await img.waitFor();
    // The photo is decoded from the fetched bytes (a blob: URL), at its own size.
    await page.waitForFunction(
      (el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0,
      await img.elementHandle(),
    );
    const shown = await img.evaluate((el) => ({
      src: (el as HTMLImageElement).src,
      w: (el as HTMLImageElement).naturalWidth,
      h: (el as HTMLImageElement).naturalHeight,
    }));
    expect(shown.src.startsWith('blob:')).toBe(true);
    expect([shown.w, shown.h]).toEqual([320, 240]);
    await page.getByText('本次查看已连同用途记入审计日志').waitFor();
    await page.screenshot({ path: shot('community-media-shown') });

    // The read is in the audit chain with the purpose typed on the page.
    const audit = await e2e.api<{ items: AuditRow[] }>(
      'GET',
      '/api/audit?action=personal_data_read&username=lcm.dispatcher',
    );
    expect(audit.items.filter((r) => r.resource === `report:${id}`)).toEqual([
      expect.objectContaining({
        action: 'personal_data_read',
        username: 'lcm.dispatcher',
        purpose: '核实举报现场情况',
      }),
    ]);
    expect(errors).toEqual([]);
  });
});
