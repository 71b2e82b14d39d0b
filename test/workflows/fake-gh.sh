#!/usr/bin/env bash
# A stand-in for `gh api` (see fake-gh.ts): serves recorded JSON named after the endpoint, with the real jq.
set -euo pipefail
echo "$*" >> "$FAKE_GH_ROOT/calls.txt"
if [ "$1" != api ]; then echo "fake gh: only 'gh api' is recorded (got $1)" >&2; exit 1; fi
shift
paginate=false; slurp=false; expr=''; endpoint=''
while [ $# -gt 0 ]; do
  case "$1" in
    --paginate) paginate=true ;;
    --slurp) slurp=true ;;
    --jq) expr=$2; shift ;;
    -*) echo "fake gh: unknown flag $1" >&2; exit 1 ;;
    *) endpoint=$1 ;;
  esac
  shift
done
path="$FAKE_GH_ROOT/${endpoint%%\?*}"
if [ -f "$path.json" ]; then
  pages="$path.json"
elif [ -d "$path" ]; then
  pages=$(ls "$path" | sort -n | sed "s|^|$path/|")
  if [ "$paginate" = false ]; then pages=$(echo "$pages" | head -n 1); fi
else
  echo "gh: Not Found (HTTP 404)" >&2; exit 1
fi
if [ "$slurp" = true ]; then jq -s . $pages; exit 0; fi
for page in $pages; do
  if [ -n "$expr" ]; then jq -r "$expr" "$page"; else cat "$page"; fi
done
