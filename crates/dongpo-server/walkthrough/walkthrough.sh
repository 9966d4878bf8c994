#!/usr/bin/env bash
# The README's dongpo-server walk-through: a testkit passport verified with Active
# Authentication, a certificate issued, checked over OCSP, revoked, and the CRL fetched.
# Needs curl, jq, openssl and a server started with:
#   cargo run --release -p dongpo-server -- --dev --data-dir target/dev-server
# Usage: walkthrough.sh [DATA_DIR]   (default target/dev-server)
set -euo pipefail
DATA=${1:-target/dev-server}
URL=http://$(cat "$DATA/server.addr")
KEY=$(cat "$DATA/dev-api-key")
WORK=$(mktemp -d)
# DONGPO_BIN: a built `dongpo` binary (else it is run through cargo).
dongpo() { ${DONGPO_BIN:-cargo run -q --release -p dongpo-cli --} "$@"; }
b64() { base64 -w0 "$1"; }
auth=(-H "Authorization: Bearer $KEY")
json=(-H "Content-Type: application/json")

# 1. A passport (the phone app reads the chip) and a key pair with its CSR.
dongpo testkit passport --profile p256 --out "$WORK/passport" >/dev/null
dongpo testkit csr --key-algorithm p256 --out "$WORK/subscriber" >/dev/null

# 2. Active Authentication: the server picks the challenge, the chip signs it.
challenge=$(curl -sf -X POST "${auth[@]}" "$URL/v1/challenges")
dongpo testkit aa-sign --key "$WORK/passport/aa_key.p8" \
  --challenge "$(jq -r .challenge <<<"$challenge")" --out "$WORK/aa.sig"

# 3. Verification: Passive + Active Authentication, with a signed receipt.
P=$WORK/passport
verification=$(curl -sf -X POST "${auth[@]}" "${json[@]}" "$URL/v1/verifications" -d @- <<JSON
{"sod": "$(b64 "$P/EF_SOD.bin")",
 "dg": {"1": "$(b64 "$P/DG1.bin")", "2": "$(b64 "$P/DG2.bin")",
        "14": "$(b64 "$P/DG14.bin")", "15": "$(b64 "$P/DG15.bin")"},
 "aa": {"challenge_id": "$(jq -r .id <<<"$challenge")", "signature": "$(b64 "$WORK/aa.sig")"}}
JSON
)
jq '{id, valid: .report.valid, checks: [.report.checks[] | "\(.id)=\(.status)"]}' <<<"$verification"

# 4. Issuance: the fresh verification, the registered person, a profile and the CSR.
rrn=$(jq -r .resident_registration_number "$P/identity.json")
issued=$(curl -sf -X POST "${auth[@]}" "${json[@]}" "$URL/v1/certificates" -d @- <<JSON
{"verification_id": "$(jq -r .id <<<"$verification")", "profile": "kb",
 "resident_registration_number": "$rrn",
 "csr": $(jq -Rs . "$WORK/subscriber/csr.pem")}
JSON
)
jq '{serial, profile, issuer, assurance, receipt_id}' <<<"$issued"
jq -r .certificate <<<"$issued" >"$WORK/cert.pem"
jq -r '.chain[0]' <<<"$issued" >"$WORK/issuer.pem"
jq -r '.chain[1]' <<<"$issued" >"$WORK/root.pem"
openssl verify -CAfile "$WORK/root.pem" -untrusted "$WORK/issuer.pem" "$WORK/cert.pem"

# 5. Status over OCSP, then revocation, then OCSP and the certificate's CRL.
ocsp() { openssl ocsp -url "$URL/ocsp" -issuer "$WORK/issuer.pem" -cert "$WORK/cert.pem" \
  -CAfile "$WORK/root.pem" -VAfile "$WORK/issuer.pem" -no_nonce 2>&1 | grep cert.pem; }
ocsp
serial=$(jq -r .serial <<<"$issued")
curl -sf -X POST "${auth[@]}" "${json[@]}" "$URL/v1/certificates/$serial/revoke" \
  -d '{"reason": "keyCompromise"}' | jq -c .
ocsp
# The CRL the certificate names (its partition: regenerated at once on revocation).
crl=$(openssl x509 -in "$WORK/cert.pem" -noout -ext crlDistributionPoints | grep -o '[^/]*\.crl$')
curl -sf "$URL/crl/$crl" -o "$WORK/issuer.crl"
openssl crl -inform DER -in "$WORK/issuer.crl" -CAfile "$WORK/issuer.pem" -noout -verify 2>&1
openssl crl -inform DER -in "$WORK/issuer.crl" -noout -text | grep -A1 "Serial Number" | head -2
rm -rf "$WORK"
