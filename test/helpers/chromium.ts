/**
 * Debian's Chromium (`/usr/bin/chromium`, installed by `scripts/test-deps.sh`), driven by
 * playwright-core: the one place that names its path and flags (no sandbox in containers, no network
 * chatter, no component downloads). No browser is ever downloaded.
 */
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM_PATH = "/usr/bin/chromium";

/** The flags every Chromium run takes, besides `--headless`. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Debian's Chromium, headless. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ["--headless", ...CHROMIUM_ARGS],
  });
}
