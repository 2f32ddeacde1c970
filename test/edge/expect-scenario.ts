/**
 * What every edge runtime's run of the scenario must show (Node side: it reads the server with an
 * independent client, so it stays out of the bundled `scenario.ts`).
 */
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { expect } from "vitest";
import { rawS3Client, type S3Server } from "../helpers/s3-server.js";
import { EXPECTED_STORE, type ScenarioReport } from "./scenario.js";

/** No Node globals and no DOMParser in the runtime; both stores behaved; the objects are on the server. */
export async function expectScenario(report: ScenarioReport, s3: S3Server, prefix: string): Promise<void> {
  expect(report.runtime).toEqual({
    process: "undefined",
    require: "undefined",
    DOMParser: "undefined",
    Buffer: "undefined",
  });
  expect(report.memory).toEqual(EXPECTED_STORE);
  expect(report.s3).toEqual(EXPECTED_STORE);
  const listed = await rawS3Client(s3).send(
    new ListObjectsV2Command({ Bucket: "edge", Prefix: `${prefix}/` }),
  );
  expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual([
    `${prefix}/notes/deep/raw.bin`,
    `${prefix}/notes/tom & jerry.txt`,
  ]);
}
