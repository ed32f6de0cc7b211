# Shared by the Windows scripts (sourced, not run): package installs and the Debian-rustc
# environment from ../shared/spec/windows-build.md. Every install step is idempotent.

export DEBIAN_FRONTEND=noninteractive
WIN_APT_UPDATED=${WIN_APT_UPDATED:-0}

win_log() { printf '== %s\n' "$*" >&2; }

win_installed() { # PKG[:ARCH] -> true if dpkg has it installed
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

win_apt_update() {
    ((WIN_APT_UPDATED)) && return 0
    # An index that fails to download (seen: bookworm-security i386 "Mirror sync in progress")
    # must not stop us: win_install_wine32 copes with the missing versions.
    apt-get update -qq || win_log "apt-get update reported errors (continuing)"
    WIN_APT_UPDATED=1
}

win_need() { # PKG... : installs those not installed yet
    local missing=() p
    for p in "$@"; do win_installed "$p" || missing+=("$p"); done
    ((${#missing[@]})) || return 0
    [ "$(id -u)" = 0 ] || { win_log "need root to install: ${missing[*]}"; return 1; }
    win_apt_update
    win_log "apt-get install ${missing[*]}"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Debian's rustc 1.96 + its std sources, the mingw linkers/C compilers (ring and SQLite's build
# scripts use them), and binutils for the export/import checks.
WIN_BUILD_PKGS=(rustc-web cargo-web rust-web-src gcc-mingw-w64-x86-64 gcc-mingw-w64-i686
    binutils-mingw-w64-x86-64 binutils-mingw-w64-i686)

# The 32-bit Wine. wine32:i386 needs the i386 twins of Multi-Arch: same libraries at exactly the
# amd64 version. When the i386 security index cannot be fetched, the installed amd64 copies may
# be at a version that has no i386 twin; we then move each such pair to the version the i386
# index does have (pinning both halves, plus whatever -dev package apt would otherwise remove).
win_install_wine32() {
    win_installed wine32:i386 && return 0
    dpkg --print-foreign-architectures | grep -qx i386 || {
        dpkg --add-architecture i386
        WIN_APT_UPDATED=0
    }
    win_apt_update
    if apt-get install -s -qq --no-install-recommends wine32:i386 >/dev/null 2>&1; then
        apt-get install -y -qq --no-install-recommends wine32:i386 >/dev/null
        return
    fi
    win_log "wine32:i386 does not resolve as is: pinning amd64/i386 twins to common versions"
    local closure pins=() p inst cand ma vers rem x v i added sim
    closure=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
        --no-breaks --no-replaces --no-enhances wine32:i386 2>/dev/null |
        sed -n 's/^\([^ <][^ ]*\):i386$/\1/p' | sort -u)
    for p in $closure; do
        inst=$(dpkg-query -W -f='${Status} ${Version}' "$p:amd64" 2>/dev/null |
            awk '$3 == "installed" {print $4}' || true)
        [ -n "$inst" ] || continue
        ma=$(apt-cache show "$p:i386" 2>/dev/null | awk '/^Multi-Arch:/ {print $2; exit}' || true)
        [ "$ma" = same ] || continue
        cand=$(apt-cache policy "$p:i386" 2>/dev/null | awk '/Candidate:/ {print $2}' || true)
        [ -n "$cand" ] && [ "$cand" != "(none)" ] || continue
        pins+=("$p:amd64=$cand" "$p:i386=$cand")
    done
    vers=$(printf '%s\n' "${pins[@]}" | sed 's/.*=//' | sort -u)
    sim=$(mktemp)
    # Keep installed -dev packages of those libraries: pin them to the same versions too.
    for i in 1 2 3 4 5; do
        apt-get install -s --allow-downgrades --no-install-recommends wine32:i386 "${pins[@]}" \
            >"$sim" 2>&1 || true
        rem=$(awk '/^Remv/ {print $2}' "$sim")
        [ -n "$rem" ] || break
        added=0
        for x in $rem; do
            for v in $(apt-cache madison "$x" 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); print $2}'); do
                if grep -qxF -- "$v" <<<"$vers"; then
                    pins+=("$x=$v")
                    added=1
                    break
                fi
            done
        done
        ((added)) || break
    done
    rm -f "$sim"
    apt-get install -y -qq --allow-downgrades --no-install-recommends wine32:i386 "${pins[@]}" \
        >/dev/null
}

# The compiler route: Debian's rustc (sysroot /usr, std sources in /usr/lib/rustlib/src) with
# -Zbuild-std; rustup's toolchain stays untouched because we call /usr/bin/cargo directly.
win_rust_env() {
    export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1
    export PATH="/usr/bin:$PATH"
    # rustup's proxies read this; make sure none of them is picked up by a build script.
    unset RUSTUP_TOOLCHAIN
    WIN_CARGO=/usr/bin/cargo
}
