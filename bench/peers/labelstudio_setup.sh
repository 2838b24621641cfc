#!/usr/bin/env bash
# The Label Studio peer for bench/bench_serving.py, entirely outside the repo:
#   1. a throwaway venv (default /tmp/ls-venv) with `pip install label-studio`;
#   2. `label-studio init` with its default SQLite in a data dir (default /tmp/lsbench/data),
#      an admin with a legacy API token, and N annotators with their own tokens;
#   3. `label-studio start` on 127.0.0.1, one project with a two-choice classification config,
#      the same items bench_import.write_items(N) makes for Tessera, imported through
#      POST /api/projects/{id}/import in chunks; then the server is stopped.
# It writes /tmp/lsbench/ls.json, which `bench_serving.py --labelstudio` reads; the bench
# starts Label Studio on a copy of the data dir, so every run begins from the same state.
#
# Usage: bench/peers/labelstudio_setup.sh [ITEMS=100000] [ANNOTATORS=32]
set -euo pipefail
ITEMS="${1:-100000}"
ANNOTATORS="${2:-32}"
VENV="${LS_VENV:-/tmp/ls-venv}"
WORK="${LS_WORK:-/tmp/lsbench}"
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO_PY="${TESSERA_PYTHON:-$HERE/../../.venv/bin/python}"

if [ ! -x "$VENV/bin/label-studio" ]; then
  "${PYTHON:-python3.11}" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --upgrade pip
  # sentry-sdk 3 drops an option Label Studio 1.23 still passes at start-up.
  "$VENV/bin/pip" install label-studio 'sentry-sdk<3'
fi
rm -rf "$WORK/data" && mkdir -p "$WORK/data"

# The very items Tessera's project gets (same generator, same seed).
(cd "$HERE/.." && "$REPO_PY" -c "import sys; from pathlib import Path; from bench_import import write_items; write_items(Path(sys.argv[1]), int(sys.argv[2]))" "$WORK/items-$ITEMS.jsonl" "$ITEMS")

export LABEL_STUDIO_BASE_DATA_DIR="$WORK/data" LATEST_VERSION_CHECK=false COLLECT_ANALYTICS=false
ADMIN_TOKEN="bench$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
"$VENV/bin/label-studio" init --data-dir "$WORK/data" --username admin@example.org \
  --password 'bench password 123' --user-token "$ADMIN_TOKEN" --enable-legacy-api-token -q \
  > "$WORK/init.log" 2>&1 || { tail -30 "$WORK/init.log"; exit 1; }

"$VENV/bin/python" "$HERE/labelstudio_setup.py" --venv "$VENV" --work "$WORK" \
  --items "$ITEMS" --annotators "$ANNOTATORS" --admin-token "$ADMIN_TOKEN"
