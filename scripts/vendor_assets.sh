#!/usr/bin/env bash
# Refresh the vendored front-end assets from the npm registry.
# GOV.UK Frontend's compiled CSS/JS/fonts/images go to static/govuk-frontend/,
# Chart.js's UMD build to static/vendor/; versions are recorded in VERSION files
# and the Chart.js Subresource Integrity hash in static/vendor/chartjs.sri so the
# CDN tag and the local copy are the same bytes.
set -euo pipefail
GOVUK_VERSION=${GOVUK_VERSION:-6.3.0}
CHARTJS_VERSION=${CHARTJS_VERSION:-4.5.1}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "govuk-frontend@$GOVUK_VERSION" "chart.js@$CHARTJS_VERSION" >/dev/null
mkdir gf cj
tar xzf "govuk-frontend-$GOVUK_VERSION.tgz" -C gf
tar xzf "chart.js-$CHARTJS_VERSION.tgz" -C cj
dest="$root/static/govuk-frontend"
rm -rf "$dest" && mkdir -p "$dest"
cp gf/package/dist/govuk/govuk-frontend.min.js "$dest/"
# The stylesheet expects its fonts and images at /assets/; point it at our static folder.
sed 's|url(/assets/|url(/static/govuk-frontend/assets/|g' gf/package/dist/govuk/govuk-frontend.min.css \
  > "$dest/govuk-frontend.min.css"
cp -r gf/package/dist/govuk/assets "$dest/assets"
echo "$GOVUK_VERSION" > "$dest/VERSION"
mkdir -p "$root/static/vendor"
cp cj/package/dist/chart.umd.min.js "$root/static/vendor/chart.umd.min.js"
echo "$CHARTJS_VERSION" > "$root/static/vendor/CHARTJS_VERSION"
printf 'sha384-%s\n' "$(openssl dgst -sha384 -binary "$root/static/vendor/chart.umd.min.js" | openssl base64 -A)" > "$root/static/vendor/chartjs.sri"
echo "GOV.UK Frontend $GOVUK_VERSION and Chart.js $CHARTJS_VERSION vendored into static/"
