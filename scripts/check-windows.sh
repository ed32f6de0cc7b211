#!/usr/bin/env bash
# The whole Windows check, from a fresh Debian 12 machine:
#   1. packages (Debian rustc + std sources, mingw, clang, Wine 64 and 32-bit)
#   2. both DLLs as they ship, and the test builds with AbiProbe (scripts/build-windows.sh, plain
#      and WIN_PROBE=1: exports and imports verified)
#   3. the static MSVC layout check (clang dumps vs the Rust table; tests/windows_layout.rs)
#   4. the Wine run of tests/windows/winhost.c against each test DLL (x64 and x86): the whole ABI
#      suite; then against each shipped DLL ("shipped": AbiProbe must not exist) at a faked local
#      time of 01:30 in Moscow (TZ=Europe/Moscow, libfaketime), printing the date the add-in gave
#      a sale with no date: the local date, while UTC is still on the day before
#   5. with WIN_DISCRIMINATE=1 (or --discriminate): deliberately wrong hosts must FAIL under Wine
# WIN_ARCHES="x64" limits the run to one architecture (default "x64 x86").
# Exits non-zero on any failure. Times of each step go to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/windows-common.sh
[ "${1:-}" = --discriminate ] && WIN_DISCRIMINATE=1

t0=$(date +%s)
step() { win_log "$1 ($(($(date +%s) - t0)) s so far)"; }

step "packages"
read -r -a arches <<<"${WIN_ARCHES:-x64 x86}"
win_need "${WIN_BUILD_PKGS[@]}" clang wine wine64 faketime
if [[ " ${arches[*]} " == *" x86 "* ]]; then
    win_install_wine32
    win_need libfaketime:i386 # the 32-bit Wine loader needs its own libfaketime
fi
step "packages done"

scripts/build-windows.sh "${arches[@]}"
WIN_PROBE=1 scripts/build-windows.sh "${arches[@]}"
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
stage() { # ARCH GCC-PREFIX DLL-DIR [EXTRA-CFLAGS...]
    local arch=$1 cc=$2-w64-mingw32-gcc from=$3 dir="$W/$1-$(basename "$3")${4:+-${4#-D}}"
    shift 3
    mkdir -p "$dir"
    "$cc" -O1 -Wall -Wextra -std=c11 "$@" -o "$dir/winhost.exe" tests/windows/winhost.c
    "$cc" -O2 -Wall -shared -Wl,--kill-at -o "$dir/bcryptprimitives.dll" \
        tests/windows/prng_shim.c -lbcrypt
    cp "$from/bonusplus_1c_$arch.dll" "$dir/"
    echo "$dir"
}

run_host() { # DIR ARCH [shipped] -> the host's exit status
    local dir=$1 arch=$2
    (cd "$dir" && timeout 300 wine winhost.exe "bonusplus_1c_$arch.dll" "$version" "${3:-}")
}

# The shipped DLL at 01:30 Moscow time today (22:30 UTC the day before).
#
# Not with the `faketime` wrapper. Once Wine's 32-bit loader is installed, /usr/bin/wine is that
# 32-bit program, and libfaketime's shared semaphore, made by a 64-bit process, deadlocks it. So:
#   * the wine server starts first, in the Moscow zone, on the real clock;
#   * the arch's own loader runs with libfaketime preloaded (`$LIB` picks the 32- or 64-bit copy)
#     and no shared memory between processes.
# x64 is faked this way. For 32-bit processes, Debian 12's libfaketime 0.9.10 does not catch
# glibc's 64-bit time calls, so the x86 run sees the real clock. The log says which clock was seen.
run_shipped_at_moscow_0130() { # DIR ARCH
    local day loader rc=0 out
    day=$(TZ=Europe/Moscow date +%F)
    case $2 in x64) loader=/usr/lib/wine/wine64 ;; *) loader=/usr/lib/wine/wine ;; esac
    [ -x "$loader" ] || loader=wine
    wineserver -k 2>/dev/null || true
    TZ=Europe/Moscow wineserver -p 30
    out="$1/moscow-0130.txt"
    (cd "$1" && TZ=Europe/Moscow timeout 300 env FAKETIME_DONT_FAKE_MONOTONIC=1 \
        FAKETIME="@$day 01:30:00" LD_PRELOAD='/usr/$LIB/faketime/libfaketime.so.1' \
        "$loader" winhost.exe "bonusplus_1c_$2.dll" "$version" shipped) >"$out" 2>&1 || rc=$?
    grep -v '^ERROR: ld.so: object .*libfaketime' "$out" || true
    if grep -q "^local time: Windows zone .*, local $day 01:3" "$out"; then
        win_log "$2: ran at the faked local time $day 01:30 (Moscow)"
    else
        win_log "$2: the faked clock did not reach this arch (libfaketime and 32-bit time calls): ran on the real clock, Moscow zone"
    fi
    wineserver -k 2>/dev/null || true
    return $rc
}

[ -d "$WINEPREFIX" ] || { wineboot -i >/dev/null 2>&1 || true; }
# The prefix is made once, above. Wine would otherwise "update" it again when a run's zone differs,
# and under the faked clock that update (a 32-bit rundll32) hangs.
echo disable >"$WINEPREFIX/.update-timestamp"
step "wine prefix ready"

gcc_of() { case $1 in x64) echo x86_64 ;; x86) echo i686 ;; esac }
status=0
for arch in "${arches[@]}"; do
    dir=$(stage "$arch" "$(gcc_of "$arch")" target/windows/probe)
    win_log "wine: winhost.exe against the test build of bonusplus_1c_$arch.dll (with AbiProbe)"
    if run_host "$dir" "$arch"; then
        win_log "wine $arch (test build): PASS"
    else
        win_log "wine $arch (test build): FAIL"
        status=1
    fi
    dir=$(stage "$arch" "$(gcc_of "$arch")" target/windows/dist)
    win_log "wine: winhost.exe against the shipped bonusplus_1c_$arch.dll, TZ=Europe/Moscow at 01:30"
    if run_shipped_at_moscow_0130 "$dir" "$arch"; then
        win_log "wine $arch (shipped, Moscow 01:30): PASS"
    else
        win_log "wine $arch (shipped, Moscow 01:30): FAIL"
        status=1
    fi
    step "wine $arch done"
done

if [ "${WIN_DISCRIMINATE:-0}" = 1 ]; then
    # Each of these hosts is wrong in one ABI detail; the run must fail (crash or failed checks).
    for wrong in x86:i686:-DWRONG_DTOR_CC x86:i686:-DWRONG_METHOD_CC x86:i686:-DWRONG_VARIANT \
        x64:x86_64:-DWRONG_VARIANT; do
        IFS=: read -r arch gcc flag <<<"$wrong"
        [[ " ${arches[*]} " == *" $arch "* ]] || continue
        dir=$(stage "$arch" "$gcc" target/windows/probe "$flag")
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
