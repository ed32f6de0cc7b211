#!/usr/bin/env bash
# The cheap Windows check (what CI runs): clang's MSVC record/vftable layouts of the kit-shaped
# declarations vs the Rust table src/native/msvc_layout.rs, and that table vs the Rust structs
# (const asserts, evaluated by this Linux build with the Itanium shift; exactly by a Windows build).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/windows-common.sh
win_need clang
CI=${CI:-} cargo test -j2 --test windows_layout -- --nocapture
