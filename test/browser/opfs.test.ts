import { AutoStore, OpfsBackend } from "../../src/browser/index.js";
import { testBackend } from "../conformance/backend.js";
import { testStore } from "../conformance/store.js";
import { testValues } from "../conformance/values.js";
import { opfsFolder } from "./opfs-fixture.js";

testBackend("OPFS", async () => {
  const folder = await opfsFolder("backend");
  return { backend: new OpfsBackend(folder.name), cleanup: folder.remove };
});

testStore(
  "OPFS",
  async () => {
    const folder = await opfsFolder("store");
    return { store: new AutoStore(`opfs://${folder.name}`), cleanup: folder.remove };
  },
  { propertyRuns: 25 },
);

testValues(
  "OPFS",
  async () => {
    const folder = await opfsFolder("values");
    // A bare root names an OPFS folder in the browser build.
    return { store: new AutoStore(folder.name), cleanup: folder.remove };
  },
  { numRuns: 25 },
);
