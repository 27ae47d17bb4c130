// Findings (issue 20): the `/api/findings` query of the findings view, and how kinds and
// statuses read in words. Pure, unit-tested.
import type { FindingFilters } from "./schemas.ts";

/** The kinds of finding, as `/api/findings` takes them, with a short label for people. */
export const KIND_LABELS: Record<string, string> = {
  dangling_ip: "Dangling IP",
  dangling_s3_website: "Dangling S3 website",
  dangling_cloudfront: "Dangling CloudFront",
  dangling_elastic_beanstalk: "Dangling Elastic Beanstalk",
  dangling_ns_delegation: "Dangling NS delegation",
  alias_target_missing: "Alias target missing",
  health_check_missing: "Health check missing",
  private_ip_in_public_zone: "Private IP in public zone",
};

/** "Dangling IP" for `dangling_ip`; a kind this dashboard does not know reads as it is. */
export function kindLabel(kind: string): string {
  return KIND_LABELS[kind] ?? kind;
}

/** The findings filters as `/api/findings` query parameters; empty ones are left out. */
export function findingParams(
  f: FindingFilters,
  cursor: string | null,
  limit: number,
): URLSearchParams {
  const p = new URLSearchParams();
  for (const k of ["status", "kind", "severity", "account"] as const) {
    const v = f[k].trim();
    if (v) p.set(k, v);
  }
  p.set("limit", String(limit));
  if (cursor) p.set("cursor", cursor);
  return p;
}

/** Counts by kind, largest first, then by label: the findings view's summary. */
export function kindsByCount(byKind: Record<string, number>): Array<[string, number]> {
  return Object.entries(byKind)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || kindLabel(a[0]).localeCompare(kindLabel(b[0])));
}
