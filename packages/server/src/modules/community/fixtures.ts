/**
 * Test files for citizen reports: a JPEG whose EXIF holds a time and a GPS position (built byte
 * by byte, as a phone writes them: big-endian TIFF, IFD0 → Exif IFD and GPS IFD), and a multipart
 * body as a browser sends one.
 */

function rationals(value: number): number[] {
  const deg = Math.floor(value);
  const minFloat = (value - deg) * 60;
  const min = Math.floor(minFloat);
  const sec = Math.round((minFloat - min) * 60 * 1000);
  return [deg, 1, min, 1, sec, 1000];
}

export function jpegWithExif(opts: { lat: number; lon: number; takenAt: string }): Buffer {
  const t = Buffer.alloc(178);
  t.write('MM', 0, 'latin1');
  t.writeUInt16BE(42, 2);
  t.writeUInt32BE(8, 4);
  const entry = (at: number, tag: number, type: number, count: number, value: number | string) => {
    t.writeUInt16BE(tag, at);
    t.writeUInt16BE(type, at + 2);
    t.writeUInt32BE(count, at + 4);
    if (typeof value === 'string') t.write(value, at + 8, 'latin1');
    else t.writeUInt32BE(value, at + 8);
  };
  // IFD0: pointers to the Exif and GPS IFDs.
  t.writeUInt16BE(2, 8);
  entry(10, 0x8769, 4, 1, 38);
  entry(22, 0x8825, 4, 1, 76);
  // Exif IFD: DateTimeOriginal.
  t.writeUInt16BE(1, 38);
  entry(40, 0x9003, 2, 20, 56);
  t.write(`${opts.takenAt}\0`, 56, 'latin1');
  // GPS IFD.
  t.writeUInt16BE(4, 76);
  entry(78, 0x0001, 2, 2, opts.lat >= 0 ? 'N\0' : 'S\0');
  entry(90, 0x0002, 5, 3, 130);
  entry(102, 0x0003, 2, 2, opts.lon >= 0 ? 'E\0' : 'W\0');
  entry(114, 0x0004, 5, 3, 154);
  for (const [i, v] of rationals(Math.abs(opts.lat)).entries()) t.writeUInt32BE(v, 130 + i * 4);
  for (const [i, v] of rationals(Math.abs(opts.lon)).entries()) t.writeUInt32BE(v, 154 + i * 4);
  const app1Body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), t]);
  const segment = (marker: number, body: Buffer) =>
    Buffer.concat([Buffer.from([0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff]), body]);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xe0, Buffer.from([0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0])),
    segment(0xe1, app1Body),
    segment(0xdb, Buffer.alloc(65)),
    segment(0xda, Buffer.from([1, 1, 0, 0, 0x3f, 0])),
    Buffer.from([0x12, 0x34, 0x56, 0xff, 0xd9]),
  ]);
}

export function multipart(
  fields: Record<string, string>,
  file?: { name: string; type: string; bytes: Buffer },
): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----citywatch${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="media"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`,
      ),
      file.bytes,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(parts),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}
