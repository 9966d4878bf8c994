"""Independent RFC 9180 base-mode HPKE (DHKEM over P-256/P-384/P-521, HKDF-SHA2,
AES-GCM), written from the RFC text on pyca/cryptography primitives. It checks every
vector in rfc9180-base.json and regenerates the two dongpo vectors:

    python3 hpke_ref.py check rfc9180-base.json
    python3 hpke_ref.py generate          # prints the two dongpo vectors as JSON
"""
import hashlib
import hmac
import json
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# kem_id: (curve, Nsk, DeriveKeyPair bitmask, KEM hash, Nsecret, group order)
KEMS = {
    0x10: (ec.SECP256R1(), 32, 0xFF, hashlib.sha256, 32,
           int("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551", 16)),
    0x11: (ec.SECP384R1(), 48, 0xFF, hashlib.sha384, 48,
           int("ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf"
               "581a0db248b0a77aecec196accc52973", 16)),
    0x12: (ec.SECP521R1(), 66, 0x01, hashlib.sha512, 64,
           int("01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
               "fa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409", 16)),
}
KDFS = {1: hashlib.sha256, 2: hashlib.sha384, 3: hashlib.sha512}
AEAD_KEY_LEN = {1: 16, 2: 32}


def extract(hf, salt, ikm):
    return hmac.new(salt or b"\0" * hf().digest_size, ikm, hf).digest()


def expand(hf, prk, info, length):
    out, block, i = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([i]), hf).digest()
        out, i = out + block, i + 1
    return out[:length]


def labeled_extract(hf, suite, salt, label, ikm):
    return extract(hf, salt, b"HPKE-v1" + suite + label + ikm)


def labeled_expand(hf, suite, prk, label, info, length):
    return expand(hf, prk, length.to_bytes(2, "big") + b"HPKE-v1" + suite + label + info, length)


def derive_key_pair(kem, ikm):
    curve, nsk, mask, hf, _, order = KEMS[kem]
    suite = b"KEM" + kem.to_bytes(2, "big")
    prk = labeled_extract(hf, suite, b"", b"dkp_prk", ikm)
    for counter in range(256):
        candidate = bytearray(labeled_expand(hf, suite, prk, b"candidate", bytes([counter]), nsk))
        candidate[0] &= mask
        sk = int.from_bytes(candidate, "big")
        if 0 < sk < order:
            return ec.derive_private_key(sk, curve)
    raise ValueError("DeriveKeyPairError")


def public_bytes(private):
    return private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def seal(kem, kdf, aead, pk_r, info, aad, pt, ikm_e):
    curve, _, _, khf, nsecret, _ = KEMS[kem]
    kem_suite = b"KEM" + kem.to_bytes(2, "big")
    sk_e = derive_key_pair(kem, ikm_e)
    enc = public_bytes(sk_e)
    dh = sk_e.exchange(ec.ECDH(), ec.EllipticCurvePublicKey.from_encoded_point(curve, pk_r))
    eae_prk = labeled_extract(khf, kem_suite, b"", b"eae_prk", dh)
    shared = labeled_expand(khf, kem_suite, eae_prk, b"shared_secret", enc + pk_r, nsecret)
    hf = KDFS[kdf]
    suite = b"HPKE" + kem.to_bytes(2, "big") + kdf.to_bytes(2, "big") + aead.to_bytes(2, "big")
    context = (b"\0" + labeled_extract(hf, suite, b"", b"psk_id_hash", b"")
               + labeled_extract(hf, suite, b"", b"info_hash", info))
    secret = labeled_extract(hf, suite, shared, b"secret", b"")
    key = labeled_expand(hf, suite, secret, b"key", context, AEAD_KEY_LEN[aead])
    nonce = labeled_expand(hf, suite, secret, b"base_nonce", context, 12)
    return enc, AESGCM(key).encrypt(nonce, pt, aad)


def check(path):
    ok = True
    for v in json.load(open(path)):
        h = bytes.fromhex
        enc, ct = seal(v["kem_id"], v["kdf_id"], v["aead_id"], h(v["pkRm"]), h(v["info"]),
                       h(v["aad"]), h(v["pt"]), h(v["ikmE"]))
        sk = int(v["skRm"], 16)
        pk = public_bytes(ec.derive_private_key(sk, KEMS[v["kem_id"]][0])).hex()
        good = enc.hex() == v["enc"] and ct.hex() == v["ct"] and pk == v["pkRm"]
        ok &= good
        print(("OK " if good else "MISMATCH ") + v["section"])
    return ok


def generate():
    out = []
    for kem, kdf, name, sha in [(0x10, 1, "P-256", 256), (0x11, 2, "P-384", 384)]:
        nsk = KEMS[kem][1]
        ikm_e = hashlib.shake_256(f"dongpo seal vector {name} ikmE".encode()).digest(nsk)
        ikm_r = hashlib.shake_256(f"dongpo seal vector {name} ikmR".encode()).digest(nsk)
        sk_r = derive_key_pair(kem, ikm_r)
        pk_r = public_bytes(sk_r)
        info = b"dongpo KISA VID randomNum v1"
        pt = bytes.fromhex("79EA7568A2D3776604E18BCD3A1B1B85B7DA0872")
        enc, ct = seal(kem, kdf, 2, pk_r, info, b"", pt, ikm_e)
        out.append({
            "section": f"dongpo: DHKEM({name}), HKDF-SHA{sha}, AES-256-GCM, info "
                       "VID_RANDOM_INFO, empty aad; generated and cross-checked, see README.md",
            "kem_id": kem, "kdf_id": kdf, "aead_id": 2, "info": info.hex(),
            "ikmE": ikm_e.hex(), "pkRm": pk_r.hex(),
            "skRm": sk_r.private_numbers().private_value.to_bytes(nsk, "big").hex(),
            "enc": enc.hex(), "pt": pt.hex(), "aad": "", "ct": ct.hex(),
        })
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    if sys.argv[1:2] == ["check"]:
        sys.exit(0 if check(sys.argv[2]) else 1)
    generate()
