#!/usr/bin/env bash
# Idempotent set-up: the app's .venv (Python >= 3.11), Rasa's .venv-rasa (Python 3.10),
# the content check and a trained NLU model. Each step is skipped when already up to date.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
stamp_of() { cat "$@" | sha256sum | cut -c1-16; }

app_stamp=$(stamp_of requirements/app.txt pyproject.toml)
if [ "$(cat .venv/.setup-stamp 2>/dev/null)" != "$app_stamp" ]; then
  python=$(scripts/find-python.sh 3.11 3.99) || {
    echo "setup: Python 3.11 or newer is needed for the app. Install it (e.g. 'apt-get install python3' on Debian 12+, or 'pyenv install 3.11')." >&2
    exit 1
  }
  say "creating .venv with $python"
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r requirements/app.txt
  .venv/bin/python -m pip install --quiet --no-deps -e .
  echo "$app_stamp" > .venv/.setup-stamp
fi

rasa_stamp=$(stamp_of requirements/rasa.txt)
if [ "$(cat .venv-rasa/.setup-stamp 2>/dev/null)" != "$rasa_stamp" ]; then
  python310=$(scripts/find-python.sh 3.10 3.10) || {
    cat >&2 <<'MSG'
setup: Rasa 3.6 needs Python 3.10, and none was found (looked on PATH, in pyenv and /usr/bin).
Install it, for example with 'pyenv install 3.10' (https://github.com/pyenv/pyenv) or your
distribution's python3.10 package, then run 'make setup' again.
MSG
    exit 1
  }
  say "creating .venv-rasa with $python310 (Rasa 3.6.21; this takes a few minutes)"
  [ -x .venv-rasa/bin/python ] || "$python310" -m venv .venv-rasa
  .venv-rasa/bin/python -m pip install --quiet --upgrade pip
  .venv-rasa/bin/python -m pip install --quiet -r requirements/rasa.txt
  echo "$rasa_stamp" > .venv-rasa/.setup-stamp
fi

# Browser for the web chat's browser tests: Debian's chromium, driven by the Python `playwright`
# package (requirements/app.txt). Playwright's own browser download is never used.
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing Debian's chromium for the browser tests"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
  else
    cat >&2 <<'MSG'
setup: the web chat's browser tests need Chromium at /usr/bin/chromium (they are skipped without it).
Install it as root: apt-get update && apt-get install -y --no-install-recommends chromium
MSG
  fi
fi

say "checking content"
.venv/bin/assistant content check
say "training the NLU model if content or config changed"
.venv/bin/assistant train
