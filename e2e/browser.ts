import { type Browser, chromium } from 'playwright-core';

/**
 * Debian's Chromium, headless, as this machine runs it: without the background-networking flags it
 * tries hosts the closed network refuses. Never a downloaded browser build.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** Chromium's notes about its software GL (e.g. "GPU stall due to ReadPixels"), not the app's. */
export const GL_DRIVER_NOTE = /GL Driver Message|WebGL.*(performance|ReadPixels)/i;
