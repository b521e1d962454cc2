#!/usr/bin/env bash
# Installs the Debian tools the tests use when they are missing:
# xmlsec1 (signature interoperability), poppler-utils (pdftoppm, pdftotext)
# and zbar-tools (zbarimg) for the paper-copy tests; libengine-gost-openssl, the
# fast path of signing/gost (OpenSSL's gost engine and gostprov provider);
# chromium, the browser the Playwright tests drive (tests/browser; no browser is downloaded);
# faketime, the clock the NCALayer browser test runs the server under (the public NCA test
# keys are all expired).
# wrk, the outside load generator of bench/submit.py --outside wrk.
set -euo pipefail
missing=()
command -v xmlsec1 >/dev/null || missing+=(xmlsec1)
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
command -v zbarimg >/dev/null || missing+=(zbar-tools)
command -v openssl >/dev/null || missing+=(openssl)  # the tests' TSA: openssl ts -reply
command -v unzip >/dev/null || missing+=(unzip)      # the tests list evidence packages
command -v wrk >/dev/null || missing+=(wrk)          # bench/submit.py --outside wrk
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v faketime >/dev/null || missing+=(faketime)
dpkg-query -W -f='${Status}' libengine-gost-openssl 2>/dev/null | grep -q 'ok installed' ||
  missing+=(libengine-gost-openssl)
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing ${missing[*]} with apt-get" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
