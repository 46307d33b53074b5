#!/usr/bin/env bash
# Install what TRAMS needs on Debian 12 (as root, or with sudo) and create .venv/ with the
# project in it. Idempotent and quick when everything is already there.
#   scripts/setup.sh          runtime + test dependencies
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(
  tesseract-ocr tesseract-ocr-vie tesseract-ocr-eng tesseract-ocr-osd
  qpdf poppler-utils softhsm2 opensc openssl
  chromium  # headless browser: tests of the HTML verification and archive reports
  jbig2dec  # JBIG2 images in scanned PDFs (trams.scanning.decoders)
  tesseract-ocr-script-viet  # Vietnamese script model, measured against vie (issue 19)
  libreoffice-writer-nogui  # tests: Word/ODT documents exported to PDF (born-digital input)
  ghostscript  # benchmarks: OCRmyPDF, the peer, needs it for PDF/A output
  tesseract-ocr-heb tesseract-ocr-hin  # benchmarks: conformance_scans reads the corpus's
  # Hebrew and Devanagari pages in the language their upstream tests use
  fonts-liberation2 fonts-dejavu-core
  python3 python3-venv python3-dev
  # tesserocr (Tesseract's C API) built against the system's Tesseract (issue 17)
  libtesseract-dev libleptonica-dev pkg-config g++
)

missing=()
for pkg in "${SYSTEM_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# Python >= 3.11: the first python3 on PATH (Debian 12 ships 3.11).
PYTHON=${PYTHON:-python3}
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || {
  echo "setup: Python 3.11 or newer is needed (found $("$PYTHON" --version))" >&2; exit 1; }

stamp=.venv/.trams-installed
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing TRAMS and its Python dependencies into .venv/" >&2
  .venv/bin/python -m pip install -q --upgrade pip >&2
  .venv/bin/python -m pip install -q -e '.[test,cluster]' >&2
  touch "$stamp"
fi

# Tesseract's C API, built from source against the system's Tesseract (the PyPI wheel
# bundles another Tesseract, which TRAMS refuses to use); rebuilt when it runs another one.
if ! .venv/bin/python -c 'import sys; from trams.scanning import tesseract_api as t
sys.exit(1 if t.unavailable_reason() else 0)' 2>/dev/null; then
  echo "setup: building tesserocr against the system's Tesseract" >&2
  .venv/bin/python -m pip uninstall -q -y tesserocr >&2 || true
  .venv/bin/python -m pip install -q --no-binary tesserocr --no-cache-dir -e '.[ocr-api]' >&2
fi
