#!/usr/bin/env bash
# Load test of dongpo-server on loopback, against the in-process figure for the same
# documents (BENCHMARKS.md, "Reference server"). Needs wrk, curl, jq, openssl.
#   crates/dongpo-server/loadtest/run.sh [PROFILE...]     (default: p256 rsa2048)
# Each wrk run: 1 thread, $DURATION seconds (default 10) after a 2 s warm-up; batches over
# $CONNECTIONS connections (default 4: each request already carries 64 documents), single
# verifications and OCSP over $SINGLE_CONNECTIONS (default 32).
set -euo pipefail
cd "$(dirname "$0")/../../.."
PROFILES=("${@:-p256 rsa2048}")
# shellcheck disable=SC2206
PROFILES=(${PROFILES[*]})
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-4}
SINGLE_CONNECTIONS=${SINGLE_CONNECTIONS:-32}
cargo build -q --release -j2 -p dongpo-server -p dongpo-cli --bins --example loadtest_material
BIN=target/release
WORK=$(mktemp -d)
DATA=$WORK/data
trap 'kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT

echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# in-process (BatchVerifier, 2 threads, the same document repeated), before the HTTP runs"
"$BIN/examples/loadtest_material" "$WORK" "${PROFILES[@]}" | tee "$WORK/inprocess.txt"

DONGPO_RATE_LIMIT_PER_SECOND=10000000 DONGPO_RATE_LIMIT_BURST=10000000 DONGPO_LOG=warn \
  "$BIN/dongpo-server" --dev --data-dir "$DATA" --listen 127.0.0.1:0 >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do [ -f "$DATA/server.addr" ] && break; sleep 0.2; done
URL=http://$(cat "$DATA/server.addr")
export KEY
KEY=$(cat "$DATA/dev-api-key")

rate() { # wrk output -> requests/s
  grep "Requests/sec" | awk '{print $2}'
}
load() { # PATH BODY CONNECTIONS -> requests/s
  BODY=$2 wrk -t1 -c"$3" -d2s -s crates/dongpo-server/loadtest/post.lua "$URL$1" >/dev/null
  BODY=$2 wrk -t1 -c"$3" -d"${DURATION}s" -s crates/dongpo-server/loadtest/post.lua "$URL$1" | rate
}
declare -A batch_json batch_cbor batch_compact single
for profile in "${PROFILES[@]}"; do
  batch_json[$profile]=$(load /v1/verifications:batch "$WORK/batch-$profile.json" "$CONNECTIONS")
  batch_cbor[$profile]=$(CONTENT_TYPE=application/cbor ACCEPT=application/cbor load /v1/verifications:batch "$WORK/batch-$profile.cbor" "$CONNECTIONS")
  batch_compact[$profile]=$(CONTENT_TYPE=application/cbor ACCEPT=application/cbor load "/v1/verifications:batch?view=compact" "$WORK/batch-$profile.cbor" "$CONNECTIONS")
  single[$profile]=$(load /v1/verifications "$WORK/single-$profile.json" "$SINGLE_CONNECTIONS")
done
# The in-process figure again, after the HTTP runs: the higher of the two is the reference,
# so that a slow moment of the shared machine cannot flatter the ratios.
mkdir -p "$WORK/again"
"$BIN/examples/loadtest_material" "$WORK/again" "${PROFILES[@]}" | tee -a "$WORK/inprocess.txt"
for profile in "${PROFILES[@]}"; do
  inprocess=$(awk -v p="$profile" '$2 == p && $3 > m {m = $3} END {print m}' "$WORK/inprocess.txt")
  awk -v p="$profile" -v i="$inprocess" -v b="${batch_json[$profile]}" -v c="${batch_cbor[$profile]}" -v k="${batch_compact[$profile]}" \
      -v s="${single[$profile]}" 'BEGIN {
    printf "http %s batch(64, JSON): %.0f documents/s = %.2f of in-process %.0f\n", p, b * 64, b * 64 / i, i;
    printf "http %s batch(64, CBOR): %.0f documents/s = %.2f of in-process\n", p, c * 64, c * 64 / i;
    printf "http %s batch(64, CBOR, view=compact): %.0f documents/s = %.2f of in-process\n", p, k * 64, k * 64 / i;
    printf "http %s single (stored, signed receipt): %.0f documents/s = %.2f of in-process\n", p, s, s / i }'
done

# Cached OCSP GET: one issued certificate, asked again and again (RFC 5019).
DONGPO_BIN=$BIN/dongpo
"$DONGPO_BIN" testkit passport --profile p256 --out "$WORK/passport" >/dev/null
"$DONGPO_BIN" testkit csr --key-algorithm p256 --out "$WORK/subscriber" >/dev/null
auth=(-H "Authorization: Bearer $KEY" -H "Content-Type: application/json")
verification=$(curl -sf -X POST "${auth[@]}" "$URL/v1/verifications" --data-binary "@$WORK/single-p256.json")
issued=$(curl -sf -X POST "${auth[@]}" "$URL/v1/certificates" -d "{\"verification_id\": $(jq .id <<<"$verification"), \"profile\": \"kb\", \"resident_registration_number\": $(jq .resident_registration_number "$WORK/passport/identity.json"), \"csr\": $(jq -Rs . "$WORK/subscriber/csr.pem")}")
jq -r .certificate <<<"$issued" >"$WORK/cert.pem"
jq -r '.chain[0]' <<<"$issued" >"$WORK/issuer.pem"
openssl ocsp -issuer "$WORK/issuer.pem" -cert "$WORK/cert.pem" -no_nonce -reqout "$WORK/req.der" >/dev/null 2>&1
path=$(base64 -w0 "$WORK/req.der" | sed 's/+/%2B/g; s/\//%2F/g; s/=/%3D/g')
curl -sf "$URL/ocsp/$path" -o /dev/null
wrk -t1 -c"$SINGLE_CONNECTIONS" -d2s "$URL/ocsp/$path" >/dev/null
ocsp=$(wrk -t1 -c"$SINGLE_CONNECTIONS" -d"${DURATION}s" "$URL/ocsp/$path" | rate)
echo "http ocsp GET (cached): $ocsp responses/s"
