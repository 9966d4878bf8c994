#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from test-vectors/ (and a few files made with openssl), so
# each target starts from real structures instead of nothing. Idempotent; corpora stay
# out of git. Usage: fuzz/seed.sh
set -euo pipefail
cd "$(dirname "$0")"
tv=../test-vectors
syn=$tv/synthetic
real=$tv/real
seed() { # seed TARGET FILES...
  local target=$1; shift
  mkdir -p "corpus/$target"
  for f in "$@"; do [ -f "$f" ] && cp "$f" "corpus/$target/$(sha1sum "$f" | cut -c1-16)"; done
  return 0
}
genuine() { ls $syn/*/genuine/"$1" 2>/dev/null; }

seed ef_sod $syn/*/*/EF_SOD.bin $real/*/EF_SOD.bin $real/sod/*/EF_SOD.bin
seed ef_com $(genuine EF_COM.bin) $real/*/EF_COM.bin
seed dg1 $(genuine DG1.bin) $real/*/Datagroup1.bin
seed dg2 $syn/p256/genuine/DG2.bin $real/*/Datagroup2.bin
seed dg11_dg12 $(ls $syn/*/*/DG1[12].bin 2>/dev/null)
seed dg14 $(genuine DG14.bin) $real/*/Datagroup14.bin
seed dg15 $(genuine DG15.bin) $real/*/Datagroup15.bin $real/active-auth/EF_DG15.bin
seed lds_tlv $(genuine DG1.bin) $(genuine EF_COM.bin) $syn/p256/genuine/DG14.bin $real/*/Datagroup1.bin
mkdir -p corpus/mrz
printf 'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10' > corpus/mrz/td3
# cms_forgery input: object selector, flip position and mask, then (op, args) pairs; the
# genuine objects are built into the target. Seeds: each object untouched, and the
# two-SignerInfo forgery (forge eContent, add a forged signer first / last).
mkdir -p corpus/cms_forgery
for obj in 0 1 2; do
  printf "\\x0$obj\\x07\\x01" > corpus/cms_forgery/genuine-$obj
  printf "\\x0$obj\\x07\\x01\\x02\\x01\\x00" > corpus/cms_forgery/two-signers-first-$obj
  printf "\\x0$obj\\x07\\x01\\x02\\x01\\x01" > corpus/cms_forgery/two-signers-last-$obj
  printf "\\x0$obj\\x07\\x01\\x02\\x04\\x00\\x00\\x07\\x00" > corpus/cms_forgery/dup-attr-ber-$obj
done
seed masterlist $syn/masterlist/masterlist.ml $real/masterlist/*.ml
seed deviation_list $syn/masterlist/masterlist.ml
seed crl $(genuine csca.crl) $(genuine csca.der) $(genuine dsc.der) $tv/pkits/crls/*.crl
seed certificate $real/csca-kor/*.cer $real/quirk-certs/*.cer $(genuine dsc.der) \
  $(ls $tv/pkits/certs/*.crt | head -60)
seed spki_signature $(genuine dsc.der)
seed vid_san $(genuine dsc.der)
# seal_open input: key selector (0-3 the P-256, P-384, P-521 and RSA-2048 testkit keys, 4 the
# bytes as the key), then the sealed value: shapes of each suite, and a PKCS#8 key.
mkdir -p corpus/seal_open
for sel in 0 1 2 3; do
  for len in 0 101 133 169 256; do
    { printf "\\x0$sel\\x04"; head -c "$len" /dev/zero; } > "corpus/seal_open/shape-$sel-$len"
  done
done
{ printf '\x04'; cat $syn/p256/genuine/aa_key.p8; } > corpus/seal_open/key-p256
# APDUs and secure messaging: the 9303-11 Appendix D trace (commands, responses), and
# the same bytes behind the cipher selector and mode of the sm_* targets (0 0: 3DES, raw).
mkdir -p corpus/apdu_command corpus/apdu_response corpus/sm_command corpus/sm_response
for apdu in 00A4020C02011E 0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800 \
    0CB000000D9701048E08ED6705417E96BA5500 00B0000004 00B00000000100 00A4020C000002011E0100; do
  printf '%s' "$apdu" | xxd -r -p > corpus/apdu_command/$apdu
  { printf '\x00\x00'; printf '%s' "$apdu" | xxd -r -p; } > corpus/sm_command/raw-$apdu
  { printf '\x01\x01'; printf '%s' "$apdu" | xxd -r -p; } > corpus/sm_command/plain-$apdu
done
for resp in 990290008E08FA855A5D4C50A8ED9000 8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000 60145F019000 6A82; do
  printf '%s' "$resp" | xxd -r -p > corpus/apdu_response/$resp
  { printf '\x00\x00'; printf '%s' "$resp" | xxd -r -p; } > corpus/sm_response/raw-$resp
  { printf '\x01\x01'; printf '%s' "$resp" | xxd -r -p; } > corpus/sm_response/plain-$resp
done
# ca_chip: MSE:Set AT for ECDH-AES-128 key 1 then GA with the P-256 generator; MSE:Set KAT
# (3DES, key 2) with the same point; a PACE MSE:Set AT.
mkdir -p corpus/ca_chip
g=046B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C2964FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5
set_at=002241A40F800A04007F000702020302028401 ga=00860000457C438041$g
{ printf '\x14'; printf '%s01' "$set_at" | xxd -r -p; printf '\x4b'; printf '%s00' "$ga" | xxd -r -p; } > corpus/ca_chip/aes128
{ printf '\x4b'; printf '002241A6469141%s840102' "$g" | xxd -r -p; } > corpus/ca_chip/kat
{ printf '\x14'; printf '002241C10F800A04007F00070202040202830101' | xxd -r -p; } > corpus/ca_chip/pace
# card_access: the 9303-11 worked example's EF.CardAccess (ECDH-GM-AES-128, brainpoolP256r1)
# and one offering DH-GM then ECDH-GM-AES-256 on P-256.
mkdir -p corpus/card_access
printf '31143012060A04007F0007020204020202010202010D' | xxd -r -p > corpus/card_access/example
printf '31283012060A04007F0007020204010202010202010D3012060A04007F0007020204020402010202010C' | xxd -r -p > corpus/card_access/two
# general_authenticate: the worked example's answers (terminal, mode 00) and commands (chip,
# mode 01), each frame a length byte and the APDU.
mkdir -p corpus/general_authenticate
pm_pcd=047ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D
pm_picc=04824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F5730D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C54
pk_pcd=042DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB36462
pk_picc=049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094
frames() { for apdu in "$@"; do printf '%02X%s' $(( ${#apdu} / 2 )) "$apdu"; done; }
{ printf '00'; frames 9000 7C12801095A3A016522EE98D01E76CB6B98B42C39000 7C438241${pm_picc}9000 \
    7C438441${pk_picc}9000 7C0A86083ABB9674BCE93C089000; } | xxd -r -p > corpus/general_authenticate/terminal
{ printf '01'; frames 0022C1A40F800A04007F00070202040202830101 10860000027C0000 10860000457C438141${pm_pcd}00 \
    10860000457C438341${pk_pcd}00 008600000C7C0A8508C2B0BD78D94BA86600; } | xxd -r -p > corpus/general_authenticate/chip
# agreement_keys: DG14 CA keys (SPKI, openssl: brainpoolP256r1 named and explicit, P-521,
# DH on RFC 5114 2048/224), and selector + public key / X9.42 parameters.
mkdir -p corpus/agreement_keys
seed agreement_keys $(genuine DG14.bin) $tv/agreement/*.der
tmp_ka=$(mktemp -d)
for curve in brainpoolP256r1 secp521r1; do
  for enc in named_curve explicit; do
    openssl ecparam -name $curve -param_enc $enc -genkey -noout -out "$tmp_ka/k.pem" 2>/dev/null && \
      openssl ec -in "$tmp_ka/k.pem" -param_enc $enc -pubout -outform DER \
        -out corpus/agreement_keys/spki-$curve-$enc 2>/dev/null || true
  done
done
openssl genpkey -genparam -algorithm DHX -pkeyopt dh_rfc5114:2 -out "$tmp_ka/p.pem" 2>/dev/null && \
  openssl genpkey -paramfile "$tmp_ka/p.pem" -out "$tmp_ka/k.pem" 2>/dev/null && \
  openssl pkey -in "$tmp_ka/k.pem" -pubout -outform DER -out corpus/agreement_keys/spki-dh-2048-224 \
    2>/dev/null || true
rm -rf "$tmp_ka"
{ printf '\x05\x04'; head -c 64 /dev/zero; } > corpus/agreement_keys/bp256-point-shape
{ printf '\x0a'; head -c 256 /dev/zero; } > corpus/agreement_keys/dh-2048-shape
for n in 1 2 3; do { printf '\x0a'; cat $tv/agreement/rfc5114-$n.der; } > corpus/agreement_keys/x942-$n; done
# The virtual chip: mode (odd: BAC first), then [len][APDU] frames (an odd length byte is
# protected by the terminal): SELECT DG1 + READ BINARY under SM; GET CHALLENGE in plain.
mkdir -p corpus/virtual_chip
printf '%s' 01 07 00A4020C020101 05 00B0000004 09 00B100000354010100 | xxd -r -p > corpus/virtual_chip/bac-select-read
printf '%s' 00 0C 00A4040C07A0000002471001 06 008400000800 | xxd -r -p > corpus/virtual_chip/plain
seed profile_toml ../crates/dongpo-profiles/profiles/*.toml
seed server_request
# oidc: selector byte, then a JWS-shaped token, a JWK set, a PAR form and a token form.
mkdir -p corpus/oidc
printf '\x00%s' 'eyJhbGciOiJFUzI1NiIsImtpZCI6IngifQ.eyJpc3MiOiJodHRwczovL3ZlcmlmaWVyLmV4YW1wbGUifQ.AAAA' > corpus/oidc/jws
printf '\x01%s' '{"keys":[{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA","kid":"k","use":"sig"}]}' > corpus/oidc/jwks
printf '\x02%s' 'response_type=code&client_id=ca-kb&redirect_uri=https://ca.example/cb&scope=openid&state=s&nonce=n&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer&client_assertion=a.b.c' > corpus/oidc/par
printf '\x03%s' 'grant_type=authorization_code&code=x&redirect_uri=https://ca.example/cb&code_verifier=v&client_id=ca-kb' > corpus/oidc/token
seed active_auth
# active_auth input: hash selector, DG15 length (2), challenge length (1), DG15, challenge,
# signature: the real RSA vector, and an ECDSA one signed by the testkit chip key.
aa_input() { # OUT SELECTOR DG15 CHALLENGE SIGNATURE
  python3 - "$@" <<'PY'
import sys
out, sel, dg15, ch, sig = sys.argv[1], int(sys.argv[2]), *(open(f, 'rb').read() for f in sys.argv[3:])
open(out, 'wb').write(bytes([sel]) + len(dg15).to_bytes(2, 'big') + bytes([len(ch)]) + dg15 + ch + sig)
PY
}
aa_input corpus/active_auth/real-rsa 5 $real/active-auth/EF_DG15.bin $real/active-auth/challenge.bin \
  $real/active-auth/signature.bin
if [ -x ../target/debug/dongpo ] || [ -x ../target/release/dongpo ]; then
  dongpo=$(ls ../target/release/dongpo ../target/debug/dongpo 2>/dev/null | head -1 || true)
  tmp_aa=$(mktemp -d)
  for alg in p256 rsa2048; do
    printf '0123456\x37' > "$tmp_aa/challenge"
    "$dongpo" testkit aa-sign --key $syn/$alg/genuine/aa_key.p8 --challenge "$(xxd -p "$tmp_aa/challenge")" \
      --out "$tmp_aa/sig" >/dev/null 2>&1 && \
      aa_input corpus/active_auth/testkit-$alg 1 $syn/$alg/genuine/DG15.bin "$tmp_aa/challenge" "$tmp_aa/sig"
  done
  rm -rf "$tmp_aa"
fi
seed pkd_ldif
printf 'dn: cn=x,o=ml,c=NL,dc=data\nobjectClass: CscaMasterList\nCscaMasterListData:: %s\n\n' \
  "$(base64 -w0 < $syn/masterlist/masterlist.ml)" > corpus/pkd_ldif/masterlist.ldif

# OCSP requests and CSRs from openssl, when it is here.
if command -v openssl >/dev/null; then
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  seed ocsp_request; seed ocsp_response; seed csr
  for alg in p256 rsa2048; do
    d=$syn/$alg/genuine
    openssl ocsp -issuer <(openssl x509 -inform der -in $d/csca.der) \
      -cert <(openssl x509 -inform der -in $d/dsc.der) -reqout corpus/ocsp_request/$alg.der -no_nonce 2>/dev/null || true
    openssl ocsp -issuer <(openssl x509 -inform der -in $d/csca.der) \
      -cert <(openssl x509 -inform der -in $d/dsc.der) -reqout corpus/ocsp_request/$alg-nonce.der 2>/dev/null || true
  done
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $tmp/k -subj /CN=x \
    -outform der -out corpus/csr/p256.der 2>/dev/null || true
  openssl req -new -newkey rsa:2048 -nodes -keyout $tmp/k -subj /CN=x -out corpus/csr/rsa.pem 2>/dev/null || true
fi
for t in corpus/*; do printf '%-16s %s files\n' "${t#corpus/}" "$(ls "$t" | wc -l)"; done
