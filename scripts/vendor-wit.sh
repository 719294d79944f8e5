#!/usr/bin/env bash
# Re-generates wit/deps from the crate sources that define the versions we
# build against: WASI 0.2.x from wasmtime-wasi-http (the version our host
# serves, and one Spin accepts), wasi:config and wasi:keyvalue from spin-sdk (the
# versions Spin serves). Run after changing either crate's version.
set -euo pipefail
cd "$(dirname "$0")/.."
registry=$(dirname "$(cargo metadata --format-version 1 | python3 -c 'import json,sys; m=json.load(sys.stdin); print(next(p["manifest_path"] for p in m["packages"] if p["name"]=="wasmtime-wasi-http"))')")
spin_sdk=${SPIN_SDK_SRC:-$(ls -d "$(dirname "$registry")"/spin-sdk-5.* | sort -V | tail -1)}
rm -rf wit/deps && mkdir -p wit/deps/config wit/deps/keyvalue
for f in cli clocks filesystem http io random sockets; do
  cp "$registry/wit/deps/$f.wit" "wit/deps/$f.wit"
done
cp "$spin_sdk"/wit/deps/wasi-runtime-config-2024-09-27/*.wit wit/deps/config/
cp "$spin_sdk"/wit/deps/keyvalue-2024-10-17/*.wit wit/deps/keyvalue/
echo "vendored: $(ls wit/deps | tr '\n' ' ')"
