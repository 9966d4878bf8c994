//! Tests of the generic ECDSA: curve constants, point encodings, known-answer
//! signatures and cross-checks against the RustCrypto crates.

use super::point::Jacobian;
use super::scalar::wnaf;
use super::*;

fn big(hex_digits: &str) -> BigUint {
    BigUint::parse_bytes(hex_digits.as_bytes(), 16).unwrap()
}

/// Parses a DER `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }`.
fn parse_der_sig(der: &[u8]) -> (BigUint, BigUint) {
    fn tlv(input: &[u8]) -> (u8, &[u8], &[u8]) {
        let (len, hdr) = match input[1] {
            l if l < 0x80 => (l as usize, 2),
            0x81 => (input[2] as usize, 3),
            _ => panic!("unsupported DER length"),
        };
        (input[0], &input[hdr..hdr + len], &input[hdr + len..])
    }
    let (tag, body, rest) = tlv(der);
    assert_eq!((tag, rest.len()), (0x30, 0));
    let (tag_r, r, body) = tlv(body);
    let (tag_s, s, body) = tlv(body);
    assert_eq!((tag_r, tag_s, body.len()), (0x02, 0x02, 0));
    (BigUint::from_bytes_be(r), BigUint::from_bytes_be(s))
}

/// DER-encodes `(r, s)` as an `ECDSA-Sig-Value`.
fn der_sig(r: &BigUint, s: &BigUint) -> Vec<u8> {
    fn int(x: &BigUint) -> Vec<u8> {
        let mut v = x.to_bytes_be();
        if v[0] & 0x80 != 0 {
            v.insert(0, 0);
        }
        let mut out = vec![0x02, v.len() as u8];
        out.extend(v);
        out
    }
    let body = [int(r), int(s)].concat();
    let mut out = vec![0x30];
    if body.len() >= 0x80 {
        out.push(0x81);
    }
    out.push(body.len() as u8);
    out.extend(body);
    out
}

/// A key and signature produced by OpenSSL 3.0.19:
/// `openssl ecparam -name <curve> -genkey -noout -out k.pem`,
/// `openssl dgst -<hash> -sign k.pem -out sig msg`,
/// `openssl ec -in k.pem -pubout -conv_form uncompressed -outform DER` (spki),
/// `openssl ec -in k.pem -text -noout` (d), `openssl dgst -<hash> -binary msg` (digest).
struct OsslVector {
    curve: Curve,
    d: &'static str,
    spki: &'static str,
    msg: &'static str,
    hash: &'static str,
    digest: &'static str,
    sig: &'static str,
}

const OSSL_VECTORS: &[OsslVector] = &[
    OsslVector {
        curve: Curve::P224,
        d: "f1baa5eacdaef124564b6dd82fd10530b13f5a7cc899ddc37bbc7b81",
        spki: "304e301006072a8648ce3d020106052b81040021033a0004630400554cc4b9c40e32c27360d37b9879c9e2d39537129dacff0a4b888d80030090423670082207630019242673b694bdd5845bbb6ebd9f",
        msg: "dongpo-crypto test message for secp224r1 with sha256",
        hash: "sha256",
        digest: "0d480bff680af0b3395e48d4ed0ec9d388eea8564e3c62f06011d37c8bb1ba15",
        sig: "303c021c5d7519aadaf42873765b6f013446bd3f7fe37a3411e1e9995f519496021c4a27ccdb7797eff9364d7cb8e97950fd3f2eb3845a8d6f724ba55fc0",
    },
    OsslVector {
        curve: Curve::P224,
        d: "f1baa5eacdaef124564b6dd82fd10530b13f5a7cc899ddc37bbc7b81",
        spki: "304e301006072a8648ce3d020106052b81040021033a0004630400554cc4b9c40e32c27360d37b9879c9e2d39537129dacff0a4b888d80030090423670082207630019242673b694bdd5845bbb6ebd9f",
        msg: "dongpo-crypto test message for secp224r1 with sha512",
        hash: "sha512",
        digest: "ed4de79b0ff4161607a80b6139ffa858178140fc57c3a83942bcae14fec6279d23bac87aaf0df5a872b8c25fb616b327d0ffc199029c42f715fb05ebcb243e17",
        sig: "303c021c085a2bfe1b2209573c71044caf3bc874c2bb52497b0180bdc6d64476021c4031ba4c04db47badf91699d54db86ba2e1f17bc9f1832541ed6a75a",
    },
    OsslVector {
        curve: Curve::P256,
        d: "c1e8ce8cd0395e138d7e48b4b1a49785fce88aad658b1b1a20224460fe74bed4",
        spki: "3059301306072a8648ce3d020106082a8648ce3d030107034200040b04a8a25757b85b6707af1c61ff453348e70c027189cf290778be62c02fa005f284f104bebc7df8d992e854469c3e1285a6ead015eba1bbd22346366b9a19c9",
        msg: "dongpo-crypto test message for prime256v1 with sha256",
        hash: "sha256",
        digest: "96e54bb1d77fa925466fdd2479a3f6349c30b1db140d2e579584d1caee7ceadc",
        sig: "3045022047bd9f7aed1c0031db486beceaf1b05758d65b2fdc101b6745129243925a3c590221009252290cf1874da49a42bffb81459046d5cd706ff464856e3517b4c1ad6c9b0a",
    },
    OsslVector {
        curve: Curve::P384,
        d: "fa5a044d8d6b3f17644db8e9ebb46042a8314d29c34f0ea36b56e63b923384778806779b87963ef0c49f5ad73a588b3e",
        spki: "3076301006072a8648ce3d020106052b810400220362000476e3e7c422875682d0caeda01616f0ef34f61ea8fb3267bd05282d545a95e50c01395526d20286802f9a7019b27148a7bd4f2874d0a95286b36ec4a1c5955f82d8af59fc40295247733b0302b24adef68983e472a69ba7d066ccb5befcd30bec",
        msg: "dongpo-crypto test message for secp384r1 with sha256",
        hash: "sha256",
        digest: "17f8606ca514c37b6e35165a75569b0671c4c8d06d9598890b2ab9d94e8eb3e7",
        sig: "3066023100af9fab21cfbdbf6a6d3e1eeb690f8f2a0fa96f3eeec193df28b416865513825335ec8048f985388082353d2156c7da760231009cbd2c5e134a150bd157f8ed8572c2954c049310f2b1d86790c6396bee477e13c4540baadad741dc567ae2405edbb17d",
    },
    OsslVector {
        curve: Curve::P384,
        d: "fa5a044d8d6b3f17644db8e9ebb46042a8314d29c34f0ea36b56e63b923384778806779b87963ef0c49f5ad73a588b3e",
        spki: "3076301006072a8648ce3d020106052b810400220362000476e3e7c422875682d0caeda01616f0ef34f61ea8fb3267bd05282d545a95e50c01395526d20286802f9a7019b27148a7bd4f2874d0a95286b36ec4a1c5955f82d8af59fc40295247733b0302b24adef68983e472a69ba7d066ccb5befcd30bec",
        msg: "dongpo-crypto test message for secp384r1 with sha384",
        hash: "sha384",
        digest: "051dc9684439a411aea46124246711c0fddeb10ccc78e722a658ec8e14b072fe36f8dd3d4012ba8d3dab52717e09bbc0",
        sig: "3066023100f38e819798a44ada7db33b47d46ef51dd389d8d93dcedf14dccae57cb00d0f1ec1eb47b39f2b20d1df6e884189c0d0d5023100c524b147bb8fe0b4e558a69164c58a7921d98e56bb2ae53549f5e97fe44793177f406be04304592e5cdc0d9cc3281207",
    },
    OsslVector {
        curve: Curve::P521,
        d: "00d886c2b64c9e6df514501cbf8ffdf4bfd42940a86fe2602fbc031645d7c688c2d8798501f50f8e65989e67224872b6e2a251e5be9dbc17428e8c02686edecb2c95",
        spki: "30819b301006072a8648ce3d020106052b81040023038186000400a2071d46dfb1d6da6e57b61200c4beeffb0fff03ed12dcf51fc1d96ddf9a144c6c7c1c9b9011a6de3afa84c404d7a2cae9d8aebfb1ff61d2ae390bd1d3031a2f470004ed6a9d078e7fd68bee1992478b56e6f8aa566a070b9453bfe48225c6be19a76f4cfb65a87bfe3c0287aabc16a77af684d80a273fd5c43ab605fe40ad790d35b1",
        msg: "dongpo-crypto test message for secp521r1 with sha256",
        hash: "sha256",
        digest: "1f82681df2e542d84528e26940486b39c434acfceb696d560a7b3aedbe2b613f",
        sig: "308188024201ef96b51aa0ebc6a10610fd55b3febb1bef85f4d845edce87b1bbb112043c88ace1a17e5adc9ccac739b8326710c55fb88520366b47596a2205a1cadcc4116a48e4024200eb7f3275d6985b989cecb71dbfefe8f55dfb8c2607f083eeee3375a8552248f80e875f7f49b02090395673fd380d78bfb809ffc5d5e6229f0fc74d5c264316d957",
    },
    OsslVector {
        curve: Curve::P521,
        d: "00d886c2b64c9e6df514501cbf8ffdf4bfd42940a86fe2602fbc031645d7c688c2d8798501f50f8e65989e67224872b6e2a251e5be9dbc17428e8c02686edecb2c95",
        spki: "30819b301006072a8648ce3d020106052b81040023038186000400a2071d46dfb1d6da6e57b61200c4beeffb0fff03ed12dcf51fc1d96ddf9a144c6c7c1c9b9011a6de3afa84c404d7a2cae9d8aebfb1ff61d2ae390bd1d3031a2f470004ed6a9d078e7fd68bee1992478b56e6f8aa566a070b9453bfe48225c6be19a76f4cfb65a87bfe3c0287aabc16a77af684d80a273fd5c43ab605fe40ad790d35b1",
        msg: "dongpo-crypto test message for secp521r1 with sha512",
        hash: "sha512",
        digest: "ccb706c26b66be54097f8f25961c0080acdba11d0c0bcf942c6e04c9f73005c566c5104415e6f08ba8156607f5f3f0cf17e3b2aaa5e5be26c8b6bf2ec49b7d5b",
        sig: "308187024200a84a3b3ea19891637dd0b69b9d1c5793ca60c6c8b9cc7cd3d282bece0997c2820dfd6ef86367bda40d171d5b0cb961425cc8bb2ca1256e2fb8b22c5ddf46b4128202415bbae7492af41024398a239ce6bab81ba26617688aa9ebe67daa5d92dbb791d93e20ba2f01c1b3e13ddafbc25d7a40de699a5f4a6cac5b920a30a67f7eb80c8c83",
    },
    OsslVector {
        curve: Curve::BrainpoolP224r1,
        d: "03fe981d78edeb3ffab1c99455db051dc13c8b5d8dd87837a12a4995",
        spki: "3052301406072a8648ce3d020106092b2403030208010105033a000454c118668b1be6228c29ee60c1e9c7f5f96a2f285a97317dab3c4d33089021397d014a532437fbd1cc3503a3295de2fecbddd974b44d0734",
        msg: "dongpo-crypto test message for brainpoolP224r1 with sha256",
        hash: "sha256",
        digest: "5b84e4a1b1b52e991a127ab1a59057428d08a7f8854697992003f84ac424397a",
        sig: "303e021d00c850260daae394dd2c1a524cc73cd1e77d387090a62c486bb3946980021d00d58cc4fd361dabf8410cc390cab129c26bb23b662b4b962462204684",
    },
    OsslVector {
        curve: Curve::BrainpoolP224r1,
        d: "03fe981d78edeb3ffab1c99455db051dc13c8b5d8dd87837a12a4995",
        spki: "3052301406072a8648ce3d020106092b2403030208010105033a000454c118668b1be6228c29ee60c1e9c7f5f96a2f285a97317dab3c4d33089021397d014a532437fbd1cc3503a3295de2fecbddd974b44d0734",
        msg: "dongpo-crypto test message for brainpoolP224r1 with sha384",
        hash: "sha384",
        digest: "68fee17f4b6154731b1acdeb4e370dff9f38fb13a5a19f91488b3ff17c4ba4ee528992631d884538e42a08b640af795b",
        sig: "303c021c7c7c8f13e52ec4bbf4f1ac01551d75b575a8205e65d1cd8e941701de021c41a1ba9baab6d9c82baf4ce11d1d4600b8f64866a2d32a25a32173ae",
    },
    OsslVector {
        curve: Curve::BrainpoolP256r1,
        d: "265f2c0accd29e9efd2a865f8090df2374c595277832eda0c8fd7c5ce91816d9",
        spki: "305a301406072a8648ce3d020106092b2403030208010107034200046331581328120827d427c0b4c4321ec9097260a310e6ae5ca08dfb1727c87f2a76df2ba17f6ee83a753cd559d356118ea9ce5eee76ea27670931ef4b9631ff2d",
        msg: "dongpo-crypto test message for brainpoolP256r1 with sha256",
        hash: "sha256",
        digest: "51f0943cdda973acd10a1a5c05f4408a7e6d10ff6505868296120132a967ff98",
        sig: "3045022100a92330c6ae967efaaf4d0fcabc245c05664c93f2af802d61d20c5c353dcf150d02205018ed5c157a51548b989aae51e69c4efdc1a37830dde877c294b249f9f9be53",
    },
    OsslVector {
        curve: Curve::BrainpoolP320r1,
        d: "6ddd69ea08b1db4f65a76eb105dbf733c0f64061d129e7c75b43b809e43f0d5ef2129d11ec574701",
        spki: "306a301406072a8648ce3d020106092b2403030208010109035200049eba3ef933b7732f3dd34b2c14bdb2f6f5f73982704c7e723279f2cf6f408634404df85c27ea1e610fa15c9784b3408ccfc33eb97ca7f34af34e2f283565e1eb8a28ad05f958be39bb90c47552946ffe",
        msg: "dongpo-crypto test message for brainpoolP320r1 with sha256",
        hash: "sha256",
        digest: "9bb8b6665ddee48ed4cea49eeb097f0bfdc45408ae1aa7fbad74a053c3080fcb",
        sig: "3054022846d511e6ffbe94329721e1558118c2ceda103545c1a5d434d5e2a61da1fd9c9c4cb7b89d5ba485a7022829afe173be31969b0d06aeabfd52613c54450636b2c49907b1b5ae2dbbfdea1041fb035228efb8f5",
    },
    OsslVector {
        curve: Curve::BrainpoolP320r1,
        d: "6ddd69ea08b1db4f65a76eb105dbf733c0f64061d129e7c75b43b809e43f0d5ef2129d11ec574701",
        spki: "306a301406072a8648ce3d020106092b2403030208010109035200049eba3ef933b7732f3dd34b2c14bdb2f6f5f73982704c7e723279f2cf6f408634404df85c27ea1e610fa15c9784b3408ccfc33eb97ca7f34af34e2f283565e1eb8a28ad05f958be39bb90c47552946ffe",
        msg: "dongpo-crypto test message for brainpoolP320r1 with sha512",
        hash: "sha512",
        digest: "1423ed42d74e0c05b6c9e1e504905c8bc0db90753be6affb8fe74eee70b24cbb25abf7742210cf119383dabe5e196ab8b764ef4cfaa5e1a0fbab6fec9bfcee62",
        sig: "3056022900cd89dd592626570e15888c5ef132b9f9252b598acb1a4b1ef36cd67c2a6be0a16b5170df0ca6491a022900bb4fb4775b7523b182739dd4adabd15332cfec0227554138f167ec7d16cd5d614f6fbe946371a935",
    },
    OsslVector {
        curve: Curve::BrainpoolP384r1,
        d: "5ea83a2660df544c5a4de37371a47bda2f05069a15538a735328156aa1227adfc77978abd6a3723154134ce5fdf8c6d4",
        spki: "307a301406072a8648ce3d020106092b240303020801010b0362000417051cc91b58f5a0241df36562b4b04cd7d0ba87c7c9ac1e3dc1328bf53d3ea9b6fcdef685e48ecd6bea87b8064105e1804468fcbfa753d190b29ca67be2a39896ef0c534ec39f267c65ebf3512b228c78d314e04ec9e249219eb9ac0e3d5738",
        msg: "dongpo-crypto test message for brainpoolP384r1 with sha256",
        hash: "sha256",
        digest: "79039475c63796a9dcfd9802127511abfb6c08ad273dff842d10587546be507e",
        sig: "3065023078cc9817959bd50983accd3e6737978c0df7f03b02bf9fbd42aaff07f26be2a708b1b12fbe59491c01e87b3035ba93e6023100827f15fd28417b561caaf28a8cca2c2c9591519a0d1a01099c104b7aa9ce5080086e0c354f85f2d98aef4d92a6d499bd",
    },
    OsslVector {
        curve: Curve::BrainpoolP512r1,
        d: "1c08a20f15a58b269b87c57e7194d0f034128e3a2d98b9fbfef7c7638e5bcc0cbb8ab44e25ab89149827c5a648d8a499e24bb90e50fda15105bc82a1c3aa69d0",
        spki: "30819b301406072a8648ce3d020106092b240303020801010d0381820004246db205094775e46af5e0157b01e6072bc288717a96c30f886bdfa8d9dcbc7e4fac12bd953582efa56363a3ea130704c7eaade4bcab5a1aafe6190f145d94ee00302d6fa8ef55872c2f5c75448cc166a433dff9dbd59925abc1dcacec72269515656d05e9eb61d088e1dff3e63eddd5bd9c0758f1b73292b31ed4a2b7ea15cb",
        msg: "dongpo-crypto test message for brainpoolP512r1 with sha256",
        hash: "sha256",
        digest: "15d3b63e706ef292ae98b91ba6540f38b9a898d9bc080ae3beb41c86cad132fe",
        sig: "3081860241009b3c713ea3a675934d4314395b1c23a3e778a7cce83202fce96d1a58cb48a137098addc3fc961907d9de75d80e45a751a7b382ec13558860c4c83d0e5b34642a024100953a6453ba1d7033002dfffc7e633a9d4e9279b62dbbbb00954e3244fda796b2b366501c2eafeb56bcf9017d16243a8ac10a0a54dad19d1ea06d22deeea0e994",
    },
    OsslVector {
        curve: Curve::BrainpoolP512r1,
        d: "1c08a20f15a58b269b87c57e7194d0f034128e3a2d98b9fbfef7c7638e5bcc0cbb8ab44e25ab89149827c5a648d8a499e24bb90e50fda15105bc82a1c3aa69d0",
        spki: "30819b301406072a8648ce3d020106092b240303020801010d0381820004246db205094775e46af5e0157b01e6072bc288717a96c30f886bdfa8d9dcbc7e4fac12bd953582efa56363a3ea130704c7eaade4bcab5a1aafe6190f145d94ee00302d6fa8ef55872c2f5c75448cc166a433dff9dbd59925abc1dcacec72269515656d05e9eb61d088e1dff3e63eddd5bd9c0758f1b73292b31ed4a2b7ea15cb",
        msg: "dongpo-crypto test message for brainpoolP512r1 with sha1",
        hash: "sha1",
        digest: "a2fa525465cc0049732d8bd7cea50f3692560889",
        sig: "3081840240376c43d74929556a4fddb911aae8abe7aabcb08d79f8c4002c8fa254302d3eb39c47a8176ead82ad526ba33192ac05c29ecbec3c985c1679ad755b1f768e44c502403f9a92f69eb7f9338e3cc288a76b0cb8bee9b447dd1b3678eb8171f5f9dbea4a4e31f54f264104d2d0ff859e91a842ac7710fc3e0fdeb7b8241d2b048f5d2ab3",
    },
];

/// The SEC1 point at the end of a SubjectPublicKeyInfo.
fn spki_point(v: &OsslVector) -> Vec<u8> {
    let spki = hex::decode(v.spki).unwrap();
    let len = 1 + 2 * v.curve.field_bytes();
    spki[spki.len() - len..].to_vec()
}

fn flip_bit(bytes: &[u8], bit: usize) -> Vec<u8> {
    let mut v = bytes.to_vec();
    v[bit / 8] ^= 0x80 >> (bit % 8);
    v
}

fn flip_big(x: &BigUint, bit: u64) -> BigUint {
    let mut y = x.clone();
    y.set_bit(bit, !x.bit(bit));
    y
}

#[test]
fn openssl_signatures_verify() {
    for v in OSSL_VECTORS {
        let c = v.curve;
        let what = format!("{c} {}", v.hash);
        let q = decode_point(c, &spki_point(v)).unwrap();
        let digest = hex::decode(v.digest).unwrap();
        let expected_len = match v.hash {
            "sha1" => 20,
            "sha256" => 32,
            "sha384" => 48,
            "sha512" => 64,
            _ => unreachable!(),
        };
        assert_eq!(digest.len(), expected_len, "{what}");
        assert!(v.msg.contains(openssl_name_fragment(c)), "{what}");
        let (r, s) = parse_der_sig(&hex::decode(v.sig).unwrap());
        assert!(verify_prehash(c, &q, &digest, &r, &s), "{what}");
        // (r, n - s) is the other valid signature.
        let n = &c.params().n;
        assert!(verify_prehash(c, &q, &digest, &r, &(n - &s)), "{what}");

        // A changed message (digest bit within the used leftmost bits).
        let used_bits = (digest.len() * 8).min(c.order_bits());
        for bit in [0, 7, used_bits / 2, used_bits - 1] {
            let d2 = flip_bit(&digest, bit);
            assert!(
                !verify_prehash(c, &q, &d2, &r, &s),
                "{what} digest bit {bit}"
            );
        }
        // Bits beyond the order length are truncated away (FIPS 186 / SEC1).
        if digest.len() * 8 > c.order_bits() {
            let d2 = flip_bit(&digest, digest.len() * 8 - 1);
            assert!(verify_prehash(c, &q, &d2, &r, &s), "{what} truncated bit");
        }
        // Changed r or s.
        for bit in [0, 1, 100, u64::from(c.order_bits() as u32) - 8] {
            assert!(
                !verify_prehash(c, &q, &digest, &flip_big(&r, bit), &s),
                "{what} r"
            );
            assert!(
                !verify_prehash(c, &q, &digest, &r, &flip_big(&s, bit)),
                "{what} s"
            );
        }
        // Swapped r/s, r/s shifted by n, another key.
        assert!(!verify_prehash(c, &q, &digest, &s, &r), "{what}");
        assert!(!verify_prehash(c, &q, &digest, &(&r + n), &s), "{what}");
        assert!(!verify_prehash(c, &q, &digest, &r, &(&s + n)), "{what}");
        let other = public_key(c, &BigUint::from(12345u32)).unwrap();
        assert!(!verify_prehash(c, &other, &digest, &r, &s), "{what}");
        // The key with y negated is a different, valid key.
        let neg = AffinePoint {
            x: q.x.clone(),
            y: &c.params().p - &q.y,
        };
        assert!(!verify_prehash(c, &neg, &digest, &r, &s), "{what}");
    }
    // Every curve is covered.
    for c in Curve::ALL {
        assert!(OSSL_VECTORS.iter().any(|v| v.curve == c), "{c}");
    }
}

fn openssl_name_fragment(c: Curve) -> &'static str {
    match c {
        Curve::P224 => "secp224r1",
        Curve::P256 => "prime256v1",
        Curve::P384 => "secp384r1",
        Curve::P521 => "secp521r1",
        _ => c.name(),
    }
}

#[test]
fn openssl_private_keys_match_public_keys() {
    for v in OSSL_VECTORS {
        let d = big(v.d);
        let q = public_key(v.curve, &d).unwrap();
        assert_eq!(encode_point(v.curve, &q), spki_point(v), "{}", v.curve);
    }
}

/// Our signatures (fixed nonces) checked by the local `openssl pkeyutl`
/// (skips when there is no `openssl`).
#[test]
fn our_signatures_verify_with_live_openssl() {
    let dir = std::env::temp_dir().join(format!("weier-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = |spki: &[u8], digest: &[u8], sig: &[u8]| -> Option<bool> {
        let (kf, df, sf) = (dir.join("k.der"), dir.join("d.bin"), dir.join("s.der"));
        std::fs::write(&kf, spki).unwrap();
        std::fs::write(&df, digest).unwrap();
        std::fs::write(&sf, sig).unwrap();
        let out = std::process::Command::new("openssl")
            .args(["pkeyutl", "-verify", "-pubin", "-keyform", "DER", "-inkey"])
            .arg(&kf)
            .arg("-in")
            .arg(&df)
            .arg("-sigfile")
            .arg(&sf)
            .output()
            .ok()?;
        Some(out.status.success())
    };
    for (i, v) in OSSL_VECTORS.iter().enumerate() {
        let c = v.curve;
        let digest = hex::decode(v.digest).unwrap();
        let k = BigUint::from(1_000_003u32 * (i as u32 + 7)) + BigUint::from_bytes_be(&digest);
        let k = k % &c.params().n;
        let (r, s) = sign_prehash_with_nonce(c, &big(v.d), &k, &digest).unwrap();
        let spki = hex::decode(v.spki).unwrap();
        let Some(ok) = run(&spki, &digest, &der_sig(&r, &s)) else {
            eprintln!("openssl not available; skipping");
            break;
        };
        assert!(ok, "openssl rejected our {c} {} signature", v.hash);
        let bad = der_sig(&r, &flip_big(&s, 3));
        assert_eq!(run(&spki, &digest, &bad), Some(false), "{c}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// RFC 6979 appendix A.2 (message "sample", SHA-256) and the NIST P-256
/// SigGen example: known (d, k) -> (r, s).
#[test]
fn known_answer_signatures() {
    let sample_sha256 = "af2bdbe1aa9b6ec1e2ade1d694f41fc71a831d0268e9891562113d8a62add1bf";
    /// (curve, digest, d, k, r, s, optional public key (x, y)).
    type Kat<'a> = (
        Curve,
        &'a str,
        &'a str,
        &'a str,
        &'a str,
        &'a str,
        Option<(&'a str, &'a str)>,
    );
    #[rustfmt::skip]
        let cases: &[Kat] = &[
            (
                Curve::P224,
                sample_sha256,
                "F220266E1105BFE3083E03EC7A3A654651F45E37167E88600BF257C1",
                "AD3029E0278F80643DE33917CE6908C70A8FF50A411F06E41DEDFCDC",
                "61AA3DA010E8E8406C656BC477A7A7189895E7E840CDFE8FF42307BA",
                "BC814050DAB5D23770879494F9E0A680DC1AF7161991BDE692B10101",
                Some((
                    "00CF08DA5AD719E42707FA431292DEA11244D64FC51610D94B130D6C",
                    "EEAB6F3DEBE455E3DBF85416F7030CBD94F34F2D6F232C69F3C1385A",
                )),
            ),
            (
                Curve::P256,
                sample_sha256,
                "C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721",
                "A6E3C57DD01ABE90086538398355DD4C3B17AA873382B0F24D6129493D8AAD60",
                "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716",
                "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8",
                Some((
                    "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6",
                    "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299",
                )),
            ),
            (
                Curve::P256,
                "44acf6b7e36c1342c2c5897204fe09504e1e2efb1a900377dbc4e7a6a133ec56",
                "519B423D715F8B581F4FA8EE59F4771A5B44C8130B4E3EACCA54A56DDA72B464",
                "94A1BBB14B906A61A280F245F9E93C7F3B4A6247824F5D33B9670787642A68DE",
                "F3AC8061B514795B8843E3D6629527ED2AFD6B1F6A555A7ACABB5E6F79C8C2AC",
                "8BF77819CA05A6B2786C76262BF7371CEF97B218E96F175A3CCDDA2ACC058903",
                None,
            ),
            (
                Curve::P384,
                sample_sha256,
                "6B9D3DAD2E1B8C1C05B19875B6659F4DE23C3B667BF297BA9AA47740787137D896D5724E4C70A825F872C9EA60D2EDF5",
                "180AE9F9AEC5438A44BC159A1FCB277C7BE54FA20E7CF404B490650A8ACC414E375572342863C899F9F2EDF9747A9B60",
                "21B13D1E013C7FA1392D03C5F99AF8B30C570C6F98D4EA8E354B63A21D3DAA33BDE1E888E63355D92FA2B3C36D8FB2CD",
                "F3AA443FB107745BF4BD77CB3891674632068A10CA67E3D45DB2266FA7D1FEEBEFDC63ECCD1AC42EC0CB8668A4FA0AB0",
                Some((
                    "EC3A4E415B4E19A4568618029F427FA5DA9A8BC4AE92E02E06AAE5286B300C64DEF8F0EA9055866064A254515480BC13",
                    "8015D9B72D7D57244EA8EF9AC0C621896708A59367F9DFB9F54CA84B3F1C9DB1288B231C3AE0D4FE7344FD2533264720",
                )),
            ),
            (
                Curve::P521,
                sample_sha256,
                "0FAD06DAA62BA3B25D2FB40133DA757205DE67F5BB0018FEE8C86E1B68C7E75CAA896EB32F1F47C70855836A6D16FCC1466F6D8FBEC67DB89EC0C08B0E996B83538",
                "0EDF38AFCAAECAB4383358B34D67C9F2216C8382AAEA44A3DAD5FDC9C32575761793FEF24EB0FC276DFC4F6E3EC476752F043CF01415387470BCBD8678ED2C7E1A0",
                "1511BB4D675114FE266FC4372B87682BAECC01D3CC62CF2303C92B3526012659D16876E25C7C1E57648F23B73564D67F61C6F14D527D54972810421E7D87589E1A7",
                "04A171143A83163D6DF460AAF61522695F207A58B95C0644D87E52AA1A347916E4F7A72930B1BC06DBE22CE3F58264AFD23704CBB63B29B931F7DE6C9D949A7ECFC",
                None,
            ),
        ];
    for (c, digest, d, k, r, s, q) in cases {
        let digest = hex::decode(digest).unwrap();
        let (d, k, r, s) = (big(d), big(k), big(r), big(s));
        assert_eq!(
            sign_prehash_with_nonce(*c, &d, &k, &digest),
            Some((r.clone(), s.clone())),
            "{c}"
        );
        let pk = public_key(*c, &d).unwrap();
        if let Some((qx, qy)) = q {
            assert_eq!(
                pk,
                AffinePoint {
                    x: big(qx),
                    y: big(qy)
                },
                "{c}"
            );
        }
        assert!(verify_prehash(*c, &pk, &digest, &r, &s), "{c}");
    }
}

/// Deterministic pseudo-random scalars in [1, n-1] for tests.
fn test_scalar(c: Curve, seed: u32) -> BigUint {
    let n = &c.params().n;
    let mut x = BigUint::from(0x9e37_79b9u32 ^ seed);
    for i in 0..(c.order_bits() / 16 + 2) {
        x = (&x * &x + BigUint::from(seed + i as u32 + 1)) * 0x1_0001u32 % n;
        x = (&x << 17u32) + &x;
    }
    x % (n - 1u32) + 1u32
}

#[test]
fn sign_verify_round_trip_every_curve() {
    for c in Curve::ALL {
        let n = &c.params().n;
        let one = BigUint::one();
        let ds = [
            one.clone(),
            BigUint::from(2u32),
            n - 1u32,
            test_scalar(c, 1),
        ];
        let ks = [one.clone(), n - 1u32, test_scalar(c, 2), test_scalar(c, 3)];
        let digests: [Vec<u8>; 4] = [
            vec![],
            vec![0xab; 20],
            (0..64u8).collect(),
            vec![0xff; c.field_bytes() + 3],
        ];
        for (i, d) in ds.iter().enumerate() {
            let q = public_key(c, d).unwrap();
            assert!(is_on_curve(c, &q));
            for (j, k) in ks.iter().enumerate() {
                let digest = &digests[(i + j) % digests.len()];
                let (r, s) = sign_prehash_with_nonce(c, d, k, digest).unwrap();
                assert!(verify_prehash(c, &q, digest, &r, &s), "{c} d#{i} k#{j}");
                let mut other = digest.clone();
                other.insert(0, 1);
                assert!(!verify_prehash(c, &q, &other, &r, &s), "{c} d#{i} k#{j}");
                // Another key (not -Q: with e = 0 a signature is valid for
                // both Q and -Q, since u1 = 0 and x(-R) = x(R)).
                let q2 = public_key(c, &(d % (n - 1u32) + 2u32)).unwrap();
                assert!(!verify_prehash(c, &q2, digest, &r, &s), "{c} d#{i} k#{j}");
                let minus_q = AffinePoint {
                    x: q.x.clone(),
                    y: &c.params().p - &q.y,
                };
                let zero_digest = digest.iter().all(|&b| b == 0);
                assert_eq!(verify_prehash(c, &minus_q, digest, &r, &s), zero_digest);
            }
        }
    }
}

#[test]
fn out_of_range_inputs_are_rejected() {
    for c in Curve::ALL {
        let prm = c.params();
        let n = &prm.n;
        let zero = BigUint::zero();
        let good = test_scalar(c, 9);
        let digest = [0x5a; 32];
        for bad in [zero.clone(), n.clone(), n + 1u32] {
            assert_eq!(
                sign_prehash_with_nonce(c, &bad, &good, &digest),
                None,
                "{c}"
            );
            assert_eq!(
                sign_prehash_with_nonce(c, &good, &bad, &digest),
                None,
                "{c}"
            );
            assert_eq!(public_key(c, &bad), None, "{c}");
        }
        let q = public_key(c, &good).unwrap();
        let (r, s) = sign_prehash_with_nonce(c, &good, &good, &digest).unwrap();
        assert!(verify_prehash(c, &q, &digest, &r, &s));
        for bad in [zero.clone(), n.clone(), n + &r, n + &s] {
            assert!(!verify_prehash(c, &q, &digest, &bad, &s), "{c}");
            assert!(!verify_prehash(c, &q, &digest, &r, &bad), "{c}");
        }
        // Public keys that are not valid points.
        let off = AffinePoint {
            x: q.x.clone(),
            y: (&q.y + 1u32) % &prm.p,
        };
        assert!(!is_on_curve(c, &off));
        assert!(!verify_prehash(c, &off, &digest, &r, &s), "{c}");
        let unreduced = AffinePoint {
            x: &q.x + &prm.p,
            y: q.y.clone(),
        };
        assert!(!is_on_curve(c, &unreduced));
        assert!(!verify_prehash(c, &unreduced, &digest, &r, &s), "{c}");
        let origin = AffinePoint {
            x: zero.clone(),
            y: zero.clone(),
        };
        assert!(!verify_prehash(c, &origin, &digest, &r, &s), "{c}");
    }
}

#[test]
fn scalar_multiplication_sanity() {
    for c in Curve::ALL {
        let prm = c.params();
        let ctx = ctx(c);
        let g = AffinePoint {
            x: prm.gx.clone(),
            y: prm.gy.clone(),
        };
        assert_eq!(ctx.g_table.len(), 1 << (G_WINDOW - 2));
        assert_eq!(public_key(c, &BigUint::one()), Some(g.clone()));
        let minus_g = AffinePoint {
            x: prm.gx.clone(),
            y: &prm.p - &prm.gy,
        };
        assert_eq!(public_key(c, &(&prm.n - 1u32)), Some(minus_g));
        // n*G = O, (n+1)*G = G through the internal multiplier.
        let export = |j: &Jacobian| ctx.to_affine(j).map(|a| ctx.export(&a));
        assert!(ctx.mul_add(&prm.n, None).is_infinity(), "{c}");
        assert_eq!(
            export(&ctx.mul_add(&(&prm.n + 1u32), None)),
            Some(g.clone())
        );
        // 2G by doubling equals 2G by addition; G - G = O.
        let two_g = public_key(c, &BigUint::from(2u32)).unwrap();
        let gf = ctx.import(&g).unwrap();
        let jg = ctx.jacobian(&gf);
        assert_eq!(export(&ctx.double(&jg)), Some(two_g.clone()));
        assert_eq!(export(&ctx.add_mixed(&jg, &gf, false)), Some(two_g.clone()));
        assert!(ctx.add_mixed(&jg, &gf, true).is_infinity());
        assert!(ctx.double(&Jacobian::INFINITY).is_infinity());
        assert_eq!(
            export(&ctx.add_mixed(&Jacobian::INFINITY, &gf, false)),
            Some(g.clone())
        );
        // a*G + b*(e*G) == (a + b*e)*G, including Q = G and Q = -G.
        for (i, e) in [test_scalar(c, 4), BigUint::one(), &prm.n - 1u32]
            .iter()
            .enumerate()
        {
            let a = test_scalar(c, 5 + i as u32);
            let b = test_scalar(c, 8 + i as u32);
            let q = public_key(c, e).unwrap();
            let table = ctx
                .odd_multiples(&ctx.import(&q).unwrap(), Q_WINDOW)
                .unwrap();
            let lhs = export(&ctx.mul_add(&a, Some((&b, &table))));
            let rhs = public_key(c, &((&a + &b * e) % &prm.n));
            assert_eq!(lhs, rhs, "{c} #{i}");
            assert!(lhs.as_ref().is_some_and(|p| is_on_curve(c, p)));
        }
        // u1*G + u2*Q = O when u2*Q = -u1*G.
        let q = public_key(c, &BigUint::from(3u32)).unwrap();
        let table = ctx
            .odd_multiples(&ctx.import(&q).unwrap(), Q_WINDOW)
            .unwrap();
        let sum = ctx.mul_add(&(&prm.n - 3u32), Some((&BigUint::one(), &table)));
        assert!(sum.is_infinity(), "{c}");
    }
}

#[test]
fn wnaf_reconstructs_scalar() {
    for w in [2, 4, 5, 7, 8] {
        for c in Curve::ALL {
            let k = test_scalar(c, w);
            let digits = wnaf(&k, w);
            let mut acc = num_bigint::BigInt::from(0);
            for &d in digits.iter().rev() {
                acc = acc * 2 + d;
                assert!(d == 0 || (d % 2 != 0 && i32::from(d).abs() < 1 << (w - 1)));
            }
            assert_eq!(acc, num_bigint::BigInt::from(k));
        }
    }
}

#[test]
fn decode_compressed_and_uncompressed_agree() {
    for c in Curve::ALL {
        let fb = c.field_bytes();
        let mut points = vec![];
        for seed in 0..24 {
            points.push(public_key(c, &test_scalar(c, 100 + seed)).unwrap());
        }
        points.push(public_key(c, &BigUint::one()).unwrap());
        points.push(public_key(c, &(&c.params().n - 1u32)).unwrap());
        let mut parities = [false; 2];
        for p in &points {
            let u = encode_point(c, p);
            let z = encode_point_compressed(c, p);
            assert_eq!((u.len(), z.len()), (1 + 2 * fb, 1 + fb));
            assert_eq!(decode_point(c, &u).as_ref(), Ok(p), "{c}");
            assert_eq!(decode_point(c, &z).as_ref(), Ok(p), "{c}");
            parities[usize::from(z[0] & 1)] = true;
        }
        assert_eq!(parities, [true, true], "{c}: both parities exercised");
    }
    for v in OSSL_VECTORS {
        let u = spki_point(v);
        let p = decode_point(v.curve, &u).unwrap();
        let z = encode_point_compressed(v.curve, &p);
        assert_eq!(decode_point(v.curve, &z), Ok(p));
    }
}

#[test]
fn decode_rejects_malformed_points() {
    use PointError::*;
    for c in Curve::ALL {
        let prm = c.params();
        let fb = c.field_bytes();
        let q = public_key(c, &test_scalar(c, 42)).unwrap();
        let u = encode_point(c, &q);
        let z = encode_point_compressed(c, &q);
        assert_eq!(decode_point(c, &[]), Err(Length));
        assert_eq!(decode_point(c, &[0]), Err(Infinity));
        assert_eq!(decode_point(c, &[0, 0]), Err(Length));
        // Too short / too long.
        assert_eq!(decode_point(c, &u[..u.len() - 1]), Err(Length));
        assert_eq!(decode_point(c, &[&u[..], &[0]].concat()), Err(Length));
        assert_eq!(decode_point(c, &z[..z.len() - 1]), Err(Length));
        assert_eq!(decode_point(c, &[&z[..], &[0]].concat()), Err(Length));
        assert_eq!(decode_point(c, &[4]), Err(Length));
        assert_eq!(decode_point(c, &[2]), Err(Length));
        // Compressed tag on an uncompressed body and vice versa.
        assert_eq!(decode_point(c, &[&[2], &u[1..]].concat()), Err(Length));
        assert_eq!(decode_point(c, &[&[4], &z[1..]].concat()), Err(Length));
        // Unknown or hybrid format bytes.
        for tag in [1u8, 5, 6, 7, 0xff] {
            let mut bad = u.clone();
            bad[0] = tag;
            assert_eq!(decode_point(c, &bad), Err(Encoding), "{c} tag {tag}");
        }
        // Off-curve.
        let mut bad = u.clone();
        bad[2 * fb] ^= 1;
        assert_eq!(decode_point(c, &bad), Err(NotOnCurve), "{c}");
        let zero_point = [vec![4u8], vec![0u8; 2 * fb]].concat();
        assert_eq!(decode_point(c, &zero_point), Err(NotOnCurve), "{c}");
        // x >= p, y >= p (both as p itself and as all-ones).
        let p_bytes = {
            let mut v = vec![0u8; fb];
            let raw = prm.p.to_bytes_be();
            v[fb - raw.len()..].copy_from_slice(&raw);
            v
        };
        let ones = vec![0xffu8; fb];
        for big_coord in [&p_bytes, &ones] {
            let x_big = [&[4u8][..], big_coord, &u[1 + fb..]].concat();
            assert_eq!(decode_point(c, &x_big), Err(CoordinateOutOfRange), "{c}");
            let y_big = [&u[..1 + fb], big_coord].concat();
            assert_eq!(decode_point(c, &y_big), Err(CoordinateOutOfRange), "{c}");
            for tag in [2u8, 3] {
                let zx = [&[tag][..], big_coord].concat();
                assert_eq!(decode_point(c, &zx), Err(CoordinateOutOfRange), "{c}");
            }
        }
        // x + p with the same low bytes (only representable when p is
        // far enough below 2^(8*fb)) is caught as out of range too.
        let x_plus_p = &q.x + &prm.p;
        if x_plus_p.bits() <= 8 * fb as u64 {
            let mut bad = vec![4u8];
            let raw = x_plus_p.to_bytes_be();
            bad.extend(vec![0u8; fb - raw.len()]);
            bad.extend(raw);
            bad.extend_from_slice(&u[1 + fb..]);
            assert_eq!(decode_point(c, &bad), Err(CoordinateOutOfRange), "{c}");
        }
        // A compressed x with no point on the curve: x^3 + ax + b is a non-residue.
        let ctx = ctx(c);
        let half = (&prm.p - 1u32) >> 1u32;
        let x = (0u32..)
            .map(BigUint::from)
            .find(|x| {
                let rhs = ctx.to_big(&ctx.curve_rhs(&ctx.to_fe(x)));
                rhs.modpow(&half, &prm.p) == &prm.p - 1u32
            })
            .unwrap();
        let mut bad = vec![2u8; 1];
        bad.extend(vec![0u8; fb - x.to_bytes_be().len()]);
        bad.extend(x.to_bytes_be());
        assert_eq!(decode_point(c, &bad), Err(NotOnCurve), "{c}");
    }
}

#[test]
fn square_roots() {
    // P-224 uses Tonelli-Shanks (p = 1 mod 4, 2^96 | p - 1); the rest p = 3 mod 4.
    for c in Curve::ALL {
        let ctx = ctx(c);
        match (&ctx.sqrt_method, c) {
            (SqrtMethod::TonelliShanks { s, .. }, Curve::P224) => assert_eq!(*s, 96),
            (SqrtMethod::ThreeModFour { .. }, c) => assert_ne!(c, Curve::P224),
            (m, c) => panic!("{c}: unexpected {m:?}"),
        }
        let p = &ctx.p;
        // BigUint-level wrappers around the Montgomery-form internals.
        let sqrt = |v: &BigUint| ctx.sqrt(&ctx.to_fe(v)).map(|r| ctx.to_big(&r));
        assert_eq!(sqrt(&BigUint::zero()), Some(BigUint::zero()));
        let one = sqrt(&BigUint::one()).unwrap();
        assert!(one.is_one() || one == p - 1u32);
        for seed in 0..20 {
            let v = test_scalar(c, 500 + seed) % p;
            let sq = &v * &v % p;
            let root = sqrt(&sq).unwrap();
            assert!(root == v || root == p - &v, "{c}");
            // -v^2 is a non-residue when p = 3 mod 4; for P-224 check Euler.
            let neg = p - &sq;
            let is_qr = neg.modpow(&((p - 1u32) >> 1u32), p).is_one();
            assert_eq!(sqrt(&neg).is_some(), is_qr, "{c}");
        }
    }
}

#[test]
fn encode_reduces_and_pads() {
    let c = Curve::P521;
    let prm = c.params();
    let g = AffinePoint {
        x: prm.gx.clone(),
        y: prm.gy.clone(),
    };
    let e = encode_point(c, &g);
    assert_eq!(e.len(), 133);
    assert_eq!(e[1], 0x00, "P-521 Gx has a leading zero byte");
    let shifted = AffinePoint {
        x: &g.x + &prm.p,
        y: &g.y + &prm.p,
    };
    assert_eq!(encode_point(c, &shifted), e);
    let zero = AffinePoint {
        x: BigUint::zero(),
        y: BigUint::zero(),
    };
    assert_eq!(encode_point(c, &zero), [vec![4], vec![0; 132]].concat());
    assert_eq!(
        encode_point_compressed(c, &zero),
        [vec![2], vec![0; 66]].concat()
    );
}

#[test]
fn digest_truncation() {
    // Leftmost order_bits bits; P-521 is not a whole number of bytes.
    assert_eq!(bits_to_int(&[], 224), BigUint::zero());
    assert_eq!(bits_to_int(&[0xff; 28], 224), big(&"ff".repeat(28)));
    assert_eq!(bits_to_int(&[0xff; 29], 224), big(&"ff".repeat(28)));
    assert_eq!(bits_to_int(&[0x80; 33], 256), big(&"80".repeat(32)));
    let d: Vec<u8> = (1..=67).collect();
    assert_eq!(bits_to_int(&d, 521), BigUint::from_bytes_be(&d) >> 15u32);
    assert_eq!(bits_to_int(&d[..64], 521), BigUint::from_bytes_be(&d[..64]));
}

#[test]
fn point_error_display() {
    use PointError::*;
    for e in [Length, Encoding, NotOnCurve, Infinity, CoordinateOutOfRange] {
        let err: &dyn std::error::Error = &e;
        assert!(!err.to_string().is_empty());
    }
}

/// The Montgomery-form field arithmetic agrees with BigUint arithmetic,
/// including values next to 0 and p and all-ones limbs.
#[test]
fn field_arithmetic_matches_biguint() {
    for c in Curve::ALL {
        let ctx = ctx(c);
        let p = &ctx.p;
        // The Montgomery code relies on p < 2^(64*MAX_LIMBS - 1).
        assert!(p.bits() < 64 * MAX_LIMBS as u64);
        assert_eq!(ctx.limbs as u64, p.bits().div_ceil(64));
        let mut values = vec![
            BigUint::zero(),
            BigUint::one(),
            BigUint::from(2u32),
            p - 1u32,
            p - 2u32,
            p >> 1u32,
            (p >> 1u32) + 1u32,
            (BigUint::one() << (p.bits() - 1)) % p,
            (BigUint::one() << 64u32) - 1u32,
        ];
        for seed in 0..12 {
            values.push(test_scalar(c, 900 + seed) % p);
        }
        for a in &values {
            let fa = ctx.to_fe(a);
            assert_eq!(ctx.to_big(&fa), *a, "{c} round trip");
            assert_eq!(ctx.to_big(&ctx.neg(&fa)), (p - a) % p, "{c} neg");
            if !a.is_zero() {
                let inv = ctx.to_big(&ctx.inv(&fa).unwrap());
                assert_eq!(inv, a.modinv(p).unwrap(), "{c} inv");
            }
            for b in &values {
                let fb = ctx.to_fe(b);
                assert_eq!(ctx.to_big(&ctx.mul(&fa, &fb)), a * b % p, "{c} mul");
                assert_eq!(ctx.to_big(&ctx.add(&fa, &fb)), (a + b) % p, "{c} add");
                assert_eq!(ctx.to_big(&ctx.sub(&fa, &fb)), (a + p - b) % p, "{c} sub");
            }
        }
        assert_eq!(ctx.inv(&Fe::ZERO), None);
        // Unreduced inputs to to_fe are reduced.
        assert_eq!(ctx.to_big(&ctx.to_fe(&(p + 5u32))), BigUint::from(5u32));
        assert_eq!(ctx.to_fe(p), Fe::ZERO);
    }
}

/// `cargo test --release -- --ignored --nocapture timing`
#[test]
#[ignore]
fn timing() {
    for c in Curve::ALL {
        let d = test_scalar(c, 77);
        let q = public_key(c, &d).unwrap();
        let digest = [0x42u8; 32];
        let (r, s) = sign_prehash_with_nonce(c, &d, &test_scalar(c, 78), &digest).unwrap();
        assert!(verify_prehash(c, &q, &digest, &r, &s));
        let iters = 50;
        let t = std::time::Instant::now();
        for _ in 0..iters {
            assert!(verify_prehash(c, &q, &digest, &r, &s));
        }
        let verify = t.elapsed() / iters;
        let t = std::time::Instant::now();
        for _ in 0..iters {
            assert!(sign_prehash_with_nonce(c, &d, &test_scalar(c, 78), &digest).is_some());
        }
        let sign = t.elapsed() / iters;
        let enc = encode_point_compressed(c, &q);
        let t = std::time::Instant::now();
        for _ in 0..iters {
            assert!(decode_point(c, &enc).is_ok());
        }
        let decomp = t.elapsed() / iters;
        let ctx = ctx(c);
        let mut x = ctx.to_fe(&test_scalar(c, 79));
        let y = ctx.to_fe(&test_scalar(c, 80));
        let t = std::time::Instant::now();
        for _ in 0..100_000 {
            x = ctx.mul(&x, &y);
        }
        let mul = t.elapsed() / 100_000;
        let t = std::time::Instant::now();
        for _ in 0..iters {
            x = ctx.inv(&x).unwrap();
        }
        let inv = t.elapsed() / iters;
        let t = std::time::Instant::now();
        for _ in 0..iters {
            std::hint::black_box(wnaf(&r, 5));
        }
        let naf = t.elapsed() / iters;
        println!(
            "{c:>16}: verify {verify:>9.2?}  sign {sign:>9.2?}  decompress {decomp:>9.2?}  \
                 [mul {mul:>7.2?} inv {inv:>8.2?} wnaf {naf:>8.2?}]"
        );
    }
}
