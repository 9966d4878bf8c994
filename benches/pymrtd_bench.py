"""pymrtd (ZeroPass) Passive Authentication rate on the testkit's genuine documents, one core.

    PYTHONPATH=<pymrtd>/src python pymrtd_bench.py test-vectors/synthetic rsa2048 p256 ...

Per document: parse EF.SOD, find the DSC, check messageDigest and the SOD signature,
hash DG1, DG2, DG14, DG15 against the SOD; `+chain` also checks the CSCA's signature on
the DSC (pymrtd has no chain cache), as a single-document verifier must.
"""
import sys, time
from pathlib import Path
from pymrtd.ef.sod import SOD
from pymrtd.ef.dg import DataGroup, DG1, DG14, DG15
from pymrtd.pki.x509 import CscaCertificate

def rate(fn, seconds=3.0):
    fn()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn(); n += 1
    return n / (time.perf_counter() - start)

class DG2(DataGroup):
    tag = 21  # EF.DG2 is [APPLICATION 21] (0x75); pymrtd maps it to DG number 2

def main():
    root = Path(sys.argv[1])
    for profile in sys.argv[2:]:
        d = root / profile / "genuine"
        sod_bytes = (d / "EF_SOD.bin").read_bytes()
        csca = CscaCertificate.load((d / "csca.der").read_bytes())
        dgs = [(cls, (d / f"DG{n}.bin").read_bytes()) for n, cls in [(1, DG1), (2, DG2), (14, DG14), (15, DG15)]]
        def verify(chain):
            sod = SOD.load(sod_bytes)
            si = sod.signers[0]
            dsc = sod.getDscCertificate(si)
            sod.verify(si, dsc)
            if chain:
                dsc.verify(csca)
            for cls, raw in dgs:
                if not sod.ldsSecurityObject.contains(cls.load(raw)):
                    raise SystemExit(f"{profile}: DG hash mismatch")
        try:
            a = rate(lambda: verify(False)); b = rate(lambda: verify(True))
            print(f"{profile}\tpymrtd_docs_per_s={a:.0f}\tpymrtd_docs_per_s_with_chain={b:.0f}")
        except Exception as e:  # report unsupported algorithms instead of stopping
            print(f"{profile}\terror: {type(e).__name__}: {e}")

main()
