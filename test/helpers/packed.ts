/**
 * The package as a user installs it: `npm run build` and `npm pack` in a staged copy of the checkout,
 * the tarball unpacked into `<root>/node_modules/autostore-js`, so only the files the tarball ships
 * are visible, behind its real `package.json` and `exports` map. Its dependencies are symlinks to the
 * checkout's `node_modules` (no registry is contacted).
 *
 * Why a staged copy: `npm run build` cleans `dist/`, and other test files build into the checkout's
 * `dist/` at the same time. Why a cache: the build with declarations takes most of a minute on a busy
 * machine, so the install is kept in the system temp folder under a hash of everything the build
 * reads and of the checkout's own path, shared by every test file and every run until a source file
 * changes. The path is in the key because the install's dependency links point into this checkout:
 * a clone that is deleted (a fresh-clone check, a CI workspace) must not leave an install whose links
 * dangle for the next clone to pick up. An install whose links no longer resolve is rebuilt. A lock
 * directory keeps two test processes from building the same install at once.
 *
 * @example
 * const pkg = await packedInstall();
 * await build({ stdin: { contents: `import "autostore-js"`, resolveDir: pkg.root }, bundle: true });
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, symlink, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const repo = join(import.meta.dirname, "..", "..");
/** What the build reads, besides `src/`. */
const BUILD_INPUTS = [
  "package.json",
  "tsup.config.ts",
  "scripts/build-browser.ts",
  "tsconfig.json",
  "README.md",
];
const LOCK_STALE_MS = 10 * 60_000;
const OLD_INSTALL_MS = 24 * 3600_000;

/** An unpacked install of the packed package. */
export interface PackedInstall {
  /** The project folder: `node_modules/autostore-js` lives under it. */
  root: string;
  /** `<root>/node_modules/autostore-js`, the unpacked tarball. */
  packageDir: string;
  /** The checkout's `node_modules`, for bundlers that resolve the package's own dependencies. */
  nodePaths: string[];
}

let pending: Promise<PackedInstall> | undefined;

/** The packed install for the current sources, built once and then reused; see the module comment. */
export function packedInstall(): Promise<PackedInstall> {
  pending ??= prepare();
  return pending;
}

async function prepare(): Promise<PackedInstall> {
  const key = await inputsHash();
  const root = join(tmpdir(), `autostore-packed-${key}`);
  const install: PackedInstall = {
    root,
    packageDir: join(root, "node_modules", "autostore-js"),
    nodePaths: [join(repo, "node_modules")],
  };
  const lock = `${root}.lock`;
  for (;;) {
    if ((await exists(join(root, "ready"))) && (await linksResolve(root))) {
      // Marks it used, so the clean-up of old installs keeps it.
      await utimes(join(root, "ready"), new Date(), new Date()).catch(() => undefined);
      return install;
    }
    try {
      await mkdir(lock);
    } catch {
      // Another process builds it; a lock older than any build is left from a killed run.
      const age = Date.now() - (await stat(lock).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age > LOCK_STALE_MS) await rm(lock, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 500));
      continue;
    }
    try {
      if (!((await exists(join(root, "ready"))) && (await linksResolve(root)))) await buildInstall(root);
      return install;
    } finally {
      await rm(lock, { recursive: true, force: true });
    }
  }
}

async function buildInstall(root: string): Promise<void> {
  const stage = await mkdtemp(join(tmpdir(), "autostore-stage-"));
  const building = `${root}.building-${process.pid}`;
  try {
    for (const file of BUILD_INPUTS) await cp(join(repo, file), join(stage, file));
    await cp(join(repo, "src"), join(stage, "src"), { recursive: true });
    await symlink(join(repo, "node_modules"), join(stage, "node_modules"), "dir");
    const env = { ...process.env, npm_config_update_notifier: "false", npm_config_fund: "false" };
    await run("npm", ["run", "build", "--silent"], { cwd: stage, env, maxBuffer: 16 << 20 });
    const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", stage], { cwd: stage, env });
    const [packed] = JSON.parse(stdout) as { filename: string }[];
    if (!packed) throw new Error(`npm pack printed no tarball: ${stdout}`);

    const packageDir = join(building, "node_modules", "autostore-js");
    await mkdir(packageDir, { recursive: true });
    await run("tar", ["-xzf", join(stage, packed.filename), "-C", packageDir, "--strip-components=1"]);
    // The dependencies a user's install would hold next to the package.
    for (const name of await dependencyNames(packageDir)) {
      const link = join(building, "node_modules", name);
      await mkdir(join(link, ".."), { recursive: true });
      await symlink(join(repo, "node_modules", name), link, "dir");
    }
    await rm(root, { recursive: true, force: true });
    await rename(building, root);
    await mkdir(join(root, "ready"));
    await removeOldInstalls();
  } finally {
    await rm(stage, { recursive: true, force: true });
    await rm(building, { recursive: true, force: true });
  }
}

/** Installs of earlier sources, unused for a day: each source change leaves one behind. */
async function removeOldInstalls(): Promise<void> {
  for (const name of await readdir(tmpdir())) {
    if (!/^autostore-packed-[0-9a-f]{16}$/.test(name)) continue;
    const ready = await stat(join(tmpdir(), name, "ready")).catch(() => undefined);
    if (ready && Date.now() - ready.mtimeMs > OLD_INSTALL_MS) {
      await rm(join(tmpdir(), name), { recursive: true, force: true });
    }
  }
}

/** Whether every dependency link of the install still reaches a folder (`stat` follows links). */
async function linksResolve(root: string): Promise<boolean> {
  const names = await dependencyNames(join(root, "node_modules", "autostore-js")).catch(() => []);
  if (names.length === 0) return false;
  for (const name of names) if (!(await exists(join(root, "node_modules", name)))) return false;
  return true;
}

/** The names in the unpacked package's `dependencies` and `peerDependencies`. */
async function dependencyNames(packageDir: string): Promise<string[]> {
  const pkg = JSON.parse(await readFile(join(packageDir, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
  };
  return Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies });
}

/** A hash of the checkout's path and of every file the build reads. */
async function inputsHash(): Promise<string> {
  const hash = createHash("sha256").update(repo).update("\0");
  const files = [
    ...BUILD_INPUTS,
    ...(await listFiles(join(repo, "src"))).map((f) => relative(repo, f)),
  ].sort();
  for (const file of files) {
    hash
      .update(file)
      .update("\0")
      .update(await readFile(join(repo, file)))
      .update("\0");
  }
  return hash.digest("hex").slice(0, 16);
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else out.push(path);
  }
  return out;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
