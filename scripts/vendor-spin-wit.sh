#!/usr/bin/env bash
# Re-vendors tests/spin/wit: the WIT of the worlds Spin serves to components
# (package spin:up, worlds `platform` = every import a Spin host satisfies and
# `http-trigger`), with the dependency packages those worlds need and nothing
# else. tests/e2e/spin_compat.rs checks every shipped component against it.
#
# Source, first found:
#   $SPIN_WIT_SRC             a `wit/` directory (e.g. of a Spin checkout:
#                             github.com/spinframework/spin, path wit/)
#   the spin-sdk crate        $SPIN_SDK_VERSION (default 5.2.0) in the cargo
#                             registry; fetched with `cargo fetch` if missing.
#                             Its wit/ is Spin's own (world.wit = spin:up).
set -euo pipefail
cd "$(dirname "$0")/.."
version=${SPIN_SDK_VERSION:-5.2.0}
dest=tests/spin/wit

src=${SPIN_WIT_SRC:-}
if [ -z "$src" ]; then
  registry=${CARGO_HOME:-$HOME/.cargo}/registry/src
  src=$(ls -d "$registry"/*/"spin-sdk-$version"/wit 2>/dev/null | head -1 || true)
  if [ -z "$src" ]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    mkdir -p "$tmp/src" && touch "$tmp/src/lib.rs"
    printf '[package]\nname = "fetch-spin-sdk"\nversion = "0.0.0"\nedition = "2021"\n[dependencies]\nspin-sdk = "=%s"\n[workspace]\n' \
      "$version" >"$tmp/Cargo.toml"
    cargo fetch --manifest-path "$tmp/Cargo.toml" >&2
    src=$(ls -d "$registry"/*/"spin-sdk-$version"/wit | head -1)
  fi
  origin="spin-sdk $version (crates.io), wit/"
else
  origin="$SPIN_WIT_SRC"
fi
[ -f "$src/world.wit" ] || { echo "no world.wit in $src" >&2; exit 1; }

rm -rf "$dest" && mkdir -p "$dest/deps"
cp "$src/world.wit" "$dest/world.wit"
# Copy only the dependency packages reachable from world.wit: a package is
# needed when a file already copied names it (`ns:pkg/…@version`, or
# `ns:pkg/…` for unversioned ones).
python3 - "$src" "$dest" <<'PY'
import os, re, shutil, sys
src, dest = sys.argv[1], sys.argv[2]
deps = os.path.join(src, "deps")
def files(p):
    return [p] if os.path.isfile(p) else [os.path.join(r, f) for r, _, fs in os.walk(p) for f in fs if f.endswith(".wit")]
def text(p):
    return "".join(open(f).read() for f in files(p))
pkg_re = re.compile(r"^\s*package\s+([a-z][\w-]*:[a-z][\w-]*)(?:@([^\s;{]+))?", re.M)
packages = {}
for entry in os.listdir(deps):
    m = pkg_re.search(text(os.path.join(deps, entry)))
    if m:
        packages[(m.group(1), m.group(2))] = entry
ref_re = re.compile(r"\b([a-z][\w-]*:[a-z][\w-]*)(?:/[a-z][\w-]*)?(?:@([0-9][\w.+-]*[\w+]))?")
todo, seen = [os.path.join(src, "world.wit")], set()
while todo:
    body = text(todo.pop())
    body = re.sub(r"//.*", "", body)  # references in comments do not count
    for name, ver in ref_re.findall(body):
        key = (name, ver or None)
        entry = packages.get(key)
        if entry and entry not in seen:
            seen.add(entry)
            todo.append(os.path.join(deps, entry))
for entry in sorted(seen):
    s, d = os.path.join(deps, entry), os.path.join(dest, "deps", entry)
    (shutil.copytree if os.path.isdir(s) else shutil.copy)(s, d)
print(f"vendored world.wit and {len(seen)} dependency packages", file=sys.stderr)
PY
cat >"$dest/README.md" <<MD
# Spin's WIT (vendored)

The worlds a Spin host serves to components: \`world.wit\` is package
\`spin:up\` (world \`platform\`: the imports Spin declares a guest may use;
world \`http-trigger\`: platform plus the HTTP export; the older
\`fermyon:spin/http-trigger\` world in \`deps/spin@2.0.0\` names the
\`wasi:http/incoming-handler@0.2.x\` export Spin's HTTP trigger still runs).
\`deps/\` holds only the packages those worlds reference.

Source: $origin — the copy of Spin's own \`wit/\` directory
(github.com/spinframework/spin, \`wit/world.wit\`) that the Spin Rust SDK ships.
Refresh with \`scripts/vendor-spin-wit.sh\` (\`SPIN_SDK_VERSION=…\` for another SDK
release, \`SPIN_WIT_SRC=path/to/spin/wit\` for a Spin checkout). Do not edit by hand.

Used by \`tests/e2e/spin_compat.rs\`: every shipped component's imports must be
provided by world \`platform\` (under wasmtime's semver rule) or by a dependency
listed in \`spin.toml\`.
MD
echo "vendored $(find "$dest" -name '*.wit' | wc -l) WIT files into $dest from $origin"
