#!/usr/bin/env bash
# Vendor the Leaflet + plugin files that folium would otherwise load from CDNs.
#
# Offline (classrooms) folium's CDN links fail and the st_folium map silently
# vanishes (docs: /work/shared/research/env.md sections 4-6). This script fetches
# exact npm package versions with `npm pack` (the npm client verifies the
# registry's integrity hash), copies only the files the dashboard needs into
# dashboard/static/vendor/<name>/ with each package's licence beside them, and
# regenerates dashboard/static/vendor/README.md.
#
# Streamlit serves dashboard/static/ at /app/static/ when
# server.enableStaticServing = true; dashboard/core/assets.py rewrites folium's
# CDN URLs to those local files. Keep the URL -> file table in assets.py in step
# with the files copied here (tests/unit/test_assets.py checks they exist).
#
# Usage: bash scripts/vendor_assets.sh        (needs node + npm and the npm registry)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/dashboard/static/vendor"

command -v npm >/dev/null 2>&1 || { echo "vendor_assets.sh: npm is required" >&2; exit 1; }
command -v node >/dev/null 2>&1 || { echo "vendor_assets.sh: node is required" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

README_ROWS=""

# fetch <package> <version>: npm pack + extract; sets PKG_DIR and PKG_INTEGRITY.
fetch() {
    local name="$1" version="$2" dir json file
    dir="$WORK/$name-$version"
    mkdir -p "$dir"
    json="$(cd "$dir" && npm pack "$name@$version" --json --silent 2>/dev/null)" || {
        echo "vendor_assets.sh: npm pack $name@$version failed" >&2; exit 1; }
    file="$(printf '%s' "$json" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s)[0];console.log(j.filename)})')"
    PKG_INTEGRITY="$(printf '%s' "$json" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s)[0];console.log(j.integrity)})')"
    tar -xzf "$dir/$file" -C "$dir"
    PKG_DIR="$dir/package"
    [ -d "$PKG_DIR" ] || { echo "vendor_assets.sh: unexpected layout in $file" >&2; exit 1; }
}

# put <target subdir> <path in package> [<name in target>]
put() {
    local target="$DEST/$1" src="$PKG_DIR/$2" name="${3:-$(basename "$2")}"
    [ -e "$src" ] || { echo "vendor_assets.sh: missing $2 in package" >&2; exit 1; }
    mkdir -p "$target"
    if [ -d "$src" ]; then
        rm -rf "${target:?}/$name"
        cp -R "$src" "$target/$name"
    else
        [ -s "$src" ] || { echo "vendor_assets.sh: empty file $2 in package" >&2; exit 1; }
        cp "$src" "$target/$name"
    fi
    chmod -R u+rw,go+r "$target/$name"
}

# row <package> <version> <licence> <dir> <replaces (folium CDN)>
row() {
    README_ROWS+="| \`$1\` | $2 | $3 | \`$4/\` | $5 | \`$PKG_INTEGRITY\` |"$'\n'
}

fresh() { rm -rf "${DEST:?}/$1"; mkdir -p "$DEST/$1"; }

mkdir -p "$DEST"

# --- Leaflet: the version folium 0.20 links (folium/folium.py _default_js) ----------
fetch leaflet 1.9.3
fresh leaflet
put leaflet dist/leaflet.js
put leaflet dist/leaflet.css
put leaflet dist/images
put leaflet LICENSE
row leaflet 1.9.3 "BSD-2-Clause" leaflet "Map: leaflet.js, leaflet.css"

# --- Leaflet.draw (folium.plugins.Draw links 1.0.2 on cdnjs; 1.0.4 = same API + bug fixes)
fetch leaflet-draw 1.0.4
fresh leaflet-draw
put leaflet-draw dist/leaflet.draw.js
put leaflet-draw dist/leaflet.draw.css
put leaflet-draw dist/images
# The npm tarball has no licence file; package.json says MIT. This is the text of
# MIT-LICENSE.md in github.com/Leaflet/Leaflet.draw.
cat > "$DEST/leaflet-draw/LICENSE" <<'EOF'
Copyright 2012-2016 Jacob Toye and Leaflet

Permission is hereby granted, free of charge, to any person obtaining
a copy of this software and associated documentation files (the
"Software"), to deal in the Software without restriction, including
without limitation the rights to use, copy, modify, merge, publish,
distribute, sublicense, and/or sell copies of the Software, and to
permit persons to whom the Software is furnished to do so, subject to
the following conditions:

The above copyright notice and this permission notice shall be
included in all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND,
EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF
MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE
LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION
OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION
WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.

(Vendored from npm leaflet-draw@1.0.4, whose package.json declares "license": "MIT";
the tarball ships no licence file, so this is MIT-LICENSE.md from the upstream
repository github.com/Leaflet/Leaflet.draw.)
EOF
row leaflet-draw 1.0.4 "MIT" leaflet-draw "plugins.Draw: leaflet.draw/1.0.2 js+css (cdnjs)"

# --- Leaflet.Sync (folium.plugins.DualMap links jieter/Leaflet.Sync on jsDelivr/gh) ---
fetch leaflet.sync 0.2.4
fresh leaflet.sync
put leaflet.sync L.Map.Sync.js
put leaflet.sync LICENSE
row leaflet.sync 0.2.4 "BSD-3-Clause" leaflet.sync "plugins.DualMap: L.Map.Sync.min.js"

# --- Leaflet.pattern (folium.plugins.StripePattern / CirclePattern) -----------------
# npm leaflet.pattern@0.1.0 is Tyler Eastman's package (same dist file as the GitHub
# repo teastman/Leaflet.pattern). Its LICENCE.txt is BSD-2-Clause text.
fetch leaflet.pattern 0.1.0
fresh leaflet.pattern
put leaflet.pattern dist/leaflet.pattern.js
put leaflet.pattern LICENCE.txt LICENSE
row leaflet.pattern 0.1.0 "BSD-2-Clause (LICENCE.txt; package.json has no licence field)" leaflet.pattern "plugins.StripePattern, CirclePattern: teastman.github.io/Leaflet.pattern/leaflet.pattern.js"

# --- leaflet.fullscreen (folium.plugins.Fullscreen links 3.0.0 on jsDelivr) ---------
fetch leaflet.fullscreen 3.0.0
fresh leaflet.fullscreen
put leaflet.fullscreen Control.FullScreen.js
put leaflet.fullscreen Control.FullScreen.css
put leaflet.fullscreen icon-fullscreen.svg
put leaflet.fullscreen LICENSE
row leaflet.fullscreen 3.0.0 "MIT" leaflet.fullscreen "plugins.Fullscreen: Control.FullScreen.min.js + .css"

# --- README --------------------------------------------------------------------------
# Sections other scripts maintain between "<!-- BEGIN x -->" / "<!-- END x -->" lines
# (e.g. scripts/vendor_vega.sh) are kept and re-appended.
KEEP="$WORK/readme-sections.md"
: > "$KEEP"
if [ -f "$DEST/README.md" ]; then
    awk '/^<!-- BEGIN /{keep=1} keep{print} /^<!-- END /{keep=0}' "$DEST/README.md" > "$KEEP"
fi
cat > "$DEST/README.md" <<EOF
# Vendored map assets (offline)

Generated by \`scripts/vendor_assets.sh\`; do not edit by hand. Regenerate with:

\`\`\`
bash scripts/vendor_assets.sh
\`\`\`

The script runs \`npm pack <package>@<version>\` in a temporary directory (the npm client
checks each tarball against the registry's integrity hash, listed below), and copies only the
files the dashboard needs, with each package's licence file (\`LICENSE\`) beside them.

Streamlit serves \`dashboard/static/\` at \`/app/static/\` (\`server.enableStaticServing = true\`).
\`dashboard/core/assets.py\` (\`use_local_assets\`) rewrites folium's CDN links to these files and
drops the CDN assets we do not use (jQuery, Bootstrap JS/CSS, glyphicons, Font Awesome,
Leaflet.awesome-markers, awesome-rotate CSS).

| package (npm) | version | licence | directory | replaces folium's CDN link for | npm integrity |
|---|---|---|---|---|---|
${README_ROWS}
Notes

- \`leaflet-draw\`: folium 0.20's \`Draw\` links 1.0.2 (cdnjs); we ship 1.0.4 (same API, bug fixes
  in polygon/rectangle editing). Its npm tarball has no licence file, so \`LICENSE\` holds the
  upstream MIT-LICENSE.md text.
- \`leaflet.pattern\`: the npm package has no \`license\` field and its bower.json says MIT; the
  licence file shipped in the package (\`LICENCE.txt\`, copied here as \`LICENSE\`) is the
  BSD-2-Clause text, copyright 2015 Tyler Eastman. Both are permissive; we follow the file.
- \`leaflet.fullscreen\` and \`leaflet.sync\` are used unminified (folium links \`.min.js\` builds).
- Source maps are not vendored (\`leaflet.js\` ends with a \`sourceMappingURL\`; only browser devtools
  request it, a 404 there is harmless).
EOF
if [ -s "$KEEP" ]; then
    { printf '\n'; cat "$KEEP"; } >> "$DEST/README.md"
fi

echo "Vendored into $DEST:"
(cd "$DEST" && find . -type f | sort | sed 's|^\./|  |')
