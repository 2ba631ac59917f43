import { describe, expect, it } from 'vitest';
import { writtenResource } from './auth.js';

describe('the resource an audited write names', () => {
  it('names the thing by type and id, from the route or from a create', () => {
    expect(writtenResource('/api/dispatch/incidents/:id/dispatch', { id: 'a1' })).toBe('incident:a1');
    expect(writtenResource('/api/perimeter/hotlist/:id/approve', { id: 'h1' })).toBe('hotlist:h1');
    expect(writtenResource('/api/perimeter/checkpoints/:id', { id: 'CP-1' })).toBe('checkpoint:CP-1');
    expect(writtenResource('/api/users/:id', { id: 'u1' })).toBe('user:u1');
    expect(writtenResource('/api/dispatch/incidents', {}, 'n1')).toBe('incident:n1');
    expect(writtenResource('/api/perimeter/rings/:id/plans', { id: 'r1' })).toBe('ring:r1');
  });

  it('falls back to the route when there is no id to name', () => {
    expect(writtenResource('/api/perimeter/reads', {})).toBe('/api/perimeter/reads');
    expect(writtenResource('/api/places/jurisdictions/import', {}, '')).toBe(
      '/api/places/jurisdictions/import',
    );
  });
});
