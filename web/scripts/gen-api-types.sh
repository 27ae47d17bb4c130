#!/usr/bin/env bash
# The one contract between the API and the dashboard, regenerated:
#   src/lib/openapi.json  the API's OpenAPI document (what /api/openapi.json serves), dumped
#                         without a server by the api crate's `openapi` example;
#   src/lib/api-types.ts  the dashboard's types, generated from that document by
#                         openapi-typescript (tools/openapi: a package of its own, because
#                         openapi-typescript needs TypeScript 5's JS API and the dashboard
#                         builds with TypeScript 7, which has none).
# Commit both. The api crate's tests fail when openapi.json is not the API's document.
#
#   web/scripts/gen-api-types.sh           regenerate both (needs cargo and npm)
#   web/scripts/gen-api-types.sh --check   regenerate api-types.ts from the checked-in
#                                          openapi.json into a temporary file and fail unless
#                                          it is the checked-in one, byte for byte (npm only;
#                                          the web stage runs this)
set -euo pipefail

WEB="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="$(cd "$WEB/.." && pwd)"
TOOLS="$WEB/tools/openapi"
DOC="$WEB/src/lib/openapi.json"
TYPES="$WEB/src/lib/api-types.ts"

check=0
case "${1:-}" in
  "") ;;
  --check) check=1 ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

(cd "$TOOLS" && npm ci --no-audit --no-fund --loglevel=error)

generate() { # generate OUT: api-types.ts from the checked-in document
  (cd "$WEB" && "$TOOLS/node_modules/.bin/openapi-typescript" src/lib/openapi.json --output "$1")
}

if ((check)); then
  [[ -f $DOC ]] || { echo "no $DOC: run web/scripts/gen-api-types.sh" >&2; exit 1; }
  tmp="$(mktemp "${TMPDIR:-/tmp}/api-types.XXXXXX.ts")"
  trap 'rm -f "$tmp"' EXIT
  generate "$tmp"
  if ! cmp -s "$tmp" "$TYPES"; then
    diff -u "$TYPES" "$tmp" | head -n 40 || true
    echo "src/lib/api-types.ts is not what openapi-typescript generates from src/lib/openapi.json:" >&2
    echo "run web/scripts/gen-api-types.sh and commit both files" >&2
    exit 1
  fi
  echo "src/lib/api-types.ts is generated from src/lib/openapi.json"
  exit 0
fi

(cd "$ROOT" && cargo run --quiet -p zonetrail-api --example openapi) >"$DOC.tmp"
mv "$DOC.tmp" "$DOC"
generate "$TYPES"
echo "wrote ${DOC#"$ROOT"/} and ${TYPES#"$ROOT"/}"
