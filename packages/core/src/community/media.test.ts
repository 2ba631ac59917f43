import { describe, expect, it } from 'vitest';
import {
  blankMp4Metadata,
  extensionMatches,
  MediaFormatError,
  sniffMedia,
  stripJpegMetadata,
  stripPngMetadata,
} from './media';

const bytes = (...xs: (number | string)[]) =>
  new Uint8Array(xs.flatMap((x) => (typeof x === 'string' ? [...x].map((c) => c.charCodeAt(0)) : [x])));
const seg = (marker: number, body: Uint8Array) =>
  new Uint8Array([0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body]);
const cat = (...parts: Uint8Array[]) => new Uint8Array(parts.flatMap((p) => [...p]));

describe('sniffMedia', () => {
  it('decides by the first bytes', () => {
    expect(sniffMedia(bytes(0xff, 0xd8, 0xff, 0xe0))).toBe('image/jpeg');
    expect(sniffMedia(bytes(0x89, 'PNG', 0x0d, 0x0a, 0x1a, 0x0a))).toBe('image/png');
    expect(sniffMedia(bytes(0, 0, 0, 0x18, 'ftypisom', 0, 0, 0, 0))).toBe('video/mp4');
    expect(sniffMedia(bytes(0, 0, 0, 0x14, 'ftypqt  ', 0, 0, 0, 0))).toBe('video/quicktime');
    expect(sniffMedia(bytes(0x1a, 0x45, 0xdf, 0xa3))).toBe('video/webm');
    // A script named photo.jpg, a GIF, a PDF: none of ours.
    expect(sniffMedia(bytes('#!/bin/sh\necho'))).toBeNull();
    expect(sniffMedia(bytes('GIF89a'))).toBeNull();
    expect(sniffMedia(bytes('%PDF-1.7'))).toBeNull();
  });
  it('refuses an extension that names another type', () => {
    expect(extensionMatches('a.JPG', 'image/jpeg')).toBe(true);
    expect(extensionMatches('a.png', 'image/jpeg')).toBe(false);
    expect(extensionMatches('a.mp4', 'image/png')).toBe(false);
    expect(extensionMatches('blob', 'image/png')).toBe(true);
  });
});

describe('stripJpegMetadata', () => {
  const app0 = seg(0xe0, bytes('JFIF', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0));
  const exif = seg(0xe1, bytes('Exif', 0, 0, 'MM', 0, 42, 0, 0, 0, 8, 'GPS-SECRET'));
  const xmp = seg(0xe1, bytes('http://ns.adobe.com/xap/1.0/', 0, '<x:xmpmeta/>'));
  const dqt = seg(0xdb, new Uint8Array(65));
  const scan = cat(seg(0xda, bytes(1, 1, 0, 0, 0x3f, 0)), bytes(0x12, 0x34, 0xff, 0x00, 0x56, 0xff, 0xd9));

  it('removes APP1 (EXIF, XMP) and keeps every other segment and the scan', () => {
    const jpeg = cat(bytes(0xff, 0xd8), app0, exif, xmp, dqt, scan);
    const out = stripJpegMetadata(jpeg);
    expect([...out]).toEqual([...cat(bytes(0xff, 0xd8), app0, dqt, scan)]);
    expect(Buffer.from(out).includes('GPS-SECRET')).toBe(false);
  });
  it('refuses a truncated file', () => {
    const jpeg = cat(bytes(0xff, 0xd8), app0, exif.subarray(0, 8));
    expect(() => stripJpegMetadata(jpeg)).toThrow(MediaFormatError);
  });
});

describe('stripPngMetadata', () => {
  const chunk = (type: string, data: Uint8Array) =>
    cat(
      new Uint8Array([
        (data.length >>> 24) & 255,
        (data.length >>> 16) & 255,
        (data.length >>> 8) & 255,
        data.length & 255,
      ]),
      bytes(type),
      data,
      new Uint8Array(4),
    );
  it('drops eXIf and text chunks', () => {
    const sig = bytes(0x89, 'PNG', 0x0d, 0x0a, 0x1a, 0x0a);
    const ihdr = chunk('IHDR', new Uint8Array(13));
    const idat = chunk('IDAT', bytes(1, 2, 3));
    const iend = chunk('IEND', new Uint8Array(0));
    const png = cat(
      sig,
      ihdr,
      chunk('eXIf', bytes('MM-SECRET')),
      chunk('tEXt', bytes('Author', 0, 'x')),
      idat,
      iend,
    );
    expect([...stripPngMetadata(png)]).toEqual([...cat(sig, ihdr, idat, iend)]);
  });
});

describe('blankMp4Metadata', () => {
  const box = (type: string, body: Uint8Array) => {
    const n = body.length + 8;
    return cat(
      new Uint8Array([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]),
      bytes(type),
      body,
    );
  };
  it('turns udta and meta under moov into free boxes of the same size', () => {
    const ftyp = box('ftyp', bytes('isom', 0, 0, 2, 0));
    const udta = box('udta', box('©xyz', bytes('+22.6955+114.1955/')));
    const trak = box('trak', cat(box('tkhd', new Uint8Array(4)), box('meta', bytes('Apple iPhone'))));
    const moov = cat(box('moov', cat(box('mvhd', new Uint8Array(8)), udta, trak)));
    const mdat = box('mdat', bytes(9, 9, 9));
    const mp4 = cat(ftyp, moov, mdat);
    const out = blankMp4Metadata(mp4);
    expect(out.length).toBe(mp4.length);
    const text = Buffer.from(out).toString('latin1');
    expect(text).not.toContain('114.1955');
    expect(text).not.toContain('iPhone');
    expect(text).not.toContain('udta');
    expect(text.match(/free/g)).toHaveLength(2);
    // The media data did not move.
    expect([...out.subarray(out.length - 3)]).toEqual([9, 9, 9]);
  });
  it('refuses a file without a movie box', () => {
    expect(() => blankMp4Metadata(box('ftyp', bytes('isom')))).toThrow(MediaFormatError);
  });
});
