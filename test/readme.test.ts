/**
 * The README's TypeScript examples run as programs: each ```ts block is written to a file (with
 * `autostore-js` imports pointed at the sources), run with tsx in a fresh folder, and must exit 0.
 */
import { spawn } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
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

function pointAtSources(code: string): string {
  return code.replace(/from "(autostore-js(?:\/[a-z0-9]+)?)"/g, (whole, name: string) => {
    const target = ENTRY_POINTS[name];
    return target ? `from ${JSON.stringify(join(repo, target))}` : whole;
  });
}

function run(file: string, cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", tsxLoader, file], {
      cwd,
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
