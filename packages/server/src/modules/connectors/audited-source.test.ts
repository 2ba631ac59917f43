import { describe, expect, it } from 'vitest';
import { auditedSource } from './service.js';

describe('a connector source as the audit chain keeps it', () => {
  it('masks user info and every query value of a pull URL, keeps the rest', () => {
    const shown = auditedSource({
      kind: 'http',
      url: 'https://ops:s3cret@data.example.gov.cn/api/calls?token=abc123&city=440307&token=again',
      timeoutMs: 5000,
      columns: { fields: ['a'], types: { a: 'string' } },
    } as never);
    expect(shown.url).toBe('https://***@data.example.gov.cn/api/calls?token=***&city=***');
    expect(JSON.stringify(shown)).not.toMatch(/s3cret|abc123|again|440307/);
    expect(shown.columns).toBeUndefined();
    expect(shown).toMatchObject({ kind: 'http', timeoutMs: 5000 });
  });

  it('leaves a URL without secrets as it was, and never echoes one it cannot parse', () => {
    expect(auditedSource({ kind: 'http', url: 'http://127.0.0.1:8080/feed.json' } as never).url).toBe(
      'http://127.0.0.1:8080/feed.json',
    );
    expect(auditedSource({ kind: 'http', url: 'not a url?token=x' } as never).url).toBe('(unparsable URL)');
    expect(auditedSource({ kind: 'mqtt', topic: 'bureau/devices' } as never)).toMatchObject({
      kind: 'mqtt',
      topic: 'bureau/devices',
    });
  });
});
