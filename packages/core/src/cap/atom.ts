/**
 * An Atom feed (RFC 4287) of CAP alerts, as the OASIS "CAP feeds" note and most national alert
 * hubs publish them: one entry per alert, its link the alert's CAP XML (application/cap+xml).
 */
import { CAP_MIME_TYPE } from './cap';

export interface CapFeedEntry {
  /** The alert's URL; also its Atom id (a URL is an IRI, as Atom wants). */
  url: string;
  headline: string;
  summary?: string;
  sent: Date;
  updated: Date;
  /** Who issued it (the bureau). */
  author: string;
}

const escapeXml = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The feed as XML; `updated` is the newest entry's (or `now` for an empty feed). */
export function buildCapAtomFeed(feed: {
  selfUrl: string;
  title: string;
  author: string;
  now: Date;
  entries: readonly CapFeedEntry[];
}): string {
  const newest = feed.entries.reduce((t, e) => Math.max(t, e.updated.getTime()), 0);
  const updated = new Date(newest || feed.now.getTime()).toISOString();
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `  <id>${escapeXml(feed.selfUrl)}</id>`,
    `  <title>${escapeXml(feed.title)}</title>`,
    `  <updated>${updated}</updated>`,
    `  <author><name>${escapeXml(feed.author)}</name></author>`,
    `  <link rel="self" type="application/atom+xml" href="${escapeXml(feed.selfUrl)}"/>`,
  ];
  for (const e of feed.entries) {
    lines.push(
      '  <entry>',
      `    <id>${escapeXml(e.url)}</id>`,
      `    <title>${escapeXml(e.headline)}</title>`,
      `    <published>${e.sent.toISOString()}</published>`,
      `    <updated>${e.updated.toISOString()}</updated>`,
      `    <author><name>${escapeXml(e.author)}</name></author>`,
      `    <link rel="alternate" type="${CAP_MIME_TYPE}" href="${escapeXml(e.url)}"/>`,
      ...(e.summary ? [`    <summary>${escapeXml(e.summary)}</summary>`] : []),
      '  </entry>',
    );
  }
  lines.push('</feed>', '');
  return lines.join('\n');
}
