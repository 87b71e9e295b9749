#!/usr/bin/env bash
# Print the path of a Python interpreter whose version is MIN..MAX (e.g. 3.10 3.10 or 3.11 3.99).
# Looks on PATH, in pyenv and in the usual system places; prints nothing and fails if none fits.
set -euo pipefail
min=$1 max=$2
fits() {
  "$1" -c "import sys; v=sys.version_info[:2]; lo=tuple(map(int,'$min'.split('.'))); hi=tuple(map(int,'$max'.split('.'))); sys.exit(0 if lo<=v<=hi else 1)" 2>/dev/null
}
candidates=(python3 "python$min" python3.13 python3.12 python3.11 python3.10)
pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}
if command -v pyenv >/dev/null 2>&1; then pyenv_root=$(pyenv root); fi
for dir in "$pyenv_root"/versions/"$min"*/bin "$pyenv_root"/versions/3.*/bin /usr/local/bin /usr/bin; do
  [ -d "$dir" ] && candidates+=("$dir/python3")
done
for candidate in "${candidates[@]}"; do
  path=$(command -v "$candidate" 2>/dev/null || true)
  [ -n "$path" ] || continue
  # pyenv shims exist for versions that are not active; ask the interpreter itself.
  real=$("$path" -c 'import sys; print(sys.executable)' 2>/dev/null || true)
  if [ -n "$real" ] && fits "$real"; then echo "$real"; exit 0; fi
done
exit 1
