/**
 * Small charts as SVG text for printed reports (the PDF and the report's HTML): no browser chart
 * library needed, the same picture on screen and on paper. Pure string building; text is escaped.
 */

export function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

export interface BarDatum {
  label: string;
  value: number | null;
  /** Shown at the bar's end (e.g. "36.4%"). */
  text: string;
  missed?: boolean;
}

/** Horizontal bars, one per datum, with an optional target line. */
export function barChartSvg(
  data: readonly BarDatum[],
  options: { width?: number; target?: number | null; title?: string } = {},
): string {
  const width = options.width ?? 640;
  const row = 26;
  const left = 130;
  const right = 80;
  const top = options.title ? 28 : 8;
  const height = top + data.length * row + 12;
  const max = Math.max(1e-9, options.target ?? 0, ...data.map((d) => d.value ?? 0));
  const x = (v: number) => left + (v / max) * (width - left - right);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Noto Sans CJK SC, sans-serif" font-size="13">`,
  ];
  if (options.title) parts.push(`<text x="0" y="16" font-weight="bold">${escapeXml(options.title)}</text>`);
  data.forEach((d, i) => {
    const y = top + i * row;
    parts.push(`<text x="${left - 8}" y="${y + 17}" text-anchor="end">${escapeXml(d.label)}</text>`);
    if (d.value !== null) {
      const w = Math.max(1, x(d.value) - left);
      parts.push(
        `<rect x="${left}" y="${y + 4}" width="${w.toFixed(1)}" height="${row - 8}" fill="${d.missed ? '#ff4d4f' : '#52c41a'}"/>`,
      );
    }
    parts.push(
      `<text x="${(d.value === null ? left : x(d.value)) + 6}" y="${y + 17}">${escapeXml(d.text)}</text>`,
    );
  });
  if (options.target != null) {
    const tx = x(options.target).toFixed(1);
    parts.push(
      `<line x1="${tx}" y1="${top}" x2="${tx}" y2="${height - 8}" stroke="#fa541c" stroke-dasharray="4 3"/>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}

export interface LineSeries {
  name: string;
  color: string;
  values: readonly (number | null)[];
}

/** Lines over labelled points (days); gaps where a value is null; optional dashed target. */
export function lineChartSvg(
  labels: readonly string[],
  series: readonly LineSeries[],
  options: { width?: number; height?: number; target?: number | null; title?: string; unit?: string } = {},
): string {
  const width = options.width ?? 640;
  const height = options.height ?? 220;
  const [left, right, top, bottom] = [48, 12, options.title ? 34 : 12, 30];
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const max = Math.max(1e-9, options.target ?? 0, ...all) * 1.1;
  const x = (i: number) =>
    left + (labels.length <= 1 ? 0 : (i / (labels.length - 1)) * (width - left - right));
  const y = (v: number) => top + (1 - v / max) * (height - top - bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Noto Sans CJK SC, sans-serif" font-size="11">`,
  ];
  if (options.title)
    parts.push(`<text x="0" y="14" font-size="13" font-weight="bold">${escapeXml(options.title)}</text>`);
  for (let k = 0; k <= 4; k++) {
    const v = (max / 4) * k;
    parts.push(
      `<line x1="${left}" y1="${y(v).toFixed(1)}" x2="${width - right}" y2="${y(v).toFixed(1)}" stroke="#e8e8e8"/>`,
      `<text x="${left - 4}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${escapeXml(`${Math.round(v * 10) / 10}${options.unit ?? ''}`)}</text>`,
    );
  }
  const step = Math.max(1, Math.ceil(labels.length / 10));
  labels.forEach((l, i) => {
    if (i % step === 0)
      parts.push(
        `<text x="${x(i).toFixed(1)}" y="${height - 10}" text-anchor="middle">${escapeXml(l)}</text>`,
      );
  });
  if (options.target != null)
    parts.push(
      `<line x1="${left}" y1="${y(options.target).toFixed(1)}" x2="${width - right}" y2="${y(options.target).toFixed(1)}" stroke="#fa541c" stroke-dasharray="4 3"/>`,
    );
  series.forEach((s, k) => {
    let d = '';
    s.values.forEach((v, i) => {
      if (v === null) return;
      const prevNull = i === 0 || s.values[i - 1] === null;
      d += `${prevNull ? 'M' : 'L'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
    });
    if (d) parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    s.values.forEach((v, i) => {
      if (v !== null)
        parts.push(`<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="2.5" fill="${s.color}"/>`);
    });
    parts.push(
      `<rect x="${left + 10 + k * 150}" y="${top - 12}" width="10" height="3" fill="${s.color}"/>`,
      `<text x="${left + 24 + k * 150}" y="${top - 8}">${escapeXml(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}
