/**
 * The README's TypeScript examples run as programs: each ```ts block is written to a file (with
 * `autostore-js` imports pointed at the sources), run with tsx in a fresh folder, and must exit 0.
 * S3 examples run against a local S3-compatible server: the AWS SDK finds it through its standard
 * environment (`AWS_ENDPOINT_URL`, keys, profile files), and the services' example endpoints and keys
 * are pointed at it.
 */
import { spawn } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  S3RVER_ACCESS_KEY_ID,
  S3RVER_SECRET_ACCESS_KEY,
  type S3Server,
  startS3Server,
} from "./helpers/s3-server.js";
import { tempDir } from "./helpers/tmp.js";

const repo = join(import.meta.dirname, "..");
const runDir = join(repo, "node_modules", ".readme-examples");
// By URL: a bare `--import tsx` would resolve from the example's working folder.
const tsxLoader = pathToFileURL(join(repo, "node_modules", "tsx", "dist", "loader.mjs")).href;
const readme = await readFile(join(repo, "README.md"), "utf8");
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] as string);

const ENTRY_POINTS: Record<string, string> = {
  "autostore-js": "src/node/index.ts",
  "autostore-js/s3": "src/s3/index.ts",
  "autostore-js/core": "src/core/index.ts",
};

/** Buckets the README's URIs name (`s3://bucket/`, `minio://my-bucket/`…), to create on the server. */
const BUCKETS = [
  ...new Set(
    [...readme.matchAll(/\b([a-z][a-z0-9+.-]*):\/\/([a-z0-9][a-z0-9.-]*[a-z0-9])\//g)]
      .filter((m) => !["memory", "file", "http", "https"].includes(m[1] as string))
      .map((m) => m[2] as string),
  ),
];
const PROFILES = [...new Set([...readme.matchAll(/profile: "([^"]+)"/g)].map((m) => m[1] as string))];

let s3: S3Server;
let awsHome: { path: string; remove: () => Promise<void> };
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  [s3, awsHome] = await Promise.all([startS3Server({ buckets: BUCKETS }), tempDir("autostore-readme-aws-")]);
  const credentials = join(awsHome.path, "credentials");
  const config = join(awsHome.path, "config");
  await writeFile(
    credentials,
    PROFILES.map(
      (p) =>
        `[${p}]\naws_access_key_id = ${S3RVER_ACCESS_KEY_ID}\naws_secret_access_key = ${S3RVER_SECRET_ACCESS_KEY}\n`,
    ).join(""),
  );
  await writeFile(config, PROFILES.map((p) => `[profile ${p}]\nregion = us-east-1\n`).join(""));
  env = {
    ...process.env,
    AWS_ENDPOINT_URL: s3.endpoint,
    AWS_ACCESS_KEY_ID: S3RVER_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: S3RVER_SECRET_ACCESS_KEY,
    AWS_REGION: "us-east-1",
    AWS_SHARED_CREDENTIALS_FILE: credentials,
    AWS_CONFIG_FILE: config,
    // The default cache folder of the examples that enable the cache: never the real user's.
    XDG_CACHE_HOME: join(awsHome.path, "cache"),
  };
}, 60_000);

afterAll(async () => {
  await Promise.all([s3?.stop(), awsHome?.remove()]);
});

function pointAtSources(code: string): string {
  return code
    .replace(/from "(autostore-js(?:\/[a-z0-9]+)?)"/g, (whole, name: string) => {
      const target = ENTRY_POINTS[name];
      return target ? `from ${JSON.stringify(join(repo, target))}` : whole;
    })
    .replace(/endpoint: (["`])https:\/\/[^"`]+\1/g, () => `endpoint: ${JSON.stringify(s3.endpoint)}`)
    .replace(/accessKeyId: "[^"]*"/g, `accessKeyId: ${JSON.stringify(S3RVER_ACCESS_KEY_ID)}`)
    .replace(/secretAccessKey: "[^"]*"/g, `secretAccessKey: ${JSON.stringify(S3RVER_SECRET_ACCESS_KEY)}`);
}

function run(file: string, cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", tsxLoader, file], {
      cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (data: Buffer) => {
      output += data.toString();
    });
    child.stderr.on("data", (data: Buffer) => {
      output += data.toString();
    });
    child.on("exit", (code) => resolve({ code, output }));
  });
}

afterAll(async () => {
  await rm(runDir, { recursive: true, force: true });
});

describe("README examples", () => {
  it("has examples to run", () => {
    expect(blocks.length).toBeGreaterThan(5);
  });

  it.each(
    blocks.map((code, i) => [
      i + 1,
      code.split("\n").find((l) => l.startsWith("//") || l.includes("new AutoStore")) ?? "",
      code,
    ]),
  )("example %i runs: %s", async (index, _title, code) => {
    await mkdir(runDir, { recursive: true });
    // Inside the project, so that the examples' own imports (zod…) resolve from node_modules.
    const file = join(runDir, `example-${index}.mts`);
    await writeFile(file, pointAtSources(code as string));
    const cwd = await tempDir("autostore-readme-");
    try {
      const { code: exitCode, output } = await run(file, cwd.path);
      expect(exitCode, output).toBe(0);
    } finally {
      await cwd.remove();
    }
  });
});
