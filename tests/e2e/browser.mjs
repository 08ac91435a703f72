// Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core, in a phone profile: Pixel 7
// viewport, touch, an Android UA, and NetInfo's `type` enabled so CDP can switch the connection type.
import { chromium, devices } from 'playwright-core';
import { execSync } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

export const ARTIFACTS = process.env.NV_ARTIFACTS || join(process.cwd(), 'e2e-artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--enable-blink-features=NetInfoDownlinkMax'];

/** The base64 SHA-256 of a PEM certificate's public key (what --ignore-certificate-errors-spki-list takes). */
export function spkiHash(certFile) {
  return execSync(`openssl x509 -in '${certFile}' -pubkey -noout | openssl pkey -pubin -outform der | ` +
    'openssl dgst -sha256 -binary | base64', { encoding: 'utf8' }).trim();
}

/**
 * A fresh browser profile; `netinfo: false` leaves out NetInfo's type (iOS-like). `trustSpki`: base64 SHA-256
 * hashes of the public keys of test certificates this browser accepts (HTTPS through scripts/stack.sh), so no
 * certificate check is switched off for anything else.
 */
export async function openPhone({ netinfo = true, userAgent, trustSpki = [] } = {}) {
  const dir = mkdtempSync(join(process.env.NV_SCRATCH || tmpdir(), 'nv-chromium-'));
  const pixel = devices['Pixel 7'];
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.NV_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [...(netinfo ? FLAGS : FLAGS.filter((f) => !f.includes('NetInfo'))),
      ...(trustSpki.length ? [`--ignore-certificate-errors-spki-list=${trustSpki.join(',')}`] : [])],
    viewport: pixel.viewport,
    deviceScaleFactor: pixel.deviceScaleFactor,
    isMobile: pixel.isMobile,
    hasTouch: pixel.hasTouch,
    userAgent: userAgent || pixel.userAgent,
    locale: 'zh-CN',
  });
  const page = context.pages()[0] || (await context.newPage());
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // Every answer of 400 or more (a missing favicon is a console error in every browser).
  const failed = [];
  page.on('response', (r) => { if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`); });
  // The server's Content-Security-Policy must never block the demo (our scripts, styles, the wasm compile).
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) errors.push(m.text());
  });
  return {
    context, page, cdp, requests, errors, failed,
    /**
     * 'cellular4g' | 'wifi' | 'none' | ... (CDP Network.emulateNetworkConditions). Chromium ignores the whole
     * call, connectionType included, unless some condition is actually emulated (latency 0 with throughput -1
     * means "no emulation"): hence 1 ms and 50 MB/s, which change nothing else measurable.
     */
    async connection(type) {
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false, latency: 1, downloadThroughput: 50e6, uploadThroughput: 50e6, connectionType: type,
      });
    },
    async shot(name) {
      const path = join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
