import { join } from "node:path";
import { AutoStore, DiskBackend } from "../../src/node/index.js";
import { testBackend } from "../conformance/backend.js";
import { testStore } from "../conformance/store.js";
import { testValues } from "../conformance/values.js";
import { tempDir } from "../helpers/tmp.js";

testBackend("disk", async () => {
  const dir = await tempDir();
  return { backend: new DiskBackend(join(dir.path, "root")), cleanup: dir.remove };
});

testStore("disk", async () => {
  const dir = await tempDir();
  return { store: new AutoStore(join(dir.path, "data")), cleanup: dir.remove };
});

testValues("disk", async () => {
  const dir = await tempDir();
  return { store: new AutoStore(join(dir.path, "data")), cleanup: dir.remove };
});
