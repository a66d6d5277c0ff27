#!/usr/bin/env bash
# Tests of the mpc-vectors runner itself: it passes the official files and
# catches a changed byte, a changed result, a negative vector that would
# succeed, and bad invocations; for HPKE, a changed ciphertext, export or
# shared secret, and a file with nothing to check.
#   usage: tests/tools/test_mpc_vectors.sh BUILD_DIR VECTORS_DIR [RUNNER...]
# RUNNER defaults to BUILD_DIR/bin/mpc-vectors; the WebAssembly runner is
# tested with: ... node tests/wasm/run-vectors.mjs
set -u
if [ $# -gt 2 ]; then
    bin=("${@:3}")
else
    bin=("$1/bin/mpc-vectors")
fi
vec="$2/vdaf-18"
hpke="$2/hpke-rfc9180/base-mode.json"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

expect() { # expect EXIT_CODE OUTPUT_PATTERN DESCRIPTION -- COMMAND...
    local code="$1" pattern="$2" what="$3"
    shift 4
    local out rc
    out=$("$@" 2>&1)
    rc=$?
    if [ "$rc" -ne "$code" ] || ! grep -qE "$pattern" <<<"$out"; then
        echo "FAIL: $what (exit $rc)"
        echo "$out" | tail -3
        failures=$((failures + 1))
    else
        echo "ok: $what"
    fi
}

n=$(ls "$vec"/*.json | wc -l)
expect 0 "^$n passed, 0 failed$" "all official files pass" -- "${bin[@]}" vdaf "$vec"/*.json

sed 's/"agg_result": 1,/"agg_result": 2,/' "$vec/Prio3Count_0.json" >"$tmp/Prio3Count_0.json"
expect 1 "FAIL .*unshard" "a wrong aggregate result is caught" -- "${bin[@]}" vdaf "$tmp/Prio3Count_0.json"

# Change one hex digit of the public share (it starts with 99).
grep -q '"public_share": "99' "$vec/Prio3Histogram_0.json" || { echo "FAIL: fixture changed"; exit 1; }
sed 's/"public_share": "99/"public_share": "98/' "$vec/Prio3Histogram_0.json" \
    >"$tmp/Prio3Histogram_0.json"
expect 1 "FAIL .*public share: bytes differ" "a changed public share byte is caught" -- \
    "${bin[@]}" vdaf "$tmp/Prio3Histogram_0.json"

sed 's/"success": false/"success": true/' "$vec/Prio3Count_bad_wire_seed.json" \
    >"$tmp/Prio3Count_bad_wire_seed.json"
expect 1 "FAIL .*verifier_shares_to_message failed" "a bad proof is never accepted" -- \
    "${bin[@]}" vdaf "$tmp/Prio3Count_bad_wire_seed.json"

sed 's/"success": true/"success": false/' "$vec/Prio3Sum_0.json" >"$tmp/Prio3Sum_0.json"
expect 1 "FAIL .*succeeded but must fail" "a good report is never rejected" -- \
    "${bin[@]}" vdaf "$tmp/Prio3Sum_0.json"

cp "$vec/Prio3Sum_0.json" "$tmp/Poplar1_0.json"
expect 1 "FAIL .*unsupported VDAF Poplar1" "an unsupported VDAF fails" -- "${bin[@]}" vdaf "$tmp/Poplar1_0.json"
expect 1 "FAIL .*cannot read" "a missing file fails" -- "${bin[@]}" vdaf "$tmp/missing.json"
printf '{' >"$tmp/Prio3Count_9.json"
expect 1 "FAIL .*not valid JSON" "malformed JSON fails" -- "${bin[@]}" vdaf "$tmp/Prio3Count_9.json"
expect 1 "^1 passed, 1 failed$" "the summary counts both" -- \
    "${bin[@]}" vdaf "$vec/Prio3Count_0.json" "$tmp/Prio3Count_9.json"
expect 2 "no vector files" "no files is a usage error" -- "${bin[@]}" vdaf
expect 2 "unknown kind" "an unknown kind is a usage error" -- "${bin[@]}" frobnicate x.json
expect 0 "^usage: " "--help works" -- "${bin[@]}" --help

expect 0 "^1 passed, 0 failed, 31 skipped$" "the HPKE file passes, X25519 suite checked" -- \
    "${bin[@]}" hpke "$hpke"
for change in "f938558b5d72f1a23810b4be2ab4f84331acc02f/f938558b5d72f1a23810b4be2ab4f84331acc02e" \
    "3853fe2b4035195a573f/3853fe2b4035195a573e" \
    "fe0e18c9f024ce43799ae393c7e8fe8fce9d2188/fe0e18c9f024ce43799ae393c7e8fe8fce9d2189"; do
    grep -q "${change%/*}" "$hpke" || { echo "FAIL: HPKE fixture changed"; exit 1; }
    sed "s/$change/" "$hpke" >"$tmp/hpke.json"
    expect 1 "^0 passed, 1 failed, 31 skipped$" "a changed HPKE value (${change%%/*}) is caught" -- \
        "${bin[@]}" hpke "$tmp/hpke.json"
done
sed 's/"kem_id":32,/"kem_id":33,/g' "$hpke" >"$tmp/other-suites.json"
expect 1 "^0 passed, 0 failed, 32 skipped$" "a file with no entry of our suite fails" -- \
    "${bin[@]}" hpke "$tmp/other-suites.json"
expect 1 "FAIL .*not valid JSON" "malformed HPKE JSON fails" -- "${bin[@]}" hpke "$tmp/Prio3Count_9.json"

[ "$failures" -eq 0 ] || { echo "$failures runner test(s) failed"; exit 1; }
