#!/usr/bin/env python3
"""Regenerates tests.tsv and copies the PKITS files the tests use.

Usage: make_manifest.py <PKITS_data dir> <output dir>

<PKITS_data dir> is `cryptography_vectors/x509/PKITS_data` from PyPI's
`cryptography-vectors` wheel. Each test's certification path and CRLs are read
from its S/MIME message (smime/Signed<Name>.eml: a CMS SignedData carrying every
certificate of the path but the trust anchor, and every CRL) and mapped back to
the certs/*.crt and crls/*.crl file names by content. Expected outcomes and
settings are those of PKITS.pdf section 4 (NIST, public domain), listed below.
"""
import base64, email, hashlib, os, shutil, sys

# (id, title, expected, initial-policy-set, explicit, inhibit-mapping, inhibit-any,
#  user-constrained-policy-set when the path validates).
# Default settings (PKITS section 3): {anyPolicy}, no flags. Every certificate
# outside the policy sections asserts NIST-test-policy-1, so their valid paths
# end with {NIST1}.
V, I = "valid", "invalid"
D = ("any", False, False, False)
def t(i, title, exp, settings=D, user=None):
    if user is None:
        user = "NIST1" if exp == V else ""
    return (i, title, exp) + settings + (user,)
def pol(s, e=False, m=False, a=False):
    return (s, e, m, a)

TESTS = [t(*x) for x in [
  ("4.1.1", "Valid Signatures Test1", V), ("4.1.2", "Invalid CA Signature Test2", I),
  ("4.1.3", "Invalid EE Signature Test3", I), ("4.1.4", "Valid DSA Signatures Test4", V),
  ("4.1.5", "Valid DSA Parameter Inheritance Test5", V), ("4.1.6", "Invalid DSA Signature Test6", I),
  ("4.2.1", "Invalid CA notBefore Date Test1", I), ("4.2.2", "Invalid EE notBefore Date Test2", I),
  ("4.2.3", "Valid pre2000 UTC notBefore Date Test3", V),
  ("4.2.4", "Valid GeneralizedTime notBefore Date Test4", V),
  ("4.2.5", "Invalid CA notAfter Date Test5", I), ("4.2.6", "Invalid EE notAfter Date Test6", I),
  ("4.2.7", "Invalid pre2000 UTC EE notAfter Date Test7", I),
  ("4.2.8", "Valid GeneralizedTime notAfter Date Test8", V),
  ("4.3.1", "Invalid Name Chaining EE Test1", I), ("4.3.2", "Invalid Name Chaining Order Test2", I),
  ("4.3.3", "Valid Name Chaining Whitespace Test3", V), ("4.3.4", "Valid Name Chaining Whitespace Test4", V),
  ("4.3.5", "Valid Name Chaining Capitalization Test5", V), ("4.3.6", "Valid Name Chaining UIDs Test6", V),
  ("4.3.7", "Valid RFC3280 Mandatory Attribute Types Test7", V),
  ("4.3.8", "Valid RFC3280 Optional Attribute Types Test8", V),
  ("4.3.9", "Valid UTF8String Encoded Names Test9", V),
  ("4.3.10", "Valid Rollover from PrintableString to UTF8String Test10", V),
  ("4.3.11", "Valid UTF8String Case Insensitive Match Test11", V),
  ("4.4.1", "Missing CRL Test1", I), ("4.4.2", "Invalid Revoked CA Test2", I),
  ("4.4.3", "Invalid Revoked EE Test3", I), ("4.4.4", "Invalid Bad CRL Signature Test4", I),
  ("4.4.5", "Invalid Bad CRL Issuer Name Test5", I), ("4.4.6", "Invalid Wrong CRL Test6", I),
  ("4.4.7", "Valid Two CRLs Test7", V), ("4.4.8", "Invalid Unknown CRL Entry Extension Test8", I),
  ("4.4.9", "Invalid Unknown CRL Extension Test9", I), ("4.4.10", "Invalid Unknown CRL Extension Test10", I),
  ("4.4.11", "Invalid Old CRL nextUpdate Test11", I), ("4.4.12", "Invalid pre2000 CRL nextUpdate Test12", I),
  ("4.4.13", "Valid GeneralizedTime CRL nextUpdate Test13", V),
  ("4.4.14", "Valid Negative Serial Number Test14", V), ("4.4.15", "Invalid Negative Serial Number Test15", I),
  ("4.4.16", "Valid Long Serial Number Test16", V), ("4.4.17", "Valid Long Serial Number Test17", V),
  ("4.4.18", "Invalid Long Serial Number Test18", I),
  ("4.4.19", "Valid Separate Certificate and CRL Keys Test19", V),
  ("4.4.20", "Invalid Separate Certificate and CRL Keys Test20", I),
  ("4.4.21", "Invalid Separate Certificate and CRL Keys Test21", I),
  ("4.5.1", "Valid Basic Self-Issued Old With New Test1", V),
  ("4.5.2", "Invalid Basic Self-Issued Old With New Test2", I),
  ("4.5.3", "Valid Basic Self-Issued New With Old Test3", V),
  ("4.5.4", "Valid Basic Self-Issued New With Old Test4", V),
  ("4.5.5", "Invalid Basic Self-Issued New With Old Test5", I),
  ("4.5.6", "Valid Basic Self-Issued CRL Signing Key Test6", V),
  ("4.5.7", "Invalid Basic Self-Issued CRL Signing Key Test7", I),
  ("4.5.8", "Invalid Basic Self-Issued CRL Signing Key Test8", I),
  ("4.6.1", "Invalid Missing basicConstraints Test1", I), ("4.6.2", "Invalid cA False Test2", I),
  ("4.6.3", "Invalid cA False Test3", I), ("4.6.4", "Valid basicConstraints Not Critical Test4", V),
  ("4.6.5", "Invalid pathLenConstraint Test5", I), ("4.6.6", "Invalid pathLenConstraint Test6", I),
  ("4.6.7", "Valid pathLenConstraint Test7", V), ("4.6.8", "Valid pathLenConstraint Test8", V),
  ("4.6.9", "Invalid pathLenConstraint Test9", I), ("4.6.10", "Invalid pathLenConstraint Test10", I),
  ("4.6.11", "Invalid pathLenConstraint Test11", I), ("4.6.12", "Invalid pathLenConstraint Test12", I),
  ("4.6.13", "Valid pathLenConstraint Test13", V), ("4.6.14", "Valid pathLenConstraint Test14", V),
  ("4.6.15", "Valid Self-Issued pathLenConstraint Test15", V),
  ("4.6.16", "Invalid Self-Issued pathLenConstraint Test16", I),
  ("4.6.17", "Valid Self-Issued pathLenConstraint Test17", V),
  ("4.7.1", "Invalid keyUsage Critical keyCertSign False Test1", I),
  ("4.7.2", "Invalid keyUsage Not Critical keyCertSign False Test2", I),
  ("4.7.3", "Valid keyUsage Not Critical Test3", V),
  ("4.7.4", "Invalid keyUsage Critical cRLSign False Test4", I),
  ("4.7.5", "Invalid keyUsage Not Critical cRLSign False Test5", I),
  ("4.8.1.1", "All Certificates Same Policy Test1", V, pol("any", e=True), "NIST1"),
  ("4.8.1.2", "All Certificates Same Policy Test1", V, pol("NIST1", e=True), "NIST1"),
  ("4.8.1.3", "All Certificates Same Policy Test1", I, pol("NIST2", e=True), ""),
  ("4.8.1.4", "All Certificates Same Policy Test1", V, pol("NIST1,NIST2", e=True), "NIST1"),
  ("4.8.2.1", "All Certificates No Policies Test2", V, D, ""),
  ("4.8.2.2", "All Certificates No Policies Test2", I, pol("any", e=True), ""),
  ("4.8.3.1", "Different Policies Test3", V, D, ""),
  ("4.8.3.2", "Different Policies Test3", I, pol("any", e=True), ""),
  ("4.8.3.3", "Different Policies Test3", I, pol("NIST1,NIST2", e=True), ""),
  ("4.8.4", "Different Policies Test4", I, D, ""), ("4.8.5", "Different Policies Test5", I, D, ""),
  ("4.8.6.1", "Overlapping Policies Test6", V, D, "NIST1"),
  ("4.8.6.2", "Overlapping Policies Test6", V, pol("NIST1"), "NIST1"),
  ("4.8.6.3", "Overlapping Policies Test6", I, pol("NIST2"), ""),
  ("4.8.7", "Different Policies Test7", I, D, ""), ("4.8.8", "Different Policies Test8", I, D, ""),
  ("4.8.9", "Different Policies Test9", I, D, ""),
  ("4.8.10.1", "All Certificates Same Policies Test10", V, D, "NIST1,NIST2"),
  ("4.8.10.2", "All Certificates Same Policies Test10", V, pol("NIST1"), "NIST1"),
  ("4.8.10.3", "All Certificates Same Policies Test10", V, pol("NIST2"), "NIST2"),
  ("4.8.11.1", "All Certificates AnyPolicy Test11", V, D, "any"),
  ("4.8.11.2", "All Certificates AnyPolicy Test11", V, pol("NIST1"), "NIST1"),
  ("4.8.12", "Different Policies Test12", I, D, ""),
  ("4.8.13.1", "All Certificates Same Policies Test13", V, pol("NIST1"), "NIST1"),
  ("4.8.13.2", "All Certificates Same Policies Test13", V, pol("NIST2"), "NIST2"),
  ("4.8.13.3", "All Certificates Same Policies Test13", V, pol("NIST3"), "NIST3"),
  ("4.8.14.1", "AnyPolicy Test14", V, pol("NIST1"), "NIST1"),
  ("4.8.14.2", "AnyPolicy Test14", I, pol("NIST2"), ""),
  ("4.8.15", "User Notice Qualifier Test15", V, D, "NIST1"),
  ("4.8.16", "User Notice Qualifier Test16", V, D, "NIST1"),
  ("4.8.17", "User Notice Qualifier Test17", V, D, "NIST1"),
  ("4.8.18.1", "User Notice Qualifier Test18", V, pol("NIST1"), "NIST1"),
  ("4.8.18.2", "User Notice Qualifier Test18", V, pol("NIST2"), "NIST2"),
  ("4.8.19", "User Notice Qualifier Test19", V, D, "NIST1"),
  ("4.8.20", "CPS Pointer Qualifier Test20", V, pol("any", e=True), "NIST1"),
  ("4.9.1", "Valid RequireExplicitPolicy Test1", V, D, ""),
  ("4.9.2", "Valid RequireExplicitPolicy Test2", V, D, ""),
  ("4.9.3", "Invalid RequireExplicitPolicy Test3", I, D, ""),
  ("4.9.4", "Valid RequireExplicitPolicy Test4", V, D, "NIST1"),
  ("4.9.5", "Invalid RequireExplicitPolicy Test5", I, D, ""),
  ("4.9.6", "Valid Self-Issued requireExplicitPolicy Test6", V, D, ""),
  ("4.9.7", "Invalid Self-Issued requireExplicitPolicy Test7", I, D, ""),
  ("4.9.8", "Invalid Self-Issued requireExplicitPolicy Test8", I, D, ""),
  ("4.10.1.1", "Valid Policy Mapping Test1", V, pol("NIST1"), "NIST1"),
  ("4.10.1.2", "Valid Policy Mapping Test1", I, pol("NIST2"), ""),
  ("4.10.1.3", "Valid Policy Mapping Test1", I, pol("any", m=True), ""),
  ("4.10.2.1", "Invalid Policy Mapping Test2", I, D, ""),
  ("4.10.2.2", "Invalid Policy Mapping Test2", I, pol("any", m=True), ""),
  ("4.10.3.1", "Valid Policy Mapping Test3", I, pol("NIST1"), ""),
  ("4.10.3.2", "Valid Policy Mapping Test3", V, pol("NIST2"), "NIST2"),
  ("4.10.4", "Invalid Policy Mapping Test4", I, D, ""),
  ("4.10.5.1", "Valid Policy Mapping Test5", V, pol("NIST1"), "NIST1"),
  ("4.10.5.2", "Valid Policy Mapping Test5", I, pol("NIST6"), ""),
  ("4.10.6.1", "Valid Policy Mapping Test6", V, pol("NIST1"), "NIST1"),
  ("4.10.6.2", "Valid Policy Mapping Test6", I, pol("NIST6"), ""),
  ("4.10.7", "Invalid Mapping From anyPolicy Test7", I, D, ""),
  ("4.10.8", "Invalid Mapping To anyPolicy Test8", I, D, ""),
  ("4.10.9", "Valid Policy Mapping Test9", V, D, "NIST1"),
  ("4.10.10", "Invalid Policy Mapping Test10", I, D, ""),
  ("4.10.11", "Valid Policy Mapping Test11", V, D, "NIST1"),
  ("4.10.12.1", "Valid Policy Mapping Test12", V, pol("NIST1"), "NIST1"),
  ("4.10.12.2", "Valid Policy Mapping Test12", V, pol("NIST2"), "NIST2"),
  ("4.10.13", "Valid Policy Mapping Test13", V, D, "NIST1"),
  ("4.10.14", "Valid Policy Mapping Test14", V, D, "NIST1"),
  ("4.11.1", "Invalid inhibitPolicyMapping Test1", I, D, ""),
  ("4.11.2", "Valid inhibitPolicyMapping Test2", V, D, "NIST1"),
  ("4.11.3", "Invalid inhibitPolicyMapping Test3", I, D, ""),
  ("4.11.4", "Valid inhibitPolicyMapping Test4", V, D, "NIST2"),
  ("4.11.5", "Invalid inhibitPolicyMapping Test5", I, D, ""),
  ("4.11.6", "Invalid inhibitPolicyMapping Test6", I, D, ""),
  ("4.11.7", "Valid Self-Issued inhibitPolicyMapping Test7", V, D, "NIST1"),
  ("4.11.8", "Invalid Self-Issued inhibitPolicyMapping Test8", I, D, ""),
  ("4.11.9", "Invalid Self-Issued inhibitPolicyMapping Test9", I, D, ""),
  ("4.11.10", "Invalid Self-Issued inhibitPolicyMapping Test10", I, D, ""),
  ("4.11.11", "Invalid Self-Issued inhibitPolicyMapping Test11", I, D, ""),
  ("4.12.1", "Invalid inhibitAnyPolicy Test1", I, D, ""),
  ("4.12.2", "Valid inhibitAnyPolicy Test2", V, D, "NIST1"),
  ("4.12.3.1", "inhibitAnyPolicy Test3", V, D, "NIST1"),
  ("4.12.3.2", "inhibitAnyPolicy Test3", I, pol("any", a=True), ""),
  ("4.12.4", "Invalid inhibitAnyPolicy Test4", I, D, ""),
  ("4.12.5", "Invalid inhibitAnyPolicy Test5", I, D, ""),
  ("4.12.6", "Invalid inhibitAnyPolicy Test6", I, D, ""),
  ("4.12.7", "Valid Self-Issued inhibitAnyPolicy Test7", V, D, "NIST1"),
  ("4.12.8", "Invalid Self-Issued inhibitAnyPolicy Test8", I, D, ""),
  ("4.12.9", "Valid Self-Issued inhibitAnyPolicy Test9", V, D, "NIST1"),
  ("4.12.10", "Invalid Self-Issued inhibitAnyPolicy Test10", I, D, ""),
]] + [t(f"4.13.{n}", title, V if title.startswith("Valid") else I) for n, title in [
  (1, "Valid DN nameConstraints Test1"), (2, "Invalid DN nameConstraints Test2"),
  (3, "Invalid DN nameConstraints Test3"), (4, "Valid DN nameConstraints Test4"),
  (5, "Valid DN nameConstraints Test5"), (6, "Valid DN nameConstraints Test6"),
  (7, "Invalid DN nameConstraints Test7"), (8, "Invalid DN nameConstraints Test8"),
  (9, "Invalid DN nameConstraints Test9"), (10, "Invalid DN nameConstraints Test10"),
  (11, "Valid DN nameConstraints Test11"), (12, "Invalid DN nameConstraints Test12"),
  (13, "Invalid DN nameConstraints Test13"), (14, "Valid DN nameConstraints Test14"),
  (15, "Invalid DN nameConstraints Test15"), (16, "Invalid DN nameConstraints Test16"),
  (17, "Invalid DN nameConstraints Test17"), (18, "Valid DN nameConstraints Test18"),
  (19, "Valid Self-Issued DN nameConstraints Test19"),
  (20, "Invalid Self-Issued DN nameConstraints Test20"),
  (21, "Valid RFC822 nameConstraints Test21"), (22, "Invalid RFC822 nameConstraints Test22"),
  (23, "Valid RFC822 nameConstraints Test23"), (24, "Invalid RFC822 nameConstraints Test24"),
  (25, "Valid RFC822 nameConstraints Test25"), (26, "Invalid RFC822 nameConstraints Test26"),
  (27, "Valid DN and RFC822 nameConstraints Test27"),
  (28, "Invalid DN and RFC822 nameConstraints Test28"),
  (29, "Invalid DN and RFC822 nameConstraints Test29"),
  (30, "Valid DNS nameConstraints Test30"), (31, "Invalid DNS nameConstraints Test31"),
  (32, "Valid DNS nameConstraints Test32"), (33, "Invalid DNS nameConstraints Test33"),
  (34, "Valid URI nameConstraints Test34"), (35, "Invalid URI nameConstraints Test35"),
  (36, "Valid URI nameConstraints Test36"), (37, "Invalid URI nameConstraints Test37"),
  (38, "Invalid DNS nameConstraints Test38"),
]] + [t(f"4.14.{n}", title, V if title.startswith("Valid") else I) for n, title in [
  (1, "Valid distributionPoint Test1"), (2, "Invalid distributionPoint Test2"),
  (3, "Invalid distributionPoint Test3"), (4, "Valid distributionPoint Test4"),
  (5, "Valid distributionPoint Test5"), (6, "Invalid distributionPoint Test6"),
  (7, "Valid distributionPoint Test7"), (8, "Invalid distributionPoint Test8"),
  (9, "Invalid distributionPoint Test9"), (10, "Valid No issuingDistributionPoint Test10"),
  (11, "Invalid onlyContainsUserCerts CRL Test11"), (12, "Invalid onlyContainsCACerts CRL Test12"),
  (13, "Valid onlyContainsCACerts CRL Test13"), (14, "Invalid onlyContainsAttributeCerts Test14"),
  (15, "Invalid onlySomeReasons Test15"), (16, "Invalid onlySomeReasons Test16"),
  (17, "Invalid onlySomeReasons Test17"), (18, "Valid onlySomeReasons Test18"),
  (19, "Valid onlySomeReasons Test19"), (20, "Invalid onlySomeReasons Test20"),
  (21, "Invalid onlySomeReasons Test21"), (22, "Valid IDP with indirectCRL Test22"),
  (23, "Invalid IDP with indirectCRL Test23"), (24, "Valid IDP with indirectCRL Test24"),
  (25, "Valid IDP with indirectCRL Test25"), (26, "Invalid IDP with indirectCRL Test26"),
  (27, "Invalid cRLIssuer Test27"), (28, "Valid cRLIssuer Test28"), (29, "Valid cRLIssuer Test29"),
  (30, "Valid cRLIssuer Test30"), (31, "Invalid cRLIssuer Test31"), (32, "Invalid cRLIssuer Test32"),
  (33, "Valid cRLIssuer Test33"), (34, "Invalid cRLIssuer Test34"), (35, "Invalid cRLIssuer Test35"),
]] + [t(f"4.15.{n}", title, V if title.startswith("Valid") else I) for n, title in [
  (1, "Invalid deltaCRLIndicator No Base Test1"), (2, "Valid delta-CRL Test2"),
  (3, "Invalid delta-CRL Test3"), (4, "Invalid delta-CRL Test4"), (5, "Valid delta-CRL Test5"),
  (6, "Invalid delta-CRL Test6"), (7, "Valid delta-CRL Test7"), (8, "Valid delta-CRL Test8"),
  (9, "Invalid delta-CRL Test9"), (10, "Invalid delta-CRL Test10"),
]] + [
  t("4.16.1", "Valid Unknown Not Critical Certificate Extension Test1", V),
  t("4.16.2", "Invalid Unknown Critical Certificate Extension Test2", I),
]


def tlv(buf, pos):
    """(tag, content start, end) of the DER element at pos."""
    tag = buf[pos]; pos += 1
    n = buf[pos]; pos += 1
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(buf[pos:pos + k], "big"); pos += k
    return tag, pos, pos + n


def children(buf, start, end):
    out = []
    while start < end:
        tag, s, e = tlv(buf, start)
        out.append((tag, start, s, e))
        start = e
    return out


def signed_data_objects(p7):
    """Certificates ([0]) and CRLs ([1]) of a CMS SignedData ContentInfo."""
    _, s, e = tlv(p7, 0)
    ci = children(p7, s, e)
    _, _, s0, e0 = ci[1]                         # [0] EXPLICIT content
    _, s1, e1 = tlv(p7, s0)                      # SignedData SEQUENCE
    certs, crls = [], []
    for tag, whole, s2, e2 in children(p7, s1, e1):
        if tag in (0xA0, 0xA1):
            for _, w, _, e3 in children(p7, s2, e2):
                (certs if tag == 0xA0 else crls).append(p7[w:e3])
    return certs, crls


def main():
    src, out = sys.argv[1], sys.argv[2]
    index = {}
    for kind in ("certs", "crls"):
        for f in os.listdir(os.path.join(src, kind)):
            data = open(os.path.join(src, kind, f), "rb").read()
            index[hashlib.sha256(data).hexdigest()] = (kind, os.path.splitext(f)[0])
    used = {"certs/TrustAnchorRootCertificate.crt"}
    rows = []
    for (tid, title, exp, pset, e, m, a, user) in TESTS:
        eml = "Signed" + title.replace(" ", "").replace("-", "") + ".eml"
        msg = email.message_from_binary_file(open(os.path.join(src, "smime", eml), "rb"))
        p7 = next(base64.b64decode(p.get_payload()) for p in msg.walk()
                  if p.get_content_type() == "application/pkcs7-signature")
        certs, crls = signed_data_objects(p7)
        names = {"certs": [], "crls": []}
        for der in certs + crls:
            kind, name = index[hashlib.sha256(der).hexdigest()]
            names[kind].append(name)
            used.add(f"{kind}/{name}.{'crt' if kind == 'certs' else 'crl'}")
        ee = [n for n in names["certs"] if n.endswith("EE")]
        assert len(ee) == 1, (tid, names)
        inter = [n for n in names["certs"] if n not in ee]
        flags = ",".join(f for f, on in (("explicit", e), ("inhibit-mapping", m), ("inhibit-any", a)) if on) or "-"
        rows.append("\t".join([tid, title, exp, pset, flags, user or "-", ee[0],
                               " ".join(inter) or "-", " ".join(names["crls"]) or "-"]))
    for rel in sorted(used):
        os.makedirs(os.path.join(out, os.path.dirname(rel)), exist_ok=True)
        shutil.copyfile(os.path.join(src, rel), os.path.join(out, rel))
    with open(os.path.join(out, "tests.tsv"), "w") as f:
        f.write("# Generated by make_manifest.py from NIST PKITS (see README.md). Columns:\n")
        f.write("# id\ttitle\texpected\tinitial-policy-set\tflags\tuser-constrained-policy-set"
                " (- = empty)\tend entity\tintermediates\tCRLs\n")
        f.write("\n".join(rows) + "\n")
    print(len(rows), "tests,", len(used), "files")


main()
