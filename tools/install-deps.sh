#!/usr/bin/env bash
# install-deps.sh -- installs the Debian packages QE needs to build and test, if missing.
#
# A fast no-op when everything is present (dpkg-query only).  As root it runs apt-get
# update once and installs what is missing; otherwise it prints the command to run and
# fails.
set -euo pipefail

packages=(
    cmake make pkg-config gcc          # build
    clang-19 llvm-19-dev               # JIT (LLVM 19) and clang for runtime bitcode
    libuv1-dev libzstd-dev libxxhash-dev
    libcmocka-dev libedit-dev libsqlite3-dev
    zstd clang-format-19               # TPC-H data files; `make format` (LLVM 19 layout)
)

missing=()
for pkg in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages: ${missing[*]}" >&2
    echo "install-deps: run as root:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
