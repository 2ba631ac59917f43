/**
 * Standard addresses (一标三实的"一标"): one normalised form per address, whatever tags OSM used.
 * Chinese addresses read from the largest unit down with no separators
 * (广东省深圳市龙岗区龙翔大道2001号); others read number-first (2120 East Fairmount Avenue, Baltimore).
 */
export interface AddressTags {
  province?: string;
  state?: string;
  city?: string;
  district?: string;
  subdistrict?: string;
  suburb?: string;
  street?: string;
  place?: string;
  housenumber?: string;
  housename?: string;
  postcode?: string;
  full?: string;
  [key: string]: string | undefined;
}

export interface StandardAddress {
  province: string | null;
  city: string | null;
  district: string | null;
  street: string | null;
  housenumber: string | null;
  postcode: string | null;
  /** The address as people write it. */
  label: string;
  /** What search matches against: the label plus the name of what stands there. */
  searchText: string;
  chinese: boolean;
}

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;

export function hasChinese(s: string | null | undefined): boolean {
  return !!s && CJK.test(s);
}

function clean(s: string | undefined): string | null {
  const t = s?.replace(/\s+/g, ' ').trim();
  return t ? t : null;
}

/** `2001` → `2001号`; `2001号`, `8-1栋`, `A座` stay as they are. */
export function chineseHouseNumber(n: string): string {
  return /^\d+(-\d+)?$/.test(n) ? `${n}号` : n;
}

export function standardAddress(tags: AddressTags, name: string | null = null): StandardAddress | null {
  const province = clean(tags.province ?? tags.state);
  const city = clean(tags.city);
  const district = clean(tags.district ?? tags.subdistrict ?? tags.suburb);
  const street = clean(tags.street ?? tags.place);
  const housenumber = clean(tags.housenumber);
  const postcode = clean(tags.postcode);
  const full = clean(tags.full);
  const chinese = [province, city, district, street, full, name].some(hasChinese);

  let label: string;
  if (full && !street) {
    label = full;
  } else if (chinese) {
    // Each level only once: OSM often repeats the city inside the street or the full address.
    const parts: string[] = [];
    for (const p of [province, city, district, street])
      if (p && !parts.some((q) => q.includes(p))) parts.push(p);
    if (housenumber) parts.push(chineseHouseNumber(housenumber));
    label = parts.join('');
  } else {
    const first = [housenumber, street].filter(Boolean).join(' ');
    label = [first, city].filter(Boolean).join(', ');
  }
  if (!label) return null;
  const searchText = [label, clean(tags.housename ?? undefined), name].filter(Boolean).join(' ');
  return { province, city, district, street, housenumber, postcode, label, searchText, chinese };
}
