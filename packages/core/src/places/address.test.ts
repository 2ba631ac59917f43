import { describe, expect, it } from 'vitest';
import { standardAddress } from './address';

// Tag sets as they occur in the bundled OpenStreetMap extracts.
describe('standardAddress', () => {
  it('writes a Chinese address from province down, without separators', () => {
    const a = standardAddress(
      {
        city: '深圳市',
        district: '龙岗区',
        housenumber: '2001号',
        postcode: '518172',
        province: '广东省',
        street: '龙翔大道',
      },
      '香港中文大学（深圳）下园',
    );
    expect(a?.label).toBe('广东省深圳市龙岗区龙翔大道2001号');
    expect(a?.searchText).toContain('香港中文大学（深圳）');
    expect(a?.chinese).toBe(true);
  });

  it('adds 号 to a bare number on a Chinese street and keeps the housename searchable', () => {
    const a = standardAddress(
      { housename: '1号 科技大厦D座', housenumber: '8', postcode: '100738', street: '中关村东路' },
      '工商银行',
    );
    expect(a?.label).toBe('中关村东路8号');
    expect(a?.searchText).toBe('中关村东路8号 1号 科技大厦D座 工商银行');
  });

  it('writes other addresses number first', () => {
    const a = standardAddress({
      city: 'Baltimore',
      housenumber: '2120',
      postcode: '21231',
      state: 'MD',
      street: 'East Fairmount Avenue',
    });
    expect(a?.label).toBe('2120 East Fairmount Avenue, Baltimore');
    expect(a?.chinese).toBe(false);
  });

  it('has nothing to say about a lone postcode', () => {
    expect(standardAddress({ postcode: '06320' })).toBeNull();
  });
});
