#!/usr/bin/env bash
# check-structure.sh [ROOT] — check the repository's structure rules (DESIGN.md §Layers and
# §Comments and citations) and print every violation as FILE:LINE: RULE: the line. Exit status 0
# when there is none, 1 otherwise. bash, grep and awk only (a fresh Debian has no python3).
#
# Rules:
#   layer     an #include "DIR/..." that goes up the layer rule tools -> models -> kernels -> src
#             (src/ includes only src/; kernels/ src/ and kernels/; models/ src/ kernels/ models/;
#             audio/ and genomics/ src/ and themselves; tools/ anything), or kernels/cuda/
#             including kernels/cpu/
#   citation  a citation of a document outside the repository: ../shared, a papers/ file or a PDF,
#             a DESIGN.md behind a folder (the repository's own is the top-level DESIGN.md), a
#             FILE.md that is not in the repository (relative to the citing file or to ROOT), or
#             "FILE.md §Section" where FILE.md has no heading that starts the same way, or a
#             source/script path under a project folder (models/sk_x.h, tools/x.sh) that no
#             longer exists
#   issue     an "issue N" reference in code, CMake, scripts or docs: say what it means instead
#   modelkind a branch on the model kind in tools/ (a `unet` identifier in an if/switch/while/?:,
#             ->unet, .unet, is_unet, or a string compare against an arch name): tools/ calls the
#             model interface of models/ and never asks which model it has
#
# Files: those tools/repo-files.sh lists (git's tracked and untracked-but-not-ignored files, or
# every file of an unpacked tarball). This script itself is not scanned for citations and issues.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=${1:-$here/..}
cd "$root" || exit 2
root=$(pwd)
self=tools/check-structure.sh

files=()
while IFS= read -r f; do [ "$f" != "$self" ] && files+=("$f"); done < <(bash "$here/repo-files.sh" "$root")

code=() text=()
for f in "${files[@]}"; do
  case "$f" in
    src/* | kernels/* | models/* | audio/* | genomics/* | tools/*)
      case "$f" in *.c | *.h | *.cu | *.cuh | *.inc | *.cpp) code+=("$f") ;; esac ;;
  esac
  case "$f" in
    *.c | *.h | *.cu | *.cuh | *.inc | *.cpp | *.py | *.sh | *.cmake | *.cmake.in | *.in | *CMakeLists.txt | *.md | *.json | *.txt | \
      .gitignore)
      text+=("$f") ;;
  esac
done
mdlist=$(printf '%s\n' "${files[@]}" | grep '\.md$')

out=$(mktemp)
trap 'rm -f "$out"' EXIT

# ---- layer: #include "DIR/..." against the layer rule -------------------------------------------
[ ${#code[@]} -gt 0 ] && awk '
  BEGIN {
    ok["src"] = " src "; ok["kernels"] = " src kernels "; ok["models"] = " src kernels models "
    ok["audio"] = " src audio "; ok["genomics"] = " src genomics "
    repo = " src kernels models audio genomics tools tests "
  }
  FNR == 1 { dir = FILENAME; sub(/\/[^\/]*$/, "", dir); top = FILENAME; sub(/\/.*/, "", top) }
  /^[ \t]*#[ \t]*include[ \t]*"/ {
    inc = $0; sub(/^[ \t]*#[ \t]*include[ \t]*"/, "", inc); sub(/".*/, "", inc)
    path = inc
    if (path !~ /\//) path = dir "/" path
    else if (path ~ /^\.\.?\//) path = dir "/" path
    n = split(path, part, "/"); k = 0
    for (i = 1; i <= n; i++) {
      if (part[i] == "." || part[i] == "") continue
      if (part[i] == ".." && k > 0) { k--; continue }
      stack[++k] = part[i]
    }
    path = stack[1]; for (i = 2; i <= k; i++) path = path "/" stack[i]
    to = stack[1]
    if (index(repo, " " to " ") == 0) next          # not a repository folder: a library header
    if (FILENAME ~ /^kernels\/cuda\// && path ~ /^kernels\/cpu\//) {
      printf "%s:%d: layer: kernels/cuda includes kernels/cpu (%s)\n", FILENAME, FNR, inc; next
    }
    if (top in ok && index(ok[top], " " to " ") == 0)
      printf "%s:%d: layer: %s/ may include only%s(not %s)\n", FILENAME, FNR, top, ok[top], inc
  }' "${code[@]}" >>"$out"

# ---- citation and issue: every text file ----------------------------------------------------------
[ ${#text[@]} -gt 0 ] && printf '%s\n' "$mdlist" | awk '
  FILENAME == "-" { md[$0] = 1; next }
  FNR == 1 { dir = FILENAME; if (dir ~ /\//) sub(/\/[^\/]*$/, "/", dir); else dir = "" }
  {
    line = $0
    if (line ~ /\.\.\/shared|\/work\/shared|(^|[^A-Za-z0-9_])papers\/|\.pdf([^A-Za-z0-9_]|$)/)
      printf "%s:%d: citation: a document outside the repository: %s\n", FILENAME, FNR, line
    else if (line ~ /[A-Za-z0-9_.-]\/DESIGN\.md/)
      printf "%s:%d: citation: DESIGN.md behind a folder (cite the top-level DESIGN.md): %s\n", FILENAME, FNR, line
    else {
      rest = line
      while (match(rest, /[A-Za-z0-9_.\/-]*[A-Za-z0-9_-]\.md([^A-Za-z0-9_]|$)/)) {
        ref = substr(rest, RSTART, RLENGTH); rest = substr(rest, RSTART + RLENGTH)
        sub(/[^A-Za-z0-9_]$/, "", ref)
        pre = substr(line, 1, index(line, ref) - 1)
        if (pre ~ /https?:\/\/[^ ]*$/) continue         # part of a URL
        r = ref; sub(/^\.\//, "", r)
        if (r ~ /(^|\/)RESULTS\.md$/ && !(r in md)) continue  # written by tools/reproduce.sh, committed after a full run
        if ((dir r) in md) r = dir r
        else if (!(r in md)) {
          printf "%s:%d: citation: %s is not in the repository: %s\n", FILENAME, FNR, ref, line
          break
        }
        if (rest !~ /^[` ]*§/) continue                  # FILE.md §Section: the section must exist
        sec = rest; sub(/^[` ]*§ */, "", sec); sub(/[),;:`.].*$/, "", sec); sub(/[*\/ ]+$/, "", sec)
        if (sec == "" || sec ~ /^[0-9]/) {
          printf "%s:%d: citation: cite a section of %s by its title, not a number: %s\n", FILENAME, FNR, r, line
          continue
        }
        if (!(r in loaded)) {
          loaded[r] = 1
          while ((getline h < r) > 0) if (h ~ /^#+ /) { sub(/^#+ +/, "", h); heads[r] = heads[r] "\n" h }
          close(r)
        }
        n = split(heads[r], hl, "\n"); found = 0
        for (i = 2; i <= n; i++)
          if (index(hl[i], sec) == 1 || index(sec, hl[i]) == 1) found = 1
        if (!found) printf "%s:%d: citation: %s has no section \"%s\": %s\n", FILENAME, FNR, r, sec, line
      }
    }
    if (line ~ /(^|[^A-Za-z])[Ii]ssues?[ \t]*#?[0-9]/ || line ~ /\([Ii]ssue:/)
      printf "%s:%d: issue: an issue number says nothing in the repository; say what it means: %s\n", FILENAME, FNR, line
  }' - "${text[@]}" >>"$out"

# ---- citation of a repository file that is not there (a moved or deleted source file) ----
# A path under one of the project's folders (src/ kernels/ models/ audio/ genomics/ tools/ tests/)
# with a source or script ending must name a file of the repository; NAME-style placeholders
# (an upper-case word) are left alone.
[ ${#text[@]} -gt 0 ] && printf '%s\n' "${files[@]}" "$self" | awk '
  FILENAME == "-" { have[$0] = 1; next }
  {
    rest = $0
    while (match(rest, /(src|kernels|models|audio|genomics|tools|tests)\/[A-Za-z0-9_.\/-]+\.(h|c|cu|cuh|inc|def|cpp|sh|py)([^A-Za-z0-9_]|$)/)) {
      ref = substr(rest, RSTART, RLENGTH); rest = substr(rest, RSTART + RLENGTH)
      sub(/[^A-Za-z0-9_]$/, "", ref)
      pre = substr($0, 1, index($0, ref) - 1)
      if (pre ~ /[A-Za-z0-9_.\/-]$/) continue                   # inside a longer path
      if (ref ~ /[A-Z][A-Z]+/ || (ref in have)) continue
      printf "%s:%d: citation: %s is not in the repository: %s\n", FILENAME, FNR, ref, $0
    }
  }' - "${text[@]}" >>"$out"

# ---- modelkind: branches on the model kind in tools/ ------------------------------------------------
tools_code=()
for f in "${code[@]}"; do case "$f" in tools/*) tools_code+=("$f") ;; esac; done
[ ${#tools_code[@]} -gt 0 ] && awk '
  FNR == 1 { inc = 0 }
  {
    line = $0
    if (inc) { if (match(line, /\*\//)) { line = substr(line, RSTART + 2); inc = 0 } else next }
    gsub(/\047([^\047\\]|\\.)*\047/, "\047\047", line)               # char literals
    raw = line                                                        # strings kept
    gsub(/"([^"\\]|\\.)*"/, "\"\"", line)                             # strings emptied
    while (match(line, /\/\*/)) {
      head = substr(line, 1, RSTART - 1); tail = substr(line, RSTART + 2)
      if (match(tail, /\*\//)) line = head " " substr(tail, RSTART + 2)
      else { line = head; inc = 1 }
    }
    sub(/\/\/.*/, "", line)
    w = "(^|[^A-Za-z0-9_])"; e = "([^A-Za-z0-9_]|$)"
    why = ""
    if (line ~ ("(->|\\.)[ \t]*unet" e)) why = "a unet member"
    else if (line ~ ("is_unet" e)) why = "an is_unet test"
    else if (line ~ (w "unet" e) && line ~ ("(" w "(if|switch|while)[ \t]*\\(|\\?)")) why = "a branch on unet"
    else if (raw ~ /str(n|case|ncase)?cmp[ \t]*\(/ && (raw ~ /"(unet|mamba-lm|mamba-classifier|mamba|lm|classifier|s4|sashimi)"/ || line ~ (w "arch" e)))
      why = "a compare against an arch name"
    if (why != "") printf "%s:%d: modelkind: %s in tools/ (use the model interface of models/): %s\n", FILENAME, FNR, why, $0
  }' "${tools_code[@]}" >>"$out"

if [ -s "$out" ]; then
  cat "$out"
  echo "check-structure: $(wc -l <"$out") violations ($(awk -F': ' '{print $2}' "$out" | sort | uniq -c | awk '{printf "%s%s %s", s, $1, $2; s=", "}'))" >&2
  exit 1
fi
echo "check-structure: ok (${#code[@]} code files, ${#text[@]} text files)"
