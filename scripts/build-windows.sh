#!/usr/bin/env bash
# Builds the Windows add-in DLLs with Debian's rustc (route: ../shared/spec/windows-build.md):
#   target/windows/dist/bonusplus_1c_x64.dll  (x86_64-pc-windows-gnu)
#   target/windows/dist/bonusplus_1c_x86.dll  (i686-pc-windows-gnu)
# and checks each: the five undecorated Native API exports, and imports from system DLLs only.
#
# Usage: scripts/build-windows.sh [x64] [x86]      (default: both)
#        WIN_PROBE=1 scripts/build-windows.sh ...   the test build instead (feature probe, profile
#        probe: the release settings plus AbiProbe) → target/windows/probe/, never into the ZIP
# Needs root for the package step (apt-get); later runs skip what is installed.
# Env:   WIN_NO_INSTALL=1  skip the package step (fail instead if something is missing)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/windows-common.sh

arches=("$@")
((${#arches[@]})) || arches=(x64 x86)

if [ "${WIN_NO_INSTALL:-0}" != 1 ]; then
    win_need "${WIN_BUILD_PKGS[@]}"
fi
win_rust_env

# Our own target dir: the Linux build (rustup toolchain) and this one never invalidate each other.
export CARGO_TARGET_DIR="$PWD/target/windows"
DIST="$CARGO_TARGET_DIR/dist"
profile=(--release)
profile_dir=release
if [ "${WIN_PROBE:-0}" = 1 ]; then
    DIST="$CARGO_TARGET_DIR/probe"
    profile=(--profile probe --features probe)
    profile_dir=probe
fi
mkdir -p "$DIST"

triple_of() { case $1 in x64) echo x86_64-pc-windows-gnu ;; x86) echo i686-pc-windows-gnu ;; *)
    echo "unknown arch $1 (x64|x86)" >&2
    return 1
    ;; esac }
objdump_of() { case $1 in x64) echo x86_64-w64-mingw32-objdump ;; x86) echo i686-w64-mingw32-objdump ;; esac }

# -Zbuild-std does not build rsbegin.o/rsend.o, which the i686-windows-gnu link needs: compile
# them from the std sources once (per compiler version).
rtstartup_i686() {
    local dir="$CARGO_TARGET_DIR/rtstartup/i686-$(/usr/bin/rustc --version | awk '{print $2}')"
    local src=/usr/lib/rustlib/src/rust/library/rtstartup f
    mkdir -p "$dir"
    for f in rsbegin rsend; do
        [ -s "$dir/$f.o" ] && continue
        /usr/bin/rustc --target i686-pc-windows-gnu --emit=obj -C opt-level=2 \
            -o "$dir/$f.o" "$src/$f.rs"
    done
    export CARGO_TARGET_I686_PC_WINDOWS_GNU_RUSTFLAGS="-L native=$dir"
}

# The checks on a built DLL. Exits non-zero on any failure.
verify_dll() { # ARCH FILE
    local arch=$1 dll=$2 od dump e bad=0 imports
    od=$(objdump_of "$arch")
    dump=$("$od" -p "$dll")
    # Export table rows look like "\t[   2] GetClassNames"; names must be undecorated (no _f@N).
    for e in GetClassNames GetClassObject DestroyObject SetPlatformCapabilities GetAttachType; do
        if ! grep -qE "^\s+\[ *[0-9]+\] $e\$" <<<"$dump"; then
            echo "FAIL $dll: export $e missing (or decorated)" >&2
            bad=1
        fi
    done
    if [ "$arch" = x64 ]; then
        grep -q '^Magic.*020b' <<<"$dump" || { echo "FAIL $dll: not PE32+" >&2; bad=1; }
    else
        grep -q '^Magic.*010b' <<<"$dump" || { echo "FAIL $dll: not PE32" >&2; bad=1; }
    fi
    # Imports: only DLLs every Windows has. A MinGW runtime DLL (libgcc_s_*, libwinpthread-1,
    # libstdc++-6) would not be there on a 1C machine and the add-in would fail to load.
    imports=$(sed -n 's/^\s*DLL Name: //p' <<<"$dump")
    while read -r e; do
        [ -n "$e" ] || continue
        case "${e,,}" in
        kernel32.dll | ntdll.dll | msvcrt.dll | userenv.dll | ws2_32.dll | advapi32.dll | \
            bcrypt.dll | bcryptprimitives.dll | crypt32.dll | secur32.dll | user32.dll | \
            shell32.dll | ole32.dll | oleaut32.dll | api-ms-win-*.dll) ;;
        *)
            echo "FAIL $dll: imports non-system DLL $e" >&2
            bad=1
            ;;
        esac
    done <<<"$imports"
    if ((bad)); then return 1; fi
    echo "ok  $dll: 5 exports, imports: $(tr '\n' ' ' <<<"$imports")"
}

for arch in "${arches[@]}"; do
    triple=$(triple_of "$arch")
    [ "$arch" = x86 ] && rtstartup_i686
    win_log "cargo build $triple"
    start=$(date +%s)
    "$WIN_CARGO" build "${profile[@]}" --lib -j2 -Zbuild-std=std,panic_abort --target "$triple"
    win_log "built $triple ($profile_dir) in $(($(date +%s) - start)) s"
    cp "$CARGO_TARGET_DIR/$triple/$profile_dir/bonusplus_1c.dll" "$DIST/bonusplus_1c_$arch.dll"
    # The profile strips symbols already; this drops any DWARF the build-std std brought along.
    "$(objdump_of "$arch" | sed 's/objdump$/strip/')" --strip-debug "$DIST/bonusplus_1c_$arch.dll"
    echo "size $DIST/bonusplus_1c_$arch.dll: $(stat -c %s "$DIST/bonusplus_1c_$arch.dll") bytes"
    verify_dll "$arch" "$DIST/bonusplus_1c_$arch.dll"
done
