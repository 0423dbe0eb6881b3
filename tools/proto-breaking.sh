#!/usr/bin/env bash
# `buf breaking` of the workspace in buf.yaml (the module proto/) against the same protos at the
# baseline commit named in proto/BASELINE, read from this clone's own history (CI's clone has it all).
# An intended break moves proto/BASELINE forward and is recorded in CHANGELOG.md with its reason.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
BASELINE="$(grep -Ev '^[[:space:]]*(#|$)' proto/BASELINE | head -n 1 | tr -d '[:space:]')"
if ! [[ "$BASELINE" =~ ^[0-9a-f]{40}$ ]]; then
  echo "proto-breaking: proto/BASELINE must name a full 40-hex commit hash, found '$BASELINE'" >&2
  exit 2
fi
if ! git cat-file -e "$BASELINE^{commit}" 2>/dev/null; then
  echo "proto-breaking: the baseline commit $BASELINE (proto/BASELINE) is not in this clone; a shallow clone needs 'git fetch --unshallow'" >&2
  exit 2
fi
echo "buf breaking against $(git log -1 --format='%h (%cs)' "$BASELINE"), rules from buf.yaml"
"$ROOT/node_modules/.bin/buf" breaking --against ".git#ref=$BASELINE"
echo "no breaking change in proto/ since $(git rev-parse --short "$BASELINE")"
