//! The curve table against OpenSSL's own output, and explicit-parameter recognition.

use super::*;

/// Verbatim output of
/// `openssl ecparam -name <name> -param_enc explicit -text -noout`
/// (OpenSSL 3.0.19, trailing blanks and the `Seed:` block removed),
/// one section per curve introduced by `== <openssl name>`.
const OPENSSL_TEXT: &str = "
== secp224r1
EC-Parameters: (224 bit)
Field Type: prime-field
Prime:
    00:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:
    ff:ff:00:00:00:00:00:00:00:00:00:00:00:01
A:
    00:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:
    ff:fe:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:fe
B:
    00:b4:05:0a:85:0c:04:b3:ab:f5:41:32:56:50:44:
    b0:b7:d7:bf:d8:ba:27:0b:39:43:23:55:ff:b4
Generator (uncompressed):
    04:b7:0e:0c:bd:6b:b4:bf:7f:32:13:90:b9:4a:03:
    c1:d3:56:c2:11:22:34:32:80:d6:11:5c:1d:21:bd:
    37:63:88:b5:f7:23:fb:4c:22:df:e6:cd:43:75:a0:
    5a:07:47:64:44:d5:81:99:85:00:7e:34
Order:
    00:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:
    16:a2:e0:b8:f0:3e:13:dd:29:45:5c:5c:2a:3d
Cofactor:  1 (0x1)
== prime256v1
EC-Parameters: (256 bit)
Field Type: prime-field
Prime:
    00:ff:ff:ff:ff:00:00:00:01:00:00:00:00:00:00:
    00:00:00:00:00:00:ff:ff:ff:ff:ff:ff:ff:ff:ff:
    ff:ff:ff
A:
    00:ff:ff:ff:ff:00:00:00:01:00:00:00:00:00:00:
    00:00:00:00:00:00:ff:ff:ff:ff:ff:ff:ff:ff:ff:
    ff:ff:fc
B:
    5a:c6:35:d8:aa:3a:93:e7:b3:eb:bd:55:76:98:86:
    bc:65:1d:06:b0:cc:53:b0:f6:3b:ce:3c:3e:27:d2:
    60:4b
Generator (uncompressed):
    04:6b:17:d1:f2:e1:2c:42:47:f8:bc:e6:e5:63:a4:
    40:f2:77:03:7d:81:2d:eb:33:a0:f4:a1:39:45:d8:
    98:c2:96:4f:e3:42:e2:fe:1a:7f:9b:8e:e7:eb:4a:
    7c:0f:9e:16:2b:ce:33:57:6b:31:5e:ce:cb:b6:40:
    68:37:bf:51:f5
Order:
    00:ff:ff:ff:ff:00:00:00:00:ff:ff:ff:ff:ff:ff:
    ff:ff:bc:e6:fa:ad:a7:17:9e:84:f3:b9:ca:c2:fc:
    63:25:51
Cofactor:  1 (0x1)
== secp384r1
EC-Parameters: (384 bit)
Field Type: prime-field
Prime:
    00:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:
    ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:
    ff:ff:fe:ff:ff:ff:ff:00:00:00:00:00:00:00:00:
    ff:ff:ff:ff
A:
    00:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:
    ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:
    ff:ff:fe:ff:ff:ff:ff:00:00:00:00:00:00:00:00:
    ff:ff:ff:fc
B:
    00:b3:31:2f:a7:e2:3e:e7:e4:98:8e:05:6b:e3:f8:
    2d:19:18:1d:9c:6e:fe:81:41:12:03:14:08:8f:50:
    13:87:5a:c6:56:39:8d:8a:2e:d1:9d:2a:85:c8:ed:
    d3:ec:2a:ef
Generator (uncompressed):
    04:aa:87:ca:22:be:8b:05:37:8e:b1:c7:1e:f3:20:
    ad:74:6e:1d:3b:62:8b:a7:9b:98:59:f7:41:e0:82:
    54:2a:38:55:02:f2:5d:bf:55:29:6c:3a:54:5e:38:
    72:76:0a:b7:36:17:de:4a:96:26:2c:6f:5d:9e:98:
    bf:92:92:dc:29:f8:f4:1d:bd:28:9a:14:7c:e9:da:
    31:13:b5:f0:b8:c0:0a:60:b1:ce:1d:7e:81:9d:7a:
    43:1d:7c:90:ea:0e:5f
Order:
    00:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:
    ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:c7:63:4d:81:f4:
    37:2d:df:58:1a:0d:b2:48:b0:a7:7a:ec:ec:19:6a:
    cc:c5:29:73
Cofactor:  1 (0x1)
== secp521r1
EC-Parameters: (521 bit)
Field Type: prime-field
Prime:
    01:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:
    ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:
    ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:
    ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:
    ff:ff:ff:ff:ff:ff
A:
    01:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:
    ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:
    ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:
    ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:
    ff:ff:ff:ff:ff:fc
B:
    51:95:3e:b9:61:8e:1c:9a:1f:92:9a:21:a0:b6:85:
    40:ee:a2:da:72:5b:99:b3:15:f3:b8:b4:89:91:8e:
    f1:09:e1:56:19:39:51:ec:7e:93:7b:16:52:c0:bd:
    3b:b1:bf:07:35:73:df:88:3d:2c:34:f1:ef:45:1f:
    d4:6b:50:3f:00
Generator (uncompressed):
    04:00:c6:85:8e:06:b7:04:04:e9:cd:9e:3e:cb:66:
    23:95:b4:42:9c:64:81:39:05:3f:b5:21:f8:28:af:
    60:6b:4d:3d:ba:a1:4b:5e:77:ef:e7:59:28:fe:1d:
    c1:27:a2:ff:a8:de:33:48:b3:c1:85:6a:42:9b:f9:
    7e:7e:31:c2:e5:bd:66:01:18:39:29:6a:78:9a:3b:
    c0:04:5c:8a:5f:b4:2c:7d:1b:d9:98:f5:44:49:57:
    9b:44:68:17:af:bd:17:27:3e:66:2c:97:ee:72:99:
    5e:f4:26:40:c5:50:b9:01:3f:ad:07:61:35:3c:70:
    86:a2:72:c2:40:88:be:94:76:9f:d1:66:50
Order:
    01:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:
    ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:
    ff:ff:ff:fa:51:86:87:83:bf:2f:96:6b:7f:cc:01:
    48:f7:09:a5:d0:3b:b5:c9:b8:89:9c:47:ae:bb:6f:
    b7:1e:91:38:64:09
Cofactor:  1 (0x1)
== brainpoolP224r1
EC-Parameters: (224 bit)
Field Type: prime-field
Prime:
    00:d7:c1:34:aa:26:43:66:86:2a:18:30:25:75:d1:
    d7:87:b0:9f:07:57:97:da:89:f5:7e:c8:c0:ff
A:
    68:a5:e6:2c:a9:ce:6c:1c:29:98:03:a6:c1:53:0b:
    51:4e:18:2a:d8:b0:04:2a:59:ca:d2:9f:43
B:
    25:80:f6:3c:cf:e4:41:38:87:07:13:b1:a9:23:69:
    e3:3e:21:35:d2:66:db:b3:72:38:6c:40:0b
Generator (uncompressed):
    04:0d:90:29:ad:2c:7e:5c:f4:34:08:23:b2:a8:7d:
    c6:8c:9e:4c:e3:17:4c:1e:6e:fd:ee:12:c0:7d:58:
    aa:56:f7:72:c0:72:6f:24:c6:b8:9e:4e:cd:ac:24:
    35:4b:9e:99:ca:a3:f6:d3:76:14:02:cd
Order:
    00:d7:c1:34:aa:26:43:66:86:2a:18:30:25:75:d0:
    fb:98:d1:16:bc:4b:6d:de:bc:a3:a5:a7:93:9f
Cofactor:  1 (0x1)
== brainpoolP256r1
EC-Parameters: (256 bit)
Field Type: prime-field
Prime:
    00:a9:fb:57:db:a1:ee:a9:bc:3e:66:0a:90:9d:83:
    8d:72:6e:3b:f6:23:d5:26:20:28:20:13:48:1d:1f:
    6e:53:77
A:
    7d:5a:09:75:fc:2c:30:57:ee:f6:75:30:41:7a:ff:
    e7:fb:80:55:c1:26:dc:5c:6c:e9:4a:4b:44:f3:30:
    b5:d9
B:
    26:dc:5c:6c:e9:4a:4b:44:f3:30:b5:d9:bb:d7:7c:
    bf:95:84:16:29:5c:f7:e1:ce:6b:cc:dc:18:ff:8c:
    07:b6
Generator (uncompressed):
    04:8b:d2:ae:b9:cb:7e:57:cb:2c:4b:48:2f:fc:81:
    b7:af:b9:de:27:e1:e3:bd:23:c2:3a:44:53:bd:9a:
    ce:32:62:54:7e:f8:35:c3:da:c4:fd:97:f8:46:1a:
    14:61:1d:c9:c2:77:45:13:2d:ed:8e:54:5c:1d:54:
    c7:2f:04:69:97
Order:
    00:a9:fb:57:db:a1:ee:a9:bc:3e:66:0a:90:9d:83:
    8d:71:8c:39:7a:a3:b5:61:a6:f7:90:1e:0e:82:97:
    48:56:a7
Cofactor:  1 (0x1)
== brainpoolP320r1
EC-Parameters: (320 bit)
Field Type: prime-field
Prime:
    00:d3:5e:47:20:36:bc:4f:b7:e1:3c:78:5e:d2:01:
    e0:65:f9:8f:cf:a6:f6:f4:0d:ef:4f:92:b9:ec:78:
    93:ec:28:fc:d4:12:b1:f1:b3:2e:27
A:
    3e:e3:0b:56:8f:ba:b0:f8:83:cc:eb:d4:6d:3f:3b:
    b8:a2:a7:35:13:f5:eb:79:da:66:19:0e:b0:85:ff:
    a9:f4:92:f3:75:a9:7d:86:0e:b4
B:
    52:08:83:94:9d:fd:bc:42:d3:ad:19:86:40:68:8a:
    6f:e1:3f:41:34:95:54:b4:9a:cc:31:dc:cd:88:45:
    39:81:6f:5e:b4:ac:8f:b1:f1:a6
Generator (uncompressed):
    04:43:bd:7e:9a:fb:53:d8:b8:52:89:bc:c4:8e:e5:
    bf:e6:f2:01:37:d1:0a:08:7e:b6:e7:87:1e:2a:10:
    a5:99:c7:10:af:8d:0d:39:e2:06:11:14:fd:d0:55:
    45:ec:1c:c8:ab:40:93:24:7f:77:27:5e:07:43:ff:
    ed:11:71:82:ea:a9:c7:78:77:aa:ac:6a:c7:d3:52:
    45:d1:69:2e:8e:e1
Order:
    00:d3:5e:47:20:36:bc:4f:b7:e1:3c:78:5e:d2:01:
    e0:65:f9:8f:cf:a5:b6:8f:12:a3:2d:48:2e:c7:ee:
    86:58:e9:86:91:55:5b:44:c5:93:11
Cofactor:  1 (0x1)
== brainpoolP384r1
EC-Parameters: (384 bit)
Field Type: prime-field
Prime:
    00:8c:b9:1e:82:a3:38:6d:28:0f:5d:6f:7e:50:e6:
    41:df:15:2f:71:09:ed:54:56:b4:12:b1:da:19:7f:
    b7:11:23:ac:d3:a7:29:90:1d:1a:71:87:47:00:13:
    31:07:ec:53
A:
    7b:c3:82:c6:3d:8c:15:0c:3c:72:08:0a:ce:05:af:
    a0:c2:be:a2:8e:4f:b2:27:87:13:91:65:ef:ba:91:
    f9:0f:8a:a5:81:4a:50:3a:d4:eb:04:a8:c7:dd:22:
    ce:28:26
B:
    04:a8:c7:dd:22:ce:28:26:8b:39:b5:54:16:f0:44:
    7c:2f:b7:7d:e1:07:dc:d2:a6:2e:88:0e:a5:3e:eb:
    62:d5:7c:b4:39:02:95:db:c9:94:3a:b7:86:96:fa:
    50:4c:11
Generator (uncompressed):
    04:1d:1c:64:f0:68:cf:45:ff:a2:a6:3a:81:b7:c1:
    3f:6b:88:47:a3:e7:7e:f1:4f:e3:db:7f:ca:fe:0c:
    bd:10:e8:e8:26:e0:34:36:d6:46:aa:ef:87:b2:e2:
    47:d4:af:1e:8a:be:1d:75:20:f9:c2:a4:5c:b1:eb:
    8e:95:cf:d5:52:62:b7:0b:29:fe:ec:58:64:e1:9c:
    05:4f:f9:91:29:28:0e:46:46:21:77:91:81:11:42:
    82:03:41:26:3c:53:15
Order:
    00:8c:b9:1e:82:a3:38:6d:28:0f:5d:6f:7e:50:e6:
    41:df:15:2f:71:09:ed:54:56:b3:1f:16:6e:6c:ac:
    04:25:a7:cf:3a:b6:af:6b:7f:c3:10:3b:88:32:02:
    e9:04:65:65
Cofactor:  1 (0x1)
== brainpoolP512r1
EC-Parameters: (512 bit)
Field Type: prime-field
Prime:
    00:aa:dd:9d:b8:db:e9:c4:8b:3f:d4:e6:ae:33:c9:
    fc:07:cb:30:8d:b3:b3:c9:d2:0e:d6:63:9c:ca:70:
    33:08:71:7d:4d:9b:00:9b:c6:68:42:ae:cd:a1:2a:
    e6:a3:80:e6:28:81:ff:2f:2d:82:c6:85:28:aa:60:
    56:58:3a:48:f3
A:
    78:30:a3:31:8b:60:3b:89:e2:32:71:45:ac:23:4c:
    c5:94:cb:dd:8d:3d:f9:16:10:a8:34:41:ca:ea:98:
    63:bc:2d:ed:5d:5a:a8:25:3a:a1:0a:2e:f1:c9:8b:
    9a:c8:b5:7f:11:17:a7:2b:f2:c7:b9:e7:c1:ac:4d:
    77:fc:94:ca
B:
    3d:f9:16:10:a8:34:41:ca:ea:98:63:bc:2d:ed:5d:
    5a:a8:25:3a:a1:0a:2e:f1:c9:8b:9a:c8:b5:7f:11:
    17:a7:2b:f2:c7:b9:e7:c1:ac:4d:77:fc:94:ca:dc:
    08:3e:67:98:40:50:b7:5e:ba:e5:dd:28:09:bd:63:
    80:16:f7:23
Generator (uncompressed):
    04:81:ae:e4:bd:d8:2e:d9:64:5a:21:32:2e:9c:4c:
    6a:93:85:ed:9f:70:b5:d9:16:c1:b4:3b:62:ee:f4:
    d0:09:8e:ff:3b:1f:78:e2:d0:d4:8d:50:d1:68:7b:
    93:b9:7d:5f:7c:6d:50:47:40:6a:5e:68:8b:35:22:
    09:bc:b9:f8:22:7d:de:38:5d:56:63:32:ec:c0:ea:
    bf:a9:cf:78:22:fd:f2:09:f7:00:24:a5:7b:1a:a0:
    00:c5:5b:88:1f:81:11:b2:dc:de:49:4a:5f:48:5e:
    5b:ca:4b:d8:8a:27:63:ae:d1:ca:2b:2f:a8:f0:54:
    06:78:cd:1e:0f:3a:d8:08:92
Order:
    00:aa:dd:9d:b8:db:e9:c4:8b:3f:d4:e6:ae:33:c9:
    fc:07:cb:30:8d:b3:b3:c9:d2:0e:d6:63:9c:ca:70:
    33:08:70:55:3e:5c:41:4c:a9:26:19:41:86:61:19:
    7f:ac:10:47:1d:b1:d3:81:08:5d:da:dd:b5:87:96:
    82:9c:a9:00:69
Cofactor:  1 (0x1)
";

/// OpenSSL's short name for each curve.
fn openssl_name(curve: Curve) -> &'static str {
    match curve {
        Curve::P224 => "secp224r1",
        Curve::P256 => "prime256v1",
        Curve::P384 => "secp384r1",
        Curve::P521 => "secp521r1",
        Curve::BrainpoolP224r1 => "brainpoolP224r1",
        Curve::BrainpoolP256r1 => "brainpoolP256r1",
        Curve::BrainpoolP320r1 => "brainpoolP320r1",
        Curve::BrainpoolP384r1 => "brainpoolP384r1",
        Curve::BrainpoolP512r1 => "brainpoolP512r1",
    }
}

/// Parses one `openssl ecparam -text` block into label -> hex digits
/// (for the multi-line hex dumps) or label -> text (for one-line values).
fn parse_openssl_block(text: &str) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    let mut label = String::new();
    for line in text.lines() {
        if line.starts_with(char::is_whitespace) {
            let digits: String = line.chars().filter(|c| c.is_ascii_hexdigit()).collect();
            out.entry(label.clone())
                .or_insert_with(String::new)
                .push_str(&digits);
        } else if let Some((k, v)) = line.split_once(':') {
            label = k.trim().to_string();
            if !v.trim().is_empty() {
                out.insert(label.clone(), v.trim().to_string());
            }
        }
    }
    out
}

fn big(hex_digits: &str) -> BigUint {
    BigUint::parse_bytes(hex_digits.as_bytes(), 16).unwrap()
}

/// Compares one parsed OpenSSL block with the table entry.
fn check_against_openssl(curve: Curve, text: &str) {
    let m = parse_openssl_block(text);
    let prm = curve.params();
    let fb = curve.field_bytes();
    assert_eq!(big(&m["Prime"]), prm.p, "{curve} p");
    assert_eq!(big(&m["A"]), prm.a, "{curve} a");
    assert_eq!(big(&m["B"]), prm.b, "{curve} b");
    assert_eq!(big(&m["Order"]), prm.n, "{curve} n");
    let g = &m["Generator (uncompressed)"];
    assert_eq!(g.len(), 2 * (1 + 2 * fb), "{curve} generator length");
    assert_eq!(&g[..2], "04");
    assert_eq!(big(&g[2..2 + 2 * fb]), prm.gx, "{curve} gx");
    assert_eq!(big(&g[2 + 2 * fb..]), prm.gy, "{curve} gy");
    let h = m["Cofactor"].split_whitespace().next().unwrap();
    assert_eq!(h.parse::<u32>().unwrap(), prm.h, "{curve} h");
    let bits = m["EC-Parameters"].trim_matches(|c| c == '(' || c == ')');
    let bits: usize = bits.split_whitespace().next().unwrap().parse().unwrap();
    assert_eq!(bits, curve.order_bits(), "{curve} bits");
}

#[test]
fn constants_match_embedded_openssl_output() {
    let mut seen = 0;
    for section in OPENSSL_TEXT.split("== ").filter(|s| !s.trim().is_empty()) {
        let (name, body) = section.split_once('\n').unwrap();
        let curve = Curve::ALL
            .into_iter()
            .find(|c| openssl_name(*c) == name.trim())
            .unwrap();
        check_against_openssl(curve, body);
        seen += 1;
    }
    assert_eq!(seen, Curve::ALL.len());
}

/// Runs the local `openssl` binary when there is one (skips otherwise).
#[test]
fn constants_match_live_openssl() {
    for curve in Curve::ALL {
        let out = std::process::Command::new("openssl")
            .args(["ecparam", "-name", openssl_name(curve)])
            .args(["-param_enc", "explicit", "-text", "-noout"])
            .output();
        let Ok(out) = out else {
            eprintln!("openssl not available; skipping live comparison");
            return;
        };
        assert!(out.status.success());
        check_against_openssl(curve, &String::from_utf8(out.stdout).unwrap());
    }
}

/// Miller-Rabin with fixed small bases (a sanity check of the table, not a proof).
fn probably_prime(n: &BigUint) -> bool {
    let one = BigUint::from(1u32);
    let n1 = n - &one;
    let s = n1.trailing_zeros().unwrap();
    let d = &n1 >> s;
    for base in [2u32, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37] {
        let mut x = BigUint::from(base).modpow(&d, n);
        if x == one || x == n1 {
            continue;
        }
        let mut composite = true;
        for _ in 1..s {
            x = &x * &x % n;
            if x == n1 {
                composite = false;
                break;
            }
        }
        if composite {
            return false;
        }
    }
    true
}

#[test]
fn table_is_self_consistent() {
    for curve in Curve::ALL {
        let prm = curve.params();
        assert!(std::ptr::eq(prm, curve.params()), "cached once");
        assert_eq!(prm.p.bits().div_ceil(8) as usize, curve.field_bytes());
        assert_eq!(prm.n.bits() as usize, curve.order_bits());
        assert!(probably_prime(&prm.p), "{curve} p prime");
        assert!(probably_prime(&prm.n), "{curve} n prime");
        assert!(prm.a < prm.p && prm.b < prm.p && prm.gx < prm.p && prm.gy < prm.p);
        // G is on the curve.
        let p = &prm.p;
        let lhs = &prm.gy * &prm.gy % p;
        let rhs = (&prm.gx * &prm.gx * &prm.gx + &prm.a * &prm.gx + &prm.b) % p;
        assert_eq!(lhs, rhs, "{curve} G on curve");
        // Hasse bound with h = 1: |p + 1 - n| <= 2 sqrt(p).
        let t = if p + 1u32 >= prm.n {
            p + 1u32 - &prm.n
        } else {
            &prm.n - p - 1u32
        };
        assert!(&t * &t <= p * 4u32, "{curve} Hasse");
    }
}

#[test]
fn names_and_oids() {
    for curve in Curve::ALL {
        assert_eq!(Curve::from_oid(curve.oid()), Some(curve));
        assert_eq!(curve.to_string(), curve.name());
    }
    let mut oids: Vec<_> = Curve::ALL.iter().map(|c| c.oid()).collect();
    oids.sort_unstable();
    oids.dedup();
    assert_eq!(oids.len(), 9);
    assert_eq!(Curve::P256.oid(), "1.2.840.10045.3.1.7");
    assert_eq!(Curve::BrainpoolP224r1.oid(), "1.3.36.3.3.2.8.1.1.5");
    assert_eq!(Curve::BrainpoolP512r1.oid(), "1.3.36.3.3.2.8.1.1.13");
    assert_eq!(Curve::BrainpoolP320r1.name(), "brainpoolP320r1");
    assert_eq!(Curve::P521.name(), "P-521");
    assert_eq!(Curve::from_oid("1.3.36.3.3.2.8.1.1.6"), None);
    assert_eq!(Curve::from_oid("1.3.132.0.3"), None);
    assert_eq!(Curve::from_oid(""), None);
}

fn padded(x: &BigUint, len: usize) -> Vec<u8> {
    let raw = x.to_bytes_be();
    let mut v = vec![0u8; len.saturating_sub(raw.len())];
    v.extend_from_slice(&raw);
    v
}

fn uncompressed_g(curve: Curve) -> Vec<u8> {
    let prm = curve.params();
    let fb = curve.field_bytes();
    let mut g = vec![4u8];
    g.extend(padded(&prm.gx, fb));
    g.extend(padded(&prm.gy, fb));
    g
}

fn compressed_g(curve: Curve) -> Vec<u8> {
    let prm = curve.params();
    let mut g = vec![if prm.gy.bit(0) { 3u8 } else { 2 }];
    g.extend(padded(&prm.gx, curve.field_bytes()));
    g
}

#[test]
fn from_explicit_recognises_every_curve() {
    for curve in Curve::ALL {
        let prm = curve.params();
        let fb = curve.field_bytes();
        let gs = [uncompressed_g(curve), compressed_g(curve)];
        // DER INTEGER style (leading 0x00 when the top bit is set), minimal,
        // and over-padded.
        let ints = |x: &BigUint| {
            let minimal = x.to_bytes_be();
            let mut der = minimal.clone();
            if der.first().is_some_and(|b| b & 0x80 != 0) {
                der.insert(0, 0);
            }
            vec![minimal, der, padded(x, fb + 2)]
        };
        // Field elements: full width and minimal (possibly shorter).
        let fes = |x: &BigUint| vec![padded(x, fb), x.to_bytes_be()];
        for p in ints(&prm.p) {
            for n in ints(&prm.n) {
                for a in fes(&prm.a) {
                    for b in fes(&prm.b) {
                        for g in &gs {
                            for h in [None, Some(&[1u8][..]), Some(&[0u8, 1][..])] {
                                assert_eq!(
                                    Curve::from_explicit(&p, &a, &b, g, &n, h),
                                    Some(curve),
                                    "{curve}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn from_explicit_rejects_any_change() {
    for curve in Curve::ALL {
        let prm = curve.params();
        let fb = curve.field_bytes();
        let p = padded(&prm.p, fb);
        let a = padded(&prm.a, fb);
        let b = padded(&prm.b, fb);
        let n = padded(&prm.n, fb);
        let gu = uncompressed_g(curve);
        let gc = compressed_g(curve);
        let ok = |p: &[u8], a: &[u8], b: &[u8], g: &[u8], n: &[u8], h: Option<&[u8]>| {
            Curve::from_explicit(p, a, b, g, n, h)
        };
        assert_eq!(ok(&p, &a, &b, &gu, &n, None), Some(curve));
        // One byte changed anywhere in any field.
        for idx in [0, fb / 2, fb - 1] {
            let flip = |v: &[u8], i: usize| {
                let mut v = v.to_vec();
                v[i] ^= 0x01;
                v
            };
            assert_eq!(ok(&flip(&p, idx), &a, &b, &gu, &n, None), None);
            assert_eq!(ok(&p, &flip(&a, idx), &b, &gu, &n, None), None);
            assert_eq!(ok(&p, &a, &flip(&b, idx), &gu, &n, None), None);
            assert_eq!(ok(&p, &a, &b, &gu, &flip(&n, idx), None), None);
            assert_eq!(ok(&p, &a, &b, &flip(&gu, 1 + idx), &n, None), None);
            assert_eq!(ok(&p, &a, &b, &flip(&gu, 1 + fb + idx), &n, None), None);
            assert_eq!(ok(&p, &a, &b, &flip(&gc, 1 + idx), &n, None), None);
        }
        // Wrong compression parity, wrong / hybrid / missing tags, bad lengths.
        let mut g = gc.clone();
        g[0] ^= 0x01;
        assert_eq!(ok(&p, &a, &b, &g, &n, None), None);
        let mut g = gu.clone();
        g[0] = if prm.gy.bit(0) { 7 } else { 6 };
        assert_eq!(ok(&p, &a, &b, &g, &n, None), None);
        assert_eq!(ok(&p, &a, &b, &gu[1..], &n, None), None);
        assert_eq!(ok(&p, &a, &b, &gu[..gu.len() - 1], &n, None), None);
        assert_eq!(ok(&p, &a, &b, &gc[..gc.len() - 1], &n, None), None);
        let mut long = gu.clone();
        long.insert(1, 0);
        assert_eq!(ok(&p, &a, &b, &long, &n, None), None);
        assert_eq!(ok(&p, &a, &b, &[], &n, None), None);
        assert_eq!(ok(&p, &a, &b, &[0], &n, None), None);
        // Cofactor other than 1.
        for h in [&[2u8][..], &[][..], &[1, 0][..]] {
            assert_eq!(ok(&p, &a, &b, &gu, &n, Some(h)), None);
        }
        // a and b swapped; empty inputs.
        assert_eq!(ok(&p, &b, &a, &gu, &n, None), None);
        assert_eq!(ok(&[], &[], &[], &[], &[], None), None);
    }
}

#[test]
fn from_explicit_mixing_curves_is_rejected() {
    // Parameters of one curve with the generator / order of another.
    for c1 in Curve::ALL {
        for c2 in Curve::ALL {
            let (p1, p2) = (c1.params(), c2.params());
            let r = Curve::from_explicit(
                &p1.p.to_bytes_be(),
                &p1.a.to_bytes_be(),
                &p1.b.to_bytes_be(),
                &uncompressed_g(c2),
                &p2.n.to_bytes_be(),
                None,
            );
            assert_eq!(r, (c1 == c2).then_some(c1));
        }
    }
}

/// Minimal DER walker for the test vectors below: returns (tag, content, rest).
fn tlv(input: &[u8]) -> (u8, &[u8], &[u8]) {
    let tag = input[0];
    let (len, hdr) = match input[1] {
        l if l < 0x80 => (l as usize, 2),
        0x81 => (input[2] as usize, 3),
        0x82 => ((input[2] as usize) << 8 | input[3] as usize, 4),
        _ => panic!("unsupported length"),
    };
    (tag, &input[hdr..hdr + len], &input[hdr + len..])
}

/// Extracts (p, a, b, G, n, h) from DER `ECParameters` and runs `from_explicit`.
fn from_der_ecparameters(der: &[u8]) -> Option<Curve> {
    let (tag, body, _) = tlv(der);
    assert_eq!(tag, 0x30);
    let (_, _version, rest) = tlv(body);
    let (_, field_id, rest) = tlv(rest);
    let (_, _prime_field_oid, field_rest) = tlv(field_id);
    let (_, p, _) = tlv(field_rest);
    let (_, curve, rest) = tlv(rest);
    let (_, a, crest) = tlv(curve);
    let (_, b, _seed) = tlv(crest);
    let (_, g, rest) = tlv(rest);
    let (_, n, rest) = tlv(rest);
    let h = (!rest.is_empty()).then(|| tlv(rest).1);
    Curve::from_explicit(p, a, b, g, n, h)
}

#[test]
fn from_explicit_openssl_der_vectors() {
    // `openssl ecparam -name brainpoolP256r1 -param_enc explicit -conv_form compressed -outform DER`
    let bp256_compressed = hex::decode(concat!(
        "3081c0020101302c06072a8648ce3d0101022100a9fb57dba1eea9bc3e660a909d838d726e3bf623",
        "d52620282013481d1f6e5377304404207d5a0975fc2c3057eef67530417affe7fb8055c126dc5c6c",
        "e94a4b44f330b5d9042026dc5c6ce94a4b44f330b5d9bbd77cbf958416295cf7e1ce6bccdc18ff8c",
        "07b60421038bd2aeb9cb7e57cb2c4b482ffc81b7afb9de27e1e3bd23c23a4453bd9ace3262022100",
        "a9fb57dba1eea9bc3e660a909d838d718c397aa3b561a6f7901e0e82974856a7020101"
    ))
    .unwrap();
    assert_eq!(
        from_der_ecparameters(&bp256_compressed),
        Some(Curve::BrainpoolP256r1)
    );
    // `openssl ecparam -name secp224r1 -param_enc explicit -outform DER` (with seed).
    let p224 = hex::decode(concat!(
        "3081df020101302806072a8648ce3d0101021d00ffffffffffffffffffffffffffffffff00000000",
        "00000000000000013053041cfffffffffffffffffffffffffffffffefffffffffffffffffffffffe",
        "041cb4050a850c04b3abf54132565044b0b7d7bfd8ba270b39432355ffb4031500bd71344799d5c7",
        "fcdc45b59fa3b9ab8f6a948bc5043904b70e0cbd6bb4bf7f321390b94a03c1d356c2112234328",
        "0d6115c1d21bd376388b5f723fb4c22dfe6cd4375a05a07476444d5819985007e34021d00ffffff",
        "ffffffffffffffffffffff16a2e0b8f03e13dd29455c5c2a3d020101"
    ))
    .unwrap();
    assert_eq!(from_der_ecparameters(&p224), Some(Curve::P224));
}

/// Explicit parameters produced by the local `openssl` for every curve and
/// both generator encodings (skips when there is no `openssl`).
#[test]
fn from_explicit_live_openssl_der() {
    for curve in Curve::ALL {
        for form in ["uncompressed", "compressed"] {
            let out = std::process::Command::new("openssl")
                .args(["ecparam", "-name", openssl_name(curve)])
                .args([
                    "-param_enc",
                    "explicit",
                    "-conv_form",
                    form,
                    "-outform",
                    "DER",
                ])
                .output();
            let Ok(out) = out else {
                eprintln!("openssl not available; skipping");
                return;
            };
            assert!(out.status.success());
            assert_eq!(
                from_der_ecparameters(&out.stdout),
                Some(curve),
                "{curve} {form}"
            );
        }
    }
}
