// Debian's Chromium for Playwright (tests and browser benchmarks): never a downloaded browser.
// The background-networking flags keep it from calling out (this machine has no internet).
import type { LaunchOptions } from 'playwright-core';

export const chromiumLaunchOptions: LaunchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
    '--no-first-run',
  ],
};
