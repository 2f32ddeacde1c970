import { AutoStore, MemoryBackend } from "../../src/browser/index.js";
import { testBackend } from "../conformance/backend.js";
import { testStore } from "../conformance/store.js";
import { testValues } from "../conformance/values.js";

testBackend("memory in Chromium", async () => ({ backend: new MemoryBackend() }));

testStore("memory in Chromium", async () => {
  const name = `t-${crypto.randomUUID()}`;
  return { store: new AutoStore(`memory://${name}`), cleanup: async () => MemoryBackend.drop(name) };
});

testValues("memory in Chromium", async () => {
  const name = `v-${crypto.randomUUID()}`;
  return { store: new AutoStore(`memory://${name}`), cleanup: async () => MemoryBackend.drop(name) };
});
