#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, only when they are missing: the Python peers
# for interop tests, Chromium for the browser tests (driven by playwright-core; no browser is
# ever downloaded) and openssl for the HTTPS tests' certificate. Runs before `npm test`; needs root
# (or sudo) only when something is missing.
set -euo pipefail

PYTHON=/usr/bin/python3
need=()
"$PYTHON" -c "import numpy" 2>/dev/null || need+=(python3-numpy)
"$PYTHON" -c "import scipy.sparse" 2>/dev/null || need+=(python3-scipy)
"$PYTHON" -c "import PIL" 2>/dev/null || need+=(python3-pil)
"$PYTHON" -c "import yaml" 2>/dev/null || need+=(python3-yaml)
[ -x "$PYTHON" ] || need+=(python3)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v openssl >/dev/null 2>&1 || need+=(openssl)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

echo "test-deps: installing ${need[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "test-deps: ${need[*]} missing and not root: install them with apt-get" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
