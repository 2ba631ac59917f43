import { deviceCodeRule } from './code';
import { type CameraInput, STREAM_SCHEMES } from './schemas';

export interface CameraRule {
  field: string;
  rule: string;
}

function schemeOf(url: string): string | null {
  const m = /^([a-z][a-z0-9+.-]*):\/\/[^\s]+$/i.exec(url.trim());
  return m ? m[1].toLowerCase() : null;
}

/** The rule a stream URL breaks (`url_scheme`: not http(s)/rtsp/webrtc), or null. */
export function streamUrlRule(url: string, allowed: readonly string[] = STREAM_SCHEMES): string | null {
  const scheme = schemeOf(url);
  if (scheme === null) return 'url';
  return allowed.includes(scheme) ? null : 'url_scheme';
}

/**
 * Every rule a camera breaks, field by field (fields named as in the API: code, lon, fovDeg …).
 * Field of view 1–360°, heading 0–360°, range 1–5,000 m, height 0–300 m, WGS-84 position, stream
 * URLs http(s)/rtsp/webrtc (the HLS one http(s), as a browser plays it), community and enterprise
 * cameras may carry the agreement they are shared under.
 */
export function cameraRules(c: CameraInput): CameraRule[] {
  const out: CameraRule[] = [];
  const codeRule = deviceCodeRule(c.code);
  if (codeRule) out.push({ field: 'code', rule: codeRule });
  if (!Number.isFinite(c.lon) || c.lon < -180 || c.lon > 180) out.push({ field: 'lon', rule: 'range' });
  if (!Number.isFinite(c.lat) || c.lat < -90 || c.lat > 90) out.push({ field: 'lat', rule: 'range' });
  if (c.heightM !== null && (!Number.isFinite(c.heightM) || c.heightM < 0 || c.heightM > 300)) {
    out.push({ field: 'heightM', rule: 'range' });
  }
  if (!Number.isFinite(c.headingDeg) || c.headingDeg < 0 || c.headingDeg > 360) {
    out.push({ field: 'headingDeg', rule: 'range' });
  }
  if (!Number.isFinite(c.fovDeg) || c.fovDeg < 1 || c.fovDeg > 360)
    out.push({ field: 'fovDeg', rule: 'fov_range' });
  if (!Number.isFinite(c.rangeM) || c.rangeM < 1 || c.rangeM > 5000)
    out.push({ field: 'rangeM', rule: 'range' });
  const urls: [keyof CameraInput, string | null, readonly string[]][] = [
    ['hlsUrl', c.hlsUrl, ['http', 'https']],
    ['webrtcUrl', c.webrtcUrl, STREAM_SCHEMES],
    ['rtspUrl', c.rtspUrl, STREAM_SCHEMES],
  ];
  for (const [field, url, allowed] of urls) {
    if (url === null || url === '') continue;
    const broken = streamUrlRule(url, allowed);
    if (broken) out.push({ field, rule: broken });
  }
  if (c.playbackTemplate) {
    const broken = streamUrlRule(c.playbackTemplate);
    if (broken) out.push({ field: 'playbackTemplate', rule: broken });
  }
  return out;
}

/** Whether a camera is shared into the network: a community or enterprise camera under an agreement. */
export function isShared(owner: CameraInput['owner'], agreementRef: string | null): boolean {
  return owner !== 'police' && !!agreementRef && agreementRef.trim().length > 0;
}

/**
 * The NVR playback URL for a window: the template's {code}, {from}, {to} (ISO 8601 UTC, seconds),
 * {from_unix}, {to_unix} and {from_compact}, {to_compact} (yyyyMMddTHHmmssZ) filled in, URL-encoded.
 */
export function playbackUrl(template: string, code: string, from: Date, to: Date): string {
  const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const compact = (d: Date) => iso(d).replace(/[-:]/g, '');
  const values: Record<string, string> = {
    code,
    from: iso(from),
    to: iso(to),
    from_unix: String(Math.floor(from.getTime() / 1000)),
    to_unix: String(Math.floor(to.getTime() / 1000)),
    from_compact: compact(from),
    to_compact: compact(to),
  };
  return template.replace(/\{([a-z_]+)\}/g, (whole, key: string) =>
    key in values ? encodeURIComponent(values[key]) : whole,
  );
}
