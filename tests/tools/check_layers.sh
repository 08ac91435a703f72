#!/usr/bin/env bash
# The server's wings include only the ones below them (server/CMakeLists.txt lists the order):
#   base < rules < store < config < vendor < usecase < http < sandbox < main.cpp
# A file may include its own wing, a lower one, the core (nv/...) and system headers; anything else fails.
# Usage: tests/tools/check_layers.sh [SERVER_SRC]   (default: the repository's server/src)
set -euo pipefail
src=${1:-$(cd "$(dirname "$0")/../../server/src" && pwd)}
order=(base rules store config vendor usecase http sandbox)
rank() {  # wing name -> its position (main.cpp is above everything)
  local i
  for i in "${!order[@]}"; do [[ ${order[$i]} == "$1" ]] && { echo "$i"; return; }; done
  echo "unknown"
}
bad=0 checked=0
while IFS= read -r file; do
  rel=${file#"$src"/}
  if [[ $rel == */* ]]; then wing=${rel%%/*}; mine=$(rank "$wing"); else mine=${#order[@]}; fi
  if [[ $mine == unknown ]]; then echo "check_layers: $rel is in no known wing (${order[*]})"; bad=1; continue; fi
  while IFS= read -r inc; do
    [[ $inc == nv/* ]] && continue
    target=${inc%%/*}
    theirs=$(rank "$target")
    if [[ $inc != */* || $theirs == unknown ]]; then
      echo "check_layers: $rel includes \"$inc\", which names no wing"; bad=1
    elif ((theirs > mine)); then
      echo "check_layers: $rel (${wing:-main}) includes \"$inc\" from the higher wing $target"; bad=1
    fi
    checked=$((checked + 1))
  done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$file")
done < <(find "$src" -name '*.cpp' -o -name '*.hpp' | sort)
((checked > 0)) || { echo "check_layers: no includes found under $src"; exit 1; }
((bad == 0)) && echo "check_layers: $checked project includes under $src, all pointing down (${order[*]} < main)"
exit "$bad"
