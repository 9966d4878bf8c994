"""Independent Chip Authentication v1 (ICAO 9303-11 §6.2; command encodings from BSI
TR-03110-3 B.11) on pyca/cryptography, to cross-check dongpo-chip's `ca` module where no
worked example is published. It reuses only the separate secure-messaging reference
`../icao-sm/sm_ref.py` (which reproduces 9303-11 Appendix D.4) and shares no code with
the Rust crate.

    python3 ca_ref.py > ca-vectors.json

For each case: the chip's static key (private scalar/exponent and the SubjectPublicKeyInfo
that goes into DG14), the terminal's ephemeral private key and public key as sent, the plain
CA commands (MSE:Set KAT for 3DES; MSE:Set AT + GENERAL AUTHENTICATE for AES), the shared
secret, KSenc/KSmac, and the first two APDUs under the new keys from SSC 0 (SELECT EF 0101,
READ BINARY 4 bytes) with the chip's protected answers.
"""
import hashlib
import json
import os
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dh, ec

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "icao-sm"))
import sm_ref  # noqa: E402

CURVES = {
    "P-256": ec.SECP256R1(), "P-384": ec.SECP384R1(), "P-521": ec.SECP521R1(),
    "brainpoolP256r1": ec.BrainpoolP256R1(), "brainpoolP384r1": ec.BrainpoolP384R1(),
    "brainpoolP512r1": ec.BrainpoolP512R1(),
}
OIDS = {  # id-CA-{DH,ECDH}-{3DES-CBC-CBC, AES-CBC-CMAC-128/192/256}, DER value bytes
    ("DH", "3DES"): "04007F0007020203 0101", ("DH", "AES-128"): "04007F0007020203 0102",
    ("DH", "AES-192"): "04007F0007020203 0103", ("DH", "AES-256"): "04007F0007020203 0104",
    ("ECDH", "3DES"): "04007F0007020203 0201", ("ECDH", "AES-128"): "04007F0007020203 0202",
    ("ECDH", "AES-192"): "04007F0007020203 0203", ("ECDH", "AES-256"): "04007F0007020203 0204",
}
CASES = [  # (domain, cipher, key id)
    ("P-256", "AES-128", 1), ("brainpoolP256r1", "3DES", None), ("P-384", "AES-192", None),
    ("brainpoolP384r1", "AES-256", 2), ("P-521", "AES-128", None), ("brainpoolP512r1", "3DES", 300),
    ("dh-2048-224", "AES-256", None), ("dh-2048-224", "3DES", 1),
]


def scalar(label, bits):
    """A private key below 2^(bits-8): inside [1, n-1] for every curve and subgroup here."""
    return int.from_bytes(hashlib.sha512(label.encode()).digest() * 2, "big") % (1 << (bits - 8)) + 1


def point(pub):
    return pub.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def key_id_bytes(k):
    return k.to_bytes(max(1, (k.bit_length() + 7) // 8), "big")


def case(domain, cipher, key_id):
    label = f"dongpo ca vector {domain} {cipher}"
    if domain in CURVES:
        agreement = "ECDH"
        bits = CURVES[domain].key_size
        size = (bits + 7) // 8
        chip = ec.derive_private_key(scalar(label + " chip", bits), CURVES[domain])
        term = ec.derive_private_key(scalar(label + " terminal", bits), CURVES[domain])
        chip_priv = chip.private_numbers().private_value.to_bytes(size, "big")
        term_priv = term.private_numbers().private_value.to_bytes(size, "big")
        spki = chip.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        term_pub = point(term.public_key())
        secret = term.exchange(ec.ECDH(), chip.public_key())  # x-coordinate, field length
        assert secret == chip.exchange(ec.ECDH(), term.public_key())
    else:
        agreement = "DH"
        params = serialization.load_der_parameters(open(os.path.join(HERE, "..", "agreement", "rfc5114-2.der"), "rb").read())
        nums = params.parameter_numbers()
        p, q, g = nums.p, nums.q, nums.g
        plen = (p.bit_length() + 7) // 8
        qlen = (q.bit_length() + 7) // 8
        x_chip, x_term = scalar(label + " chip", q.bit_length()), scalar(label + " terminal", q.bit_length())
        y_chip, y_term = pow(g, x_chip, p), pow(g, x_term, p)
        chip_key = dh.DHPublicNumbers(y_chip, nums).public_key()
        spki = chip_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        chip_priv, term_priv = x_chip.to_bytes(qlen, "big"), x_term.to_bytes(qlen, "big")
        term_pub = y_term.to_bytes(plen, "big")
        secret = pow(y_chip, x_term, p).to_bytes(plen, "big")
        assert secret == pow(y_term, x_chip, p).to_bytes(plen, "big")
    tlv = sm_ref.tlv
    kid = tlv(0x84, key_id_bytes(key_id)) if key_id is not None else b""
    if cipher == "3DES":
        data = tlv(0x91, term_pub) + kid
        commands = [sm_ref.plain_command(0, 0x22, 0x41, 0xA6, data, None, len(data) > 255)]
        answers = ["9000"]
    else:
        oid = bytes.fromhex(OIDS[(agreement, cipher)].replace(" ", ""))
        at = tlv(0x80, oid) + kid
        ga = tlv(0x7C, tlv(0x80, term_pub))
        commands = [sm_ref.plain_command(0, 0x22, 0x41, 0xA4, at, None, False),
                    sm_ref.plain_command(0, 0x86, 0, 0, ga, 256, len(ga) > 255)]
        answers = ["9000", "7C009000"]
    ks_enc, ks_mac = sm_ref.kdf(secret, cipher, 1), sm_ref.kdf(secret, cipher, 2)
    ch = sm_ref.Channel(cipher, ks_enc, ks_mac, bytes(sm_ref.block(cipher)))
    after = [
        {"command": "00A4020C020101",
         "protected_command": ch.protect_command(0, 0xA4, 2, 0x0C, bytes.fromhex("0101"), None, False).hex().upper(),
         "response": "9000",
         "protected_response": ch.protect_response(0xA4, b"", bytes.fromhex("9000")).hex().upper()},
        {"command": "00B0000004",
         "protected_command": ch.protect_command(0, 0xB0, 0, 0, b"", 4, False).hex().upper(),
         "response": "600A5F019000",
         "protected_response": ch.protect_response(0xB0, bytes.fromhex("600A5F01"), bytes.fromhex("9000")).hex().upper()},
    ]
    return {
        "domain": domain, "agreement": agreement, "cipher": cipher, "key_id": key_id,
        "protocol_oid": OIDS[(agreement, cipher)].replace(" ", ""),
        "chip_private": chip_priv.hex().upper(), "chip_spki": spki.hex().upper(),
        "terminal_private": term_priv.hex().upper(), "terminal_public": term_pub.hex().upper(),
        "commands": [c.hex().upper() for c in commands], "answers": answers,
        "shared_secret": secret.hex().upper(), "ks_enc": ks_enc.hex().upper(), "ks_mac": ks_mac.hex().upper(),
        "after": after,
    }


if __name__ == "__main__":
    json.dump([case(*c) for c in CASES], sys.stdout, indent=1)
    print()
