"""Independent ICAO 9303-11 secure messaging (KDF §9.7.1, SM §9.8), written from the
specification text on pyca/cryptography primitives, to cross-check dongpo-chip where no
worked example is published (AES-128/192/256 secure messaging, extended length, odd INS).

    python3 sm_ref.py check            # reproduces 9303-11 Appendix D.4 byte for byte
    python3 sm_ref.py generate > sm-vectors.json

The generated steps run one channel from SSC 0 (as after PACE or Chip Authentication):
for each step the terminal protects `command`, the chip answers `response` protected.
"""
import hashlib
import json
import sys

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC

KEY_LEN = {"3DES": 16, "AES-128": 16, "AES-192": 24, "AES-256": 32}


def kdf(secret, cipher, counter):
    c = counter.to_bytes(4, "big")
    if cipher in ("3DES", "AES-128"):
        k = hashlib.sha1(secret + c).digest()[:16]
    else:
        k = hashlib.sha256(secret + c).digest()[: KEY_LEN[cipher]]
    if cipher == "3DES":  # odd parity in every byte
        k = bytes((b & 0xFE) | (bin(b & 0xFE).count("1") % 2 == 0) for b in k)
    return k


def block(cipher):
    return 8 if cipher == "3DES" else 16


def pad(data, bs):
    data = data + b"\x80"
    return data + b"\x00" * (-len(data) % bs)


def tdes(key):
    """Two-key 3DES as three-key K1 K2 K1 (the two-key form is deprecated in cryptography)."""
    return TripleDES(key + key[:8])


def ecb(key, cipher, data):
    alg = tdes(key) if cipher == "3DES" else algorithms.AES(key)
    e = Cipher(alg, modes.ECB()).encryptor()
    return e.update(data) + e.finalize()


def cbc(key, cipher, iv, data, decrypt=False):
    alg = tdes(key) if cipher == "3DES" else algorithms.AES(key)
    c = Cipher(alg, modes.CBC(iv))
    op = c.decryptor() if decrypt else c.encryptor()
    return op.update(data) + op.finalize()


def des(key8, data, decrypt=False):
    c = Cipher(TripleDES(key8 * 3), modes.ECB())
    op = c.decryptor() if decrypt else c.encryptor()
    return op.update(data) + op.finalize()


def mac(key, cipher, data):
    """data is already padded."""
    if cipher == "3DES":  # ISO/IEC 9797-1 MAC algorithm 3: DES CBC-MAC, then D(K2), E(K1)
        k1, k2 = key[:8], key[8:]
        h = bytes(8)
        for i in range(0, len(data), 8):
            h = des(k1, bytes(a ^ b for a, b in zip(h, data[i : i + 8])))
        return des(k1, des(k2, h, decrypt=True))
    m = CMAC(algorithms.AES(key))
    m.update(data)
    return m.finalize()[:8]


def tlv(tag, value):
    n = len(value)
    if n < 0x80:
        length = bytes([n])
    elif n < 0x100:
        length = bytes([0x81, n])
    else:
        length = bytes([0x82]) + n.to_bytes(2, "big")
    return bytes([tag]) + length + value


class Channel:
    def __init__(self, cipher, ks_enc, ks_mac, ssc):
        self.cipher, self.enc, self.mac_key, self.ssc = cipher, ks_enc, ks_mac, ssc

    def inc(self):
        n = len(self.ssc)
        self.ssc = ((int.from_bytes(self.ssc, "big") + 1) % (1 << (8 * n))).to_bytes(n, "big")

    def iv(self):
        return bytes(8) if self.cipher == "3DES" else ecb(self.enc, self.cipher, self.ssc)

    def crypto_do(self, ins, data):
        if not data:
            return b""
        e = cbc(self.enc, self.cipher, self.iv(), pad(data, block(self.cipher)))
        return tlv(0x85, e) if ins & 1 else tlv(0x87, b"\x01" + e)

    def protect_command(self, cla, ins, p1, p2, data, le, extended):
        bs = block(self.cipher)
        header = bytes([cla | 0x0C, ins, p1, p2])
        self.inc()  # the incremented SSC is the IV's input and the MAC's prefix
        dos = self.crypto_do(ins, data)
        if le is not None:
            dos += tlv(0x97, (le % 65536).to_bytes(2, "big") if extended else bytes([le % 256]))
        dos += tlv(0x8E, mac(self.mac_key, self.cipher, pad(self.ssc + pad(header, bs) + dos, bs)))
        if extended or len(dos) > 255:
            return header + b"\x00" + len(dos).to_bytes(2, "big") + dos + b"\x00\x00"
        return header + bytes([len(dos)]) + dos + b"\x00"

    def protect_response(self, ins, data, sw):
        bs = block(self.cipher)
        self.inc()
        dos = self.crypto_do(ins, data) + tlv(0x99, sw)
        dos += tlv(0x8E, mac(self.mac_key, self.cipher, pad(self.ssc + dos, bs)))
        return dos + sw


def plain_command(cla, ins, p1, p2, data, le, extended):
    out = bytes([cla, ins, p1, p2])
    if extended:
        if data:
            out += b"\x00" + len(data).to_bytes(2, "big") + data
        if le is not None:
            out += (b"" if data else b"\x00") + (le % 65536).to_bytes(2, "big")
    else:
        if data:
            out += bytes([len(data)]) + data
        if le is not None:
            out += bytes([le % 256])
    return out


def filler(label, n):
    return hashlib.shake_256(label.encode()).digest(n)


# (cla, ins, p1, p2, data, le, extended, response data, sw)
STEPS = [
    (0x00, 0xA4, 0x02, 0x0C, bytes.fromhex("011E"), None, False, b"", "9000"),
    (0x00, 0xB0, 0x00, 0x00, b"", 4, False, bytes.fromhex("60145F01"), "9000"),
    (0x00, 0xB0, 0x00, 0x00, b"", 256, False, filler("read 256", 256), "9000"),
    (0x00, 0xB1, 0x00, 0x00, bytes.fromhex("54028000"), 16, False,
     bytes.fromhex("530F") + filler("odd ins", 15), "9000"),
    (0x00, 0xB0, 0x00, 0x00, b"", 1000, True, filler("extended read", 1000), "9000"),
    (0x00, 0xB0, 0x00, 0x00, b"", 65536, True, filler("read 65536", 700), "6282"),
    (0x00, 0xD6, 0x00, 0x00, filler("update 300", 300), None, False, b"", "9000"),
    (0x00, 0x22, 0x41, 0xA4, bytes.fromhex("800A04007F00070202030202840101"), None, False, b"", "9000"),
    (0x00, 0xB0, 0x01, 0x00, b"", 1, False, b"", "6B00"),
    (0x00, 0x84, 0x00, 0x00, b"", 8, False, filler("challenge", 8), "9000"),
]


def generate():
    out = []
    for cipher in ("AES-128", "AES-192", "AES-256", "3DES"):
        secret = hashlib.sha256(f"dongpo sm vector {cipher}".encode()).digest()
        ks_enc, ks_mac = kdf(secret, cipher, 1), kdf(secret, cipher, 2)
        ch = Channel(cipher, ks_enc, ks_mac, bytes(block(cipher)))
        steps = []
        for cla, ins, p1, p2, data, le, ext, rdata, sw in STEPS:
            # Short form only where it fits.
            ext = ext or len(data) > 255 or (le is not None and le > 256)
            sw = bytes.fromhex(sw)
            steps.append({
                "command": plain_command(cla, ins, p1, p2, data, le, ext).hex().upper(),
                "protected_command": ch.protect_command(cla, ins, p1, p2, data, le, ext).hex().upper(),
                "response": (rdata + sw).hex().upper(),
                "protected_response": ch.protect_response(ins, rdata, sw).hex().upper(),
            })
        out.append({
            "cipher": cipher,
            "shared_secret": secret.hex().upper(),
            "ks_enc": ks_enc.hex().upper(),
            "ks_mac": ks_mac.hex().upper(),
            "steps": steps,
        })
    json.dump(out, sys.stdout, indent=1)
    print()


def check():
    # 9303-11 Appendix D.3/D.4.
    assert kdf(bytes.fromhex("0036D272F5C350ACAC50C3F572D23600"), "3DES", 1).hex().upper() == "979EC13B1CBFE9DCD01AB0FED307EAE5"
    assert kdf(bytes.fromhex("0036D272F5C350ACAC50C3F572D23600"), "3DES", 2).hex().upper() == "F1CB1F1FB5ADF208806B89DC579DC1F8"
    # 9303-11 Appendix G.1.
    assert kdf(bytes.fromhex("28768D20701247DAE81804C9E780EDE582A9996DB4A315020B2733197DB84925"), "AES-128", 1).hex().upper() == "F5F0E35C0D7161EE6724EE513A0D9A7F"
    ch = Channel("3DES", bytes.fromhex("979EC13B1CBFE9DCD01AB0FED307EAE5"),
                 bytes.fromhex("F1CB1F1FB5ADF208806B89DC579DC1F8"), bytes.fromhex("887022120C06C226"))
    trace = [
        ((0, 0xA4, 2, 0x0C, bytes.fromhex("011E"), None), "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800",
         b"", "990290008E08FA855A5D4C50A8ED9000"),
        ((0, 0xB0, 0, 0, b"", 4), "0CB000000D9701048E08ED6705417E96BA5500",
         bytes.fromhex("60145F01"), "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000"),
        ((0, 0xB0, 0, 4, b"", 0x12), "0CB000040D9701128E082EA28A70F3C7B53500",
         bytes.fromhex("04303130365F36063034303030305C026175"),
         "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D749000"),
    ]
    for (cla, ins, p1, p2, data, le), protected, rdata, presp in trace:
        assert ch.protect_command(cla, ins, p1, p2, data, le, False).hex().upper() == protected
        assert ch.protect_response(ins, rdata, b"\x90\x00").hex().upper() == presp
    print("Appendix D.4 reproduced")


if __name__ == "__main__":
    {"check": check, "generate": generate}[sys.argv[1]]()
