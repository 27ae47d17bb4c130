import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findingParams, kindLabel, kindsByCount } from "../lib/findings.ts";

describe("findings", () => {
  it("sends only the filters that are set, with the page's limit and cursor", () => {
    const none = { status: "", kind: "", severity: "", account: "" };
    assert.equal(findingParams(none, null, 100).toString(), "limit=100");
    assert.equal(
      findingParams(
        { status: "resolved", kind: "dangling_ip", severity: " high ", account: "123456789012" },
        "abc.def",
        50,
      ).toString(),
      "status=resolved&kind=dangling_ip&severity=high&account=123456789012&limit=50&cursor=abc.def",
    );
  });

  it("names kinds in words, and shows an unknown kind as it is", () => {
    assert.equal(kindLabel("dangling_s3_website"), "Dangling S3 website");
    assert.equal(kindLabel("newer_kind"), "newer_kind");
  });

  it("orders the counts by kind largest first, leaving out zeros", () => {
    assert.deepEqual(
      kindsByCount({ alias_target_missing: 1, dangling_ip: 3, dangling_cloudfront: 1, x: 0 }),
      [
        ["dangling_ip", 3],
        ["alias_target_missing", 1],
        ["dangling_cloudfront", 1],
      ],
    );
  });
});
