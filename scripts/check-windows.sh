#!/usr/bin/env bash
# The whole Windows check, from a fresh Debian 12 machine:
#   1. packages (Debian rustc + std sources, mingw, clang, Wine 64 and 32-bit)
#   2. both DLLs (scripts/build-windows.sh: exports and imports verified)
#   3. the static MSVC layout check (clang dumps vs the Rust table; tests/windows_layout.rs)
#   4. the Wine run of tests/windows/winhost.c against each DLL (x64 and x86)
#   5. with WIN_DISCRIMINATE=1 (or --discriminate): deliberately wrong hosts must FAIL under Wine
# Exits non-zero on any failure. Times of each step go to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/windows-common.sh
[ "${1:-}" = --discriminate ] && WIN_DISCRIMINATE=1

t0=$(date +%s)
step() { win_log "$1 ($(($(date +%s) - t0)) s so far)"; }

step "packages"
win_need "${WIN_BUILD_PKGS[@]}" clang wine wine64
win_install_wine32
step "packages done"

scripts/build-windows.sh x64 x86
step "DLLs built"

# The static check runs on the Linux toolchain (rustup's cargo): it needs only clang++.
CI=${CI:-} cargo test -j2 --test windows_layout
step "static layout check done"

W="$PWD/target/windows/wine"
export WINEPREFIX="$W/prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" RUST_BACKTRACE=0
unset DISPLAY # console only: no window is ever needed
mkdir -p "$W"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)

# host + DLL + test-only bcryptprimitives shim in one folder per arch (Wine 8 has no
# bcryptprimitives.dll; the shim never goes near target/windows/dist).
stage() { # ARCH GCC-PREFIX [EXTRA-CFLAGS...]
    local arch=$1 cc=$2-w64-mingw32-gcc dir="$W/$1${3:+-${3#-D}}"
    shift 2
    mkdir -p "$dir"
    "$cc" -O1 -Wall -Wextra -std=c11 "$@" -o "$dir/winhost.exe" tests/windows/winhost.c
    "$cc" -O2 -Wall -shared -Wl,--kill-at -o "$dir/bcryptprimitives.dll" \
        tests/windows/prng_shim.c -lbcrypt
    cp "target/windows/dist/bonusplus_1c_$arch.dll" "$dir/"
    echo "$dir"
}

run_host() { # DIR ARCH -> the host's exit status
    local dir=$1 arch=$2
    (cd "$dir" && timeout 300 wine winhost.exe "bonusplus_1c_$arch.dll" "$version")
}

[ -d "$WINEPREFIX" ] || { wineboot -i >/dev/null 2>&1 || true; }
step "wine prefix ready"

status=0
for pair in x64:x86_64 x86:i686; do
    arch=${pair%%:*}
    dir=$(stage "$arch" "${pair#*:}")
    win_log "wine: winhost.exe against bonusplus_1c_$arch.dll"
    if run_host "$dir" "$arch"; then
        win_log "wine $arch: PASS"
    else
        win_log "wine $arch: FAIL"
        status=1
    fi
    step "wine $arch done"
done

if [ "${WIN_DISCRIMINATE:-0}" = 1 ]; then
    # Each of these hosts is wrong in one ABI detail; the run must fail (crash or failed checks).
    for wrong in x86:i686:-DWRONG_DTOR_CC x86:i686:-DWRONG_METHOD_CC x86:i686:-DWRONG_VARIANT \
        x64:x86_64:-DWRONG_VARIANT; do
        IFS=: read -r arch gcc flag <<<"$wrong"
        dir=$(stage "$arch" "$gcc" "$flag")
        rc=0
        run_host "$dir" "$arch" >"$dir/out.txt" 2>&1 || rc=$?
        if [ "$rc" = 0 ]; then
            win_log "discrimination $arch $flag: the wrong host PASSED (bad)"
            status=1
        else
            win_log "discrimination $arch $flag: fails as it must (exit $rc): $(tail -1 "$dir/out.txt")"
        fi
    done
fi

step "finished, status $status"
exit "$status"
