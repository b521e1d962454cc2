#!/bin/sh
# Rebuild registry/static/arna.css from scripts/style/arna.scss and the GOV.UK Frontend
# package (npm registry). Run by hand after changing the SCSS; the compiled file is
# committed, so serving Arna needs no build step (registry/static/govuk/SOURCE.md).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent govuk-frontend@5.14.0 >/dev/null
echo "5a8469fd9fd9700a8dec8834f4053275710ac1dc12dda82a297a6e7884220569  govuk-frontend-5.14.0.tgz" | sha256sum -c -
tar xzf govuk-frontend-5.14.0.tgz
npm install --silent --no-audit --no-fund sass@1.77.8 >/dev/null
./node_modules/.bin/sass --no-source-map --style=compressed --quiet --load-path=package/dist \
    "$here/arna.scss" "$root/registry/static/arna.css"
echo "wrote registry/static/arna.css"
