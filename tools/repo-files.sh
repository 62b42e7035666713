#!/usr/bin/env bash
# repo-files.sh [ROOT] — print the repository's files, one per line, relative to ROOT and sorted:
# those git lists (tracked, and untracked but not ignored) when ROOT is the top of a git checkout;
# otherwise (an unpacked tarball) every file but .git/, build*/ and the top-level folders that
# .gitignore names as /NAME/. Used by tools/check-structure.sh and tools/code-share.sh.
set -uo pipefail
cd "${1:-$(dirname "$0")/..}" || exit 2
if [ "$(git rev-parse --show-toplevel 2>/dev/null)" = "$(pwd -P)" ]; then
  git ls-files --cached --others --exclude-standard | sort -u | while IFS= read -r f; do [ -f "$f" ] && printf '%s\n' "$f"; done
else
  prune=(-name .git -o -path './build*')
  if [ -f .gitignore ]; then
    while IFS= read -r d; do prune+=(-o -path "./$d"); done < <(sed -n 's#^/\([^*/]*\)/$#\1#p' .gitignore)
  fi
  find . \( "${prune[@]}" \) -prune -o -type f -print | sed 's#^\./##' | sort
fi
