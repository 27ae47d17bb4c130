import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ANNOTATION_LIMITS,
  annotationBody,
  annotationChanges,
  charCount,
  EMPTY_FORM,
  errorField,
  formOf,
  ownerCell,
  ticketHref,
  validateAnnotation,
  withAnnotation,
} from "../lib/annotations.ts";
import type { RecordAnnotation } from "../lib/schemas.ts";

const own = (patch: Partial<RecordAnnotation> = {}): RecordAnnotation => ({
  owner: "alice@example.com",
  team: "payments",
  ticket: null,
  notes: null,
  version: 2,
  updated_by: "local",
  updated_at: "2026-12-04T10:00:00.000000Z",
  inherited: false,
  ...patch,
});

describe("annotations", () => {
  it("validates as the API does: limits in characters, control characters, one field set", () => {
    assert.deepEqual(validateAnnotation({ ...EMPTY_FORM, owner: "alice" }), []);
    assert.deepEqual(
      validateAnnotation({ ...EMPTY_FORM, owner: "x".repeat(201) }).map((e) => [
        e.field,
        e.message,
      ]),
      [["owner", "Owner: at most 200 characters, got 201"]],
    );
    assert.deepEqual(validateAnnotation({ ...EMPTY_FORM, owner: "x".repeat(200) }), []);
    // 2,000 two-unit characters are 2,000 characters, as the API counts them.
    assert.equal(charCount("😀".repeat(2000)), 2000);
    assert.deepEqual(validateAnnotation({ ...EMPTY_FORM, notes: "😀".repeat(2000) }), []);
    assert.equal(validateAnnotation({ ...EMPTY_FORM, notes: "é".repeat(2001) })[0]?.field, "notes");
    assert.equal(ANNOTATION_LIMITS.ticket, 500);
    assert.equal(
      validateAnnotation({ ...EMPTY_FORM, ticket: "t".repeat(501) })[0]?.field,
      "ticket",
    );
    // Notes keep tabs and line breaks; nothing else does.
    assert.deepEqual(validateAnnotation({ ...EMPTY_FORM, notes: "one\n\ttwo\r\n" }), []);
    assert.match(
      validateAnnotation({ ...EMPTY_FORM, owner: "a\nb" })[0]?.message ?? "",
      /^Owner: control character U\+000A is not allowed$/,
    );
    assert.match(
      validateAnnotation({ ...EMPTY_FORM, team: "a\u0007b" })[0]?.message ?? "",
      /U\+0007/,
    );
    assert.match(
      validateAnnotation({ ...EMPTY_FORM, notes: "a\u0085" })[0]?.message ?? "",
      /U\+0085 is not allowed \(line breaks and tabs are\)/,
    );
    // Nothing set (blank is not set).
    const none = validateAnnotation({ owner: " ", team: "", ticket: "  ", notes: "\n" });
    assert.equal(none.length, 1);
    assert.equal(none[0]?.field, null);
    assert.match(none[0]?.message ?? "", /at least one/);
  });

  it("sends each field trimmed, blank as null", () => {
    assert.deepEqual(
      annotationBody({ owner: "  alice ", team: "", ticket: " ", notes: "line\n  two  " }),
      { owner: "alice", team: null, ticket: null, notes: "line\n  two" },
    );
    assert.deepEqual(formOf(null), EMPTY_FORM);
    assert.deepEqual(formOf(own()), {
      owner: "alice@example.com",
      team: "payments",
      ticket: "",
      notes: "",
    });
  });

  it("tells which field an API error is about", () => {
    assert.equal(errorField("owner: at most 200 characters, got 201"), "owner");
    assert.equal(errorField("notes: control character U+0007 is not allowed"), "notes");
    assert.equal(errorField("colour: unknown field"), null);
    assert.equal(errorField("not an editor"), null);
  });

  it("links a ticket only when it is an http(s) URL", () => {
    assert.equal(
      ticketHref("https://tickets.example.com/OPS-1234"),
      "https://tickets.example.com/OPS-1234",
    );
    assert.equal(ticketHref(" http://example.com/a?b=c "), "http://example.com/a?b=c");
    assert.equal(ticketHref("HTTPS://EXAMPLE.COM/x"), "https://example.com/x");
    for (const bad of [
      "javascript:alert(1)",
      "JavaScript:alert(1)",
      " javascript:alert(1)",
      "data:text/html,<script>alert(1)</script>",
      "vbscript:msgbox(1)",
      "//evil.example.com/",
      "OPS-1234",
      "ftp://example.com/",
      "https://",
      "http:/example.com",
      "",
      null,
      undefined,
    ])
      assert.equal(ticketHref(bad), null, String(bad));
  });

  it("lists the fields an edit changed", () => {
    assert.deepEqual(
      annotationChanges(
        { owner: "alice", team: "payments", ticket: null, notes: "n" },
        { owner: "bob", team: "payments", ticket: "OPS-1", notes: null },
      ),
      [
        { field: "owner", before: "alice", after: "bob" },
        { field: "ticket", before: null, after: "OPS-1" },
        { field: "notes", before: "n", after: null },
      ],
    );
    // The first edit, and a clear.
    assert.deepEqual(
      annotationChanges(null, { owner: "alice", team: null, ticket: null, notes: null }),
      [{ field: "owner", before: null, after: "alice" }],
    );
    assert.deepEqual(
      annotationChanges({ owner: null, team: "t", ticket: null, notes: null }, null),
      [{ field: "team", before: "t", after: null }],
    );
    assert.deepEqual(annotationChanges(null, null), []);
  });

  it("shows the owner, else the team, muted when inherited, else the attribution", () => {
    assert.deepEqual(ownerCell({ annotation: own(), attribution: null }), {
      text: "alice@example.com",
      muted: false,
      title: "owner alice@example.com, team payments",
    });
    assert.deepEqual(
      ownerCell({ annotation: own({ owner: null, inherited: true }), attribution: null }),
      { text: "payments", muted: true, title: "team payments (inherited from the zone)" },
    );
    const attribution = {
      source: "external-dns",
      owner: "prod",
      resource: "ingress/shop/web",
      txt_name: "a-www.example.com.",
      summary: "managed by external-dns (owner prod, resource ingress/shop/web)",
    };
    assert.deepEqual(ownerCell({ annotation: null, attribution }), {
      text: "external-dns",
      muted: true,
      title: "managed by external-dns (owner prod, resource ingress/shop/web)",
    });
    // Only notes: nobody owns it, but the attribution still says who manages it.
    assert.equal(
      ownerCell({ annotation: own({ owner: null, team: null, notes: "x" }), attribution })?.text,
      "external-dns",
    );
    assert.equal(ownerCell({ annotation: null, attribution: null }), null);
  });

  it("puts a saved annotation on the record at once (own, the next version), or clears it", () => {
    const fields = { owner: "bob", team: null, ticket: null, notes: null };
    const r = withAnnotation({ id: 1, annotation: own() }, fields, "local", "2026-12-05T00:00:00Z");
    assert.deepEqual(r, {
      id: 1,
      annotation: {
        ...fields,
        version: 3,
        updated_by: "local",
        updated_at: "2026-12-05T00:00:00Z",
        inherited: false,
      },
    });
    const first = withAnnotation({ annotation: own({ inherited: true }) }, fields, "me", "t");
    assert.equal(first.annotation?.version, 1, "the zone's version is not the record's");
    assert.equal(first.annotation?.inherited, false);
    assert.equal(withAnnotation({ annotation: own() }, null, "me", "t").annotation, null);
  });
});
