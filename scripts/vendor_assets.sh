#!/usr/bin/env bash
# Re-create the vendored JavaScript and map data of the HTML report from npm (pinned versions).
# Output: src/isoflow/adapters/report/assets/ (committed; the Python package never needs Node).
# Needs node + npm and the npm registry; nothing is fetched at report run time.
set -euo pipefail
cd "$(dirname "$0")/.."
PLOTLY=4.1.2          # plotly.js-dist-min (MIT)
WORLD_ATLAS=2.0.2     # world-atlas, Natural Earth 1:110m countries (ISC; data public domain)
TOPOJSON_CLIENT=3.1.0 # topojson-client, build-time only (ISC)
out="src/isoflow/adapters/report/assets"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(
  cd "$work"
  npm init -y >/dev/null
  npm install --silent --no-audit --no-fund --ignore-scripts \
    "plotly.js-dist-min@$PLOTLY" "world-atlas@$WORLD_ATLAS" "topojson-client@$TOPOJSON_CLIENT"
  # Country outlines as plain polylines [[lon, lat], ...] rounded to 0.01 deg:
  # the report draws them as ordinary plotly line traces (no geo module, no CDN topojson).
  node -e '
    const fs = require("fs");
    const topojson = require("topojson-client");
    const topo = JSON.parse(fs.readFileSync("node_modules/world-atlas/countries-110m.json"));
    const mesh = topojson.mesh(topo, topo.objects.countries);
    const r = (v) => Math.round(v * 100) / 100;
    const lines = mesh.coordinates.map((line) => line.map(([x, y]) => [r(x), r(y)]));
    // Land as outer rings for a fill (holes are lakes/seas at 1:110m; dropped).
    const land = topojson.feature(topo, topo.objects.land);
    const polys = land.type === "FeatureCollection" ? land.features.map((f) => f.geometry) : [land.geometry];
    const rings = [];
    for (const g of polys) {
      const parts = g.type === "Polygon" ? [g.coordinates] : g.coordinates;
      for (const p of parts) rings.push(p[0].map(([x, y]) => [r(x), r(y)]));
    }
    const doc = {
      source: "world-atlas@'"$WORLD_ATLAS"' countries-110m.json (Natural Earth 1:110m, public domain); "
        + "borders = topojson.mesh(countries), land = outer rings of topojson.feature(land)",
      lines,
      land: rings,
    };
    fs.writeFileSync("countries-110m-lines.json", JSON.stringify(doc));
  '
)
mkdir -p "$out"
cp "$work/node_modules/plotly.js-dist-min/plotly.min.js" "$out/plotly.min.js"
cp "$work/node_modules/plotly.js-dist-min/LICENSE" "$out/LICENSE.plotly.js.txt"
{
  cat "$work/node_modules/world-atlas/LICENSE"
  printf '\nMap data: Natural Earth 1:110m Admin 0 countries, public domain (https://www.naturalearthdata.com/about/terms-of-use/).\n'
} >"$out/LICENSE.world-atlas.txt"
cp "$work/countries-110m-lines.json" "$out/countries-110m-lines.json"
cat >"$out/VERSIONS.txt" <<TXT
plotly.js-dist-min $PLOTLY (plotly.min.js)
world-atlas $WORLD_ATLAS (countries-110m.json -> countries-110m-lines.json via topojson-client $TOPOJSON_CLIENT mesh)
Re-create with scripts/vendor_assets.sh
TXT
ls -l "$out"
