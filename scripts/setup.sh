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

# Font of the PDF reports (Typst embeds it; without it, reports fall back to Typst's own serif font).
if [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing Debian's DejaVu fonts for the PDF reports"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends fonts-dejavu-core
  else
    echo "setup: the PDF reports use DejaVu Sans; install it as root: apt-get update && apt-get install -y fonts-dejavu-core" >&2
  fi
fi

# axe-core, the accessibility checker the browser tests inject into pages (tests/accessibility.py).
AXE_VERSION=4.14.1
if [ "$(cat build/axe/.version 2>/dev/null)" != "$AXE_VERSION" ]; then
  if command -v npm >/dev/null; then
    say "fetching axe-core $AXE_VERSION for the accessibility tests"
    npm install --silent --no-audit --no-fund --prefix build/axe "axe-core@$AXE_VERSION"
    echo "$AXE_VERSION" > build/axe/.version
  else
    echo "setup: the accessibility tests need axe-core from npm; install Node.js and npm (apt-get install npm), then run make setup again" >&2
  fi
fi

say "checking content"
.venv/bin/assistant content check
say "training the NLU model if content or config changed"
.venv/bin/assistant train
