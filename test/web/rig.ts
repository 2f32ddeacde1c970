/**
 * Everything a page test needs, started once per test file: s3rver (CORS rule on `web`, none on
 * `nocors`) behind a counting proxy, so request counts come from the server's side; the web app built
 * from the packed package and served on 127.0.0.1; Chromium with the app open.
 */
import type { Browser, Page } from "playwright-core";
import { type FaultProxy, startProxy } from "../helpers/proxy.js";
import { type S3Server, startS3Server } from "../helpers/s3-server.js";
import type { App, ErrorReport, StoreSpec } from "./app/app.js";
import { buildWebApp, launchChromium, openApp, type StaticSite, serveStatic, type WebApp } from "./page.js";

/** A running rig. */
export interface WebRig {
  s3: S3Server;
  proxy: FaultProxy;
  app: WebApp;
  site: StaticSite;
  browser: Browser;
  page: Page;
  /** A store on `bucket/prefix/` through the proxy, signed with s3rver's keys; `init` wins. */
  spec(prefix: string, init?: Record<string, unknown>, bucket?: string): StoreSpec;
  stop(): Promise<void>;
}

/** Starts the rig; see the module comment. */
export async function startWebRig(): Promise<WebRig> {
  const [s3, app] = await Promise.all([
    startS3Server({ buckets: ["web", "nocors"], cors: ["web"] }),
    buildWebApp(),
  ]);
  const proxy = await startProxy(s3.endpoint);
  const site = await serveStatic(app.outdir);
  const browser = await launchChromium();
  const page = await openApp(browser, site.origin);
  return {
    s3,
    proxy,
    app,
    site,
    browser,
    page,
    spec: (prefix, init = {}, bucket = "web") => ({
      root: `s3://${bucket}/${prefix}/`,
      init: {
        endpoint: proxy.endpoint,
        region: s3.region,
        forcePathStyle: true,
        accessKeyId: s3.accessKeyId,
        secretAccessKey: s3.secretAccessKey,
        conditionalWrites: false,
        ...init,
      },
    }),
    stop: async () => {
      await browser.close();
      await site.close();
      await proxy.stop();
      await s3.stop();
      await app.remove();
    },
  };
}

type AppMethod = Exclude<keyof App, "providerCalls">;

/** Calls `window.app[name](...args)` in the page and resolves with its plain-JSON result. */
export function call<K extends AppMethod>(
  page: Page,
  name: K,
  ...args: Parameters<App[K]>
): Promise<Awaited<ReturnType<App[K]>>> {
  return page.evaluate(
    ([method, params]) =>
      (window.app[method] as (...a: unknown[]) => Promise<unknown>)(...(params as unknown[])),
    [name, args] as const,
  ) as Promise<Awaited<ReturnType<App[K]>>>;
}

/** The value of a successful result, or a failure naming the page's error. */
export function ok<T>(result: { ok: true; value: T } | { ok: false; error: ErrorReport }): T {
  if (!result.ok) throw new Error(`the page failed: ${result.error.name}: ${result.error.message}`);
  return result.value;
}
