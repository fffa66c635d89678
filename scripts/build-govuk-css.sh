#!/usr/bin/env bash
# Rebuilds static/govuk/govuk-frontend.min.css from the govuk-frontend npm package (MIT).
# The compiled file is committed so that running socialvalue never needs Node.js.
# We compile rather than copy the package's CSS because councils are not GOV.UK services:
# the GDS Transport typeface is restricted to gov.uk, so the font is set to Arial here.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund govuk-frontend@6.6.0 sass@1 >/dev/null
cp "$here/static/govuk/govuk-frontend.scss" app.scss
npx sass --no-source-map --style=compressed --load-path=. app.scss "$here/static/govuk/govuk-frontend.min.css"
# static/govuk/LICENSE.txt is kept by hand: the package declares MIT in package.json.
echo "rebuilt static/govuk/govuk-frontend.min.css"
