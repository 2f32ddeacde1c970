import { MemoryBackend } from "../../src/core/index.js";
import { testBackend } from "../conformance/backend.js";

testBackend("memory in Chromium", async () => ({ backend: new MemoryBackend() }));
