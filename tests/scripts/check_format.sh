#!/usr/bin/env bash
# Every C++ file of sim/, models/, traces/, tests/ and bench/ is formatted as .clang-format says
# (clang-format 14, the Debian 12 package; other versions format differently).
# Usage: check_format.sh [REPO]      exit 0: formatted; 1: not (the diffs are printed);
#                                    77: no clang-format-14 here.
# To fix: clang-format-14 -i FILE...
set -euo pipefail
repo=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
format=${RLISIM_CLANG_FORMAT:-clang-format-14}
if ! command -v "$format" >/dev/null 2>&1; then
  echo "SKIP: $format not found (apt-get install clang-format-14)"
  exit 77
fi
cd "$repo"
mapfile -t files < <(find sim models traces tests bench -type f \
  \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' -o -name '*.cc' \) | LC_ALL=C sort)
if [[ ${#files[@]} -eq 0 ]]; then
  echo "FAIL: no C++ files under $repo" >&2
  exit 1
fi
# One run over all files; its warnings name each file and line that would change.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if "$format" --dry-run --Werror "${files[@]}" 2>"$log"; then
  echo "${#files[@]} files formatted"
  exit 0
fi
mapfile -t bad < <(grep -o '^[^:]*:[0-9]*:[0-9]*: error' "$log" | cut -d: -f1 | LC_ALL=C sort -u)
if [[ ${#bad[@]} -eq 0 ]]; then
  cat "$log" >&2
  echo "FAIL: $format failed" >&2
  exit 1
fi
for f in "${bad[@]}"; do
  echo "not formatted: $f" >&2
  diff -u "$f" <("$format" "$f") | head -40 >&2 || true
done
echo "FAIL: ${#bad[@]} of ${#files[@]} files not formatted; run: $format -i FILE..." >&2
exit 1
