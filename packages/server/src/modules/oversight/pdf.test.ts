import { describe, expect, it } from 'vitest';
import { ProblemError } from '../../http/problem.js';
import { findCjkFont } from './pdf.js';

describe('the CJK font of the oversight documents', () => {
  it('is found where fonts-noto-cjk puts it, or named by CITYWATCH_CJK_FONT', () => {
    expect(findCjkFont({}).path).toMatch(/CJK/);
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
