/**
 * A citizen's photo or short video: its type decided by its first bytes (never by its name or the
 * declared type alone), and its embedded metadata (time, place, camera) removed before it is
 * stored. Pure functions over bytes.
 */

export type MediaType = 'image/jpeg' | 'image/png' | 'video/mp4' | 'video/quicktime' | 'video/webm';

export const MEDIA_EXTENSIONS: Record<MediaType, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'video/mp4': 'mp4',
  'video/quicktime': 'mov',
  'video/webm': 'webm',
};

export function isVideo(type: MediaType): boolean {
  return type.startsWith('video/');
}

const ascii = (b: Uint8Array, at: number, n: number) => String.fromCharCode(...b.subarray(at, at + n));

/** The type the bytes are, or null for anything else (the magic numbers of each format). */
export function sniffMedia(b: Uint8Array): MediaType | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 8 && [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((v, i) => b[i] === v))
    return 'image/png';
  if (b.length >= 4 && b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) return 'video/webm';
  if (b.length >= 12 && ascii(b, 4, 4) === 'ftyp') {
    const brand = ascii(b, 8, 4);
    if (brand === 'qt  ') return 'video/quicktime';
    if (/^(isom|iso[2-6]|mp41|mp42|avc1|M4V |3gp[4-6]|MSNV|dash)$/.test(brand)) return 'video/mp4';
  }
  return null;
}

/** The extension a file name claims, lower case, without the dot ('' without one). */
export function extensionOf(fileName: string): string {
  const m = /\.([A-Za-z0-9]{1,8})$/.exec(fileName);
  return m ? m[1].toLowerCase() : '';
}

/** Whether a file name's extension agrees with the sniffed type (a forged extension does not). */
export function extensionMatches(fileName: string, type: MediaType): boolean {
  const ext = extensionOf(fileName);
  const allowed: Record<MediaType, string[]> = {
    'image/jpeg': ['jpg', 'jpeg', 'jpe'],
    'image/png': ['png'],
    'video/mp4': ['mp4', 'm4v', '3gp'],
    'video/quicktime': ['mov', 'qt'],
    'video/webm': ['webm'],
  };
  return ext === '' || allowed[type].includes(ext);
}

export class MediaFormatError extends Error {}

/**
 * A JPEG without its APP1 segments (EXIF and XMP: time, GPS position, camera) nor APP13 (IPTC):
 * the segments before the scan are copied except those, the scan and what follows are copied as
 * they are.
 */
export function stripJpegMetadata(b: Uint8Array): Uint8Array {
  if (b[0] !== 0xff || b[1] !== 0xd8) throw new MediaFormatError('not a JPEG');
  const parts: Uint8Array[] = [b.subarray(0, 2)];
  let at = 2;
  while (at + 4 <= b.length) {
    if (b[at] !== 0xff) throw new MediaFormatError(`no marker at ${at}`);
    const marker = b[at + 1];
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    // Start of scan (or end of image): the rest is image data.
    if (marker === 0xda || marker === 0xd9) {
      parts.push(b.subarray(at));
      return concat(parts);
    }
    // Markers without a length (RSTn, TEM).
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      parts.push(b.subarray(at, at + 2));
      at += 2;
      continue;
    }
    const length = (b[at + 2] << 8) | b[at + 3];
    if (length < 2 || at + 2 + length > b.length) throw new MediaFormatError(`segment overruns at ${at}`);
    if (marker !== 0xe1 && marker !== 0xed) parts.push(b.subarray(at, at + 2 + length));
    at += 2 + length;
  }
  throw new MediaFormatError('no image data');
}

/** A PNG without its metadata chunks (eXIf, tEXt, iTXt, zTXt, tIME). */
export function stripPngMetadata(b: Uint8Array): Uint8Array {
  const drop = new Set(['eXIf', 'tEXt', 'iTXt', 'zTXt', 'tIME']);
  const parts: Uint8Array[] = [b.subarray(0, 8)];
  let at = 8;
  while (at + 12 <= b.length) {
    const length = ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
    const end = at + 12 + length;
    if (end > b.length) throw new MediaFormatError(`chunk overruns at ${at}`);
    const type = ascii(b, at + 4, 4);
    if (!drop.has(type)) parts.push(b.subarray(at, end));
    at = end;
    if (type === 'IEND') return concat(parts);
  }
  throw new MediaFormatError('no IEND chunk');
}

/**
 * An MP4 or QuickTime file whose user-data and metadata boxes under `moov` (where phones write
 * the place, time and device) are blanked into `free` boxes of the same size: nothing moves, so
 * the sample offsets stay right.
 */
export function blankMp4Metadata(input: Uint8Array): Uint8Array {
  const b = new Uint8Array(input); // a copy
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const boxes = (
    from: number,
    to: number,
    visit: (type: string, start: number, end: number, header: number) => void,
  ) => {
    let at = from;
    while (at + 8 <= to) {
      let size = view.getUint32(at);
      let header = 8;
      if (size === 1) {
        if (at + 16 > to) throw new MediaFormatError(`box overruns at ${at}`);
        size = Number(view.getBigUint64(at + 8));
        header = 16;
      } else if (size === 0) size = to - at;
      if (size < header || at + size > to) throw new MediaFormatError(`box overruns at ${at}`);
      visit(ascii(b, at + 4, 4), at, at + size, header);
      at += size;
    }
  };
  let sawMoov = false;
  boxes(0, b.length, (type, start, end, header) => {
    if (type !== 'moov') return;
    sawMoov = true;
    const blank = (t: string, s: number, e: number, h: number) => {
      if (t !== 'udta' && t !== 'meta') return;
      b.set([0x66, 0x72, 0x65, 0x65], s + 4); // 'free'
      b.fill(0, s + h, e);
    };
    boxes(start + header, end, (t, s, e, h) => {
      blank(t, s, e, h);
      // Per-track user data too.
      if (t === 'trak') boxes(s + h, e, blank);
    });
  });
  if (!sawMoov) throw new MediaFormatError('no moov box');
  return b;
}

/** The stored form of an upload: metadata removed where the format allows it. */
export function stripMetadata(b: Uint8Array, type: MediaType): Uint8Array {
  switch (type) {
    case 'image/jpeg':
      return stripJpegMetadata(b);
    case 'image/png':
      return stripPngMetadata(b);
    case 'video/mp4':
    case 'video/quicktime':
      return blankMp4Metadata(b);
    case 'video/webm':
      // WebM from browsers' MediaRecorder carries no place or time; kept as it is.
      return b;
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
