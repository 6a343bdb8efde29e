#!/usr/bin/env bash
# The wheel as a user installs it: built from this checkout, installed with its dependencies into a
# fresh virtualenv in a temporary folder outside the checkout, and run from there on the bundled
# room. Fails when a command needs a file that the wheel does not carry.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python="${PYTHON:-python3}"

echo "wheel-check: building the wheel"
"$root/.venv/bin/python" -m pip wheel -q --no-deps "$root" -w "$work/dist"
"$python" -m venv "$work/venv"
pip=("$work/venv/bin/python" -m pip install -q --disable-pip-version-check)
# torch's CPU build first, as the README says, so nothing pulls a CUDA build.
"${pip[@]}" torch==2.13.0
"${pip[@]}" "$work"/dist/livemod-*.whl
cd "$work"  # nothing of the checkout is on the path from here
export LIVEMOD_DATA_DIR="$work/data"
livemod="$work/venv/bin/livemod"

where="$("$work/venv/bin/python" -c 'import livemod; print(livemod.__file__)')"
case "$where" in "$work"/venv/*) ;; *) echo "wheel-check: livemod was imported from $where, not the wheel" >&2; exit 1;; esac

"$livemod" setup
echo "原价三百九十九今天只要六十九，全网最低" | "$livemod" classify > classify.jsonl
grep -q '"unclear_pricing"' classify.jsonl || { echo "wheel-check: classify found no unclear_pricing:" >&2; cat classify.jsonl >&2; exit 1; }
grep -Eq '"model": "[^"]+"' classify.jsonl || { echo "wheel-check: the learned classifier did not take part:" >&2; cat classify.jsonl >&2; exit 1; }
# The demo room travels in the wheel; scan it from there.
room="$("$work/venv/bin/python" -c 'from livemod.resources import shipped_path; print(shipped_path("fixtures/room_demo.opus"))')"
case "$room" in "$work"/venv/*) ;; *) echo "wheel-check: the demo room resolved to $room, outside the wheel" >&2; exit 1;; esac
"$livemod" scan "$room" --json > scan.jsonl
findings="$(wc -l < scan.jsonl)"
[ "$findings" -ge 5 ] || { echo "wheel-check: scan of the demo room gave $findings findings" >&2; exit 1; }
echo "wheel-check: ok (classify flagged the line; scan of the packaged demo room: $findings findings)"
