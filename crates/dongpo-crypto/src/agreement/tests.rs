//! Key agreement tests: the ICAO 9303-11 worked examples byte for byte, both sides on every
//! domain, and refusal of invalid keys.

use super::*;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn point(x: &str, y: &str) -> Vec<u8> {
    let mut out = vec![0x04];
    out.extend(hex(x));
    out.extend(hex(y));
    out
}

fn pair(domain: &Domain, private: &str) -> KeyPair {
    KeyPair::from_private_bytes(domain, &hex(private)).unwrap()
}

fn public(domain: &Domain, bytes: &[u8]) -> AgreementPublicKey {
    AgreementPublicKey::from_bytes(domain, bytes).unwrap()
}

/// ICAO Doc 9303-11 (8th ed.), Appendix G: PACE worked example, generic mapping, ECDH on
/// brainpoolP256r1 (standardized domain parameters 13), id-PACE-ECDH-GM-AES-CBC-CMAC-128.
#[test]
fn icao_9303_11_appendix_g_generic_mapping_ecdh() {
    let domain = Domain::ec(Curve::BrainpoolP256r1);
    let nonce = hex("3F00C4D39D153F2B2A214A078D899B22");

    // Mapping key pairs.
    let terminal_map = pair(
        &domain,
        "7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99",
    );
    assert_eq!(
        terminal_map.public_key_bytes(),
        point(
            "7ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E",
            "544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D"
        )
    );
    let chip_map = pair(
        &domain,
        "498FF49756F2DC1587840041839A85982BE7761D14715FB091EFA7BCE9058560",
    );
    assert_eq!(
        chip_map.public_key_bytes(),
        point(
            "824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F57",
            "30D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C54"
        )
    );

    // The shared point H (its x-coordinate is what `agree` returns), from both sides.
    let h_x = hex("60332EF2450B5D247EF6D3868397D398852ED6E8CAF6FFEEF6BF85CA57057FD5");
    let from_chip = public(&domain, chip_map.public_key_bytes());
    let from_terminal = public(&domain, terminal_map.public_key_bytes());
    assert_eq!(terminal_map.agree(&from_chip).unwrap().as_bytes(), h_x);
    assert_eq!(chip_map.agree(&from_terminal).unwrap().as_bytes(), h_x);

    // The mapped generator G~ = s*G + H, from both sides.
    let mapped = terminal_map.map_nonce(&from_chip, &nonce).unwrap();
    assert_eq!(
        mapped.generator(),
        point(
            "8CED63C91426D4F0EB1435E7CB1D74A46723A0AF21C89634F65A9AE87A9265E2",
            "8C879506743F8611AC33645C5B985C80B5F09A0B83407C1B6A4D857AE76FE522"
        )
    );
    assert_eq!(chip_map.map_nonce(&from_terminal, &nonce).unwrap(), mapped);
    assert!(mapped.is_mapped());
    assert_eq!(mapped.to_string(), "ecdh:brainpoolP256r1+mapped");

    // Ephemeral key pairs on the mapped generator and the shared secret K.
    let terminal = pair(
        &mapped,
        "A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595",
    );
    let terminal_public = point(
        "2DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C",
        "3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB36462",
    );
    assert_eq!(terminal.public_key_bytes(), terminal_public);
    let chip = pair(
        &mapped,
        "107CF58696EF6155053340FD633392BA81909DF7B9706F226F32086C7AFF974A",
    );
    let chip_public = point(
        "9E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB",
        "7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094",
    );
    assert_eq!(chip.public_key_bytes(), chip_public);
    let k = hex("28768D20701247DAE81804C9E780EDE582A9996DB4A315020B2733197DB84925");
    let chip_key = public(&mapped, &chip_public);
    let terminal_key = public(&mapped, &terminal_public);
    assert_eq!(terminal.agree(&chip_key).unwrap().as_bytes(), k);
    assert_eq!(chip.agree(&terminal_key).unwrap().as_bytes(), k);

    // Authentication token inputs: the terminal MACs the chip's key, the chip the terminal's.
    let protocol = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.4.2.2");
    let mut t_ifd_input = hex("7F494F060A04007F00070202040202864104");
    t_ifd_input.extend_from_slice(&chip_public[1..]);
    assert_eq!(
        authentication_token_input(&protocol, &chip_key),
        t_ifd_input
    );
    let mut t_ic_input = hex("7F494F060A04007F00070202040202864104");
    t_ic_input.extend_from_slice(&terminal_public[1..]);
    assert_eq!(
        authentication_token_input(&protocol, &terminal_key),
        t_ic_input
    );

    // A key on the standard generator does not agree with one on the mapped generator.
    assert_eq!(
        chip_map.agree(&chip_key),
        Err(AgreementError::DomainMismatch)
    );
    // A mapped domain is not mapped again.
    assert_eq!(
        chip.map_nonce(&terminal_key, &nonce),
        Err(AgreementError::DomainMismatch)
    );
}

/// ICAO Doc 9303-11 (8th ed.), Appendix H: PACE worked example, generic mapping, DH on the
/// 1024-bit MODP group with 160-bit prime-order subgroup (RFC 5114 §2.1, standardized
/// domain parameters 0), id-PACE-DH-GM-AES-CBC-CMAC-128.
#[test]
fn icao_9303_11_appendix_h_generic_mapping_dh() {
    let domain = Domain::dh(DhGroup::rfc5114_1024_160());
    let nonce = hex("FA5B7E3E49753A0DB9178B7B9BD898C8");

    let terminal_map = pair(&domain, "5265030F751F4AD18B08AC565FC7AC952E41618D");
    assert_eq!(
        terminal_map.public_key_bytes(),
        hex(
            "23FB3749EA030D2A25B278D2A562047ADE3F01B74F17A15402CB7352CA7D2B3E
             B71C343DB13D1DEBCE9A3666DBCFC920B49174A602CB47965CAA73DC702489A4
             4D41DB914DE9613DC5E98C94160551C0DF86274B9359BC0490D01B03AD54022D
             CB4F57FAD6322497D7A1E28D46710F461AFE710FBBBC5F8BA166F4311975EC6C"
        )
    );
    let chip_map = pair(&domain, "66DDAFEAC1609CB5B963BB0CB3FF8B3E047F336C");
    assert_eq!(
        chip_map.public_key_bytes(),
        hex(
            "78879F57225AA8080D52ED0FC890A4B25336F699AA89A2D3A189654AF70729E6
             23EA5738B26381E4DA19E004706FACE7B235C2DBF2F38748312F3C98C2DD4882
             A41947B324AA1259AC22579DB93F7085655AF30889DBB845D9E6783FE42C9F24
             49400306254C8AE8EE9DD812A804C0B66E8CAFC14F84D8258950A91B44126EE6"
        )
    );

    let h = hex(
        "5BABEBEF5B74E5BA94B5C063FDA15F1F1CDE94873EE0A5D3A2FCAB49F258D07F
                 544F13CB66658C3AFEE9E727389BE3F6CBBBD32128A8C21DD6EEA3CF7091CDDF
                 B08B8D007D40318DCCA4FFBF51208790FB4BD111E5A968ED6B6F08B26CA87C41
                 0B3CE0C310CE104EABD16629AA48620C1279270CB0750C0D37C57FFFE302AE7F",
    );
    let from_chip = public(&domain, chip_map.public_key_bytes());
    let from_terminal = public(&domain, terminal_map.public_key_bytes());
    assert_eq!(terminal_map.agree(&from_chip).unwrap().as_bytes(), h);
    assert_eq!(chip_map.agree(&from_terminal).unwrap().as_bytes(), h);

    let mapped = terminal_map.map_nonce(&from_chip, &nonce).unwrap();
    assert_eq!(
        mapped.generator(),
        hex(
            "7C9CBFE98F9FBDDA8D143506FA7D9306F4CB17E3C71707AFF5E1C1A123702496
             84D64EE37AF44B8DBD9D45BF6023919CBAA027AB97ACC771666C8E98FF483301
             BFA4872DEDE9034EDFACB70814166B7F360676829B826BEA57291B5AD69FBC84
             EF1E779032A305803F74341793E869742D401325B37EE8565FFCDEE618342DC5"
        )
    );
    assert_eq!(chip_map.map_nonce(&from_terminal, &nonce).unwrap(), mapped);
    assert_eq!(mapped.to_string(), "dh:rfc5114-1024-160+mapped");

    let terminal = pair(&mapped, "89CCD99B0E8D3B1F11E1296DCA68EC53411CF2CA");
    let terminal_public = hex(
        "907D89E2D425A178AA81AF4A7774EC8E388C115CAE67031E85EECE520BD91155
         1B9AE4D04369F29A02626C86FBC6747CC7BC352645B6161A2A42D44EDA80A08F
         A8D61B76D3A154AD8A5A51786B0BC07147057871A922212C5F67F43173172236
         B7747D1671E6D692A3C7D40A0C3C5CE397545D015C175EB5130551EDBC2EE5D4",
    );
    assert_eq!(terminal.public_key_bytes(), terminal_public);
    let chip = pair(&mapped, "A5B780126B7C980E9FCEA1D4539DA1D27C342DFA");
    let chip_public = hex(
        "075693D9AE941877573E634B6E644F8E60AF17A0076B8B123D9201074D36152B
         D8B3A213F53820C42ADC79AB5D0AEEC3AEFB91394DA476BD97B9B14D0A65C1FC
         71A0E019CB08AF55E1F729005FBA7E3FA5DC41899238A250767A6D46DB974064
         386CD456743585F8E5D90CC8B4004B1F6D866C79CE0584E49687FF61BC29AEA1",
    );
    assert_eq!(chip.public_key_bytes(), chip_public);
    let k = hex(
        "6BABC7B3A72BCD7EA385E4C62DB2625BD8613B24149E146A629311C4CA6698E3
         8B834B6A9E9CD7184BA8834AFF5043D436950C4C1E7832367C10CB8C314D40E5
         990B0DF7013E64B4549E2270923D06F08CFF6BD3E977DDE6ABE4C31D55C0FA2E
         465E553E77BDF75E3193D3834FC26E8EB1EE2FA1E4FC97C18C3F6CFFFE2607FD",
    );
    let chip_key = public(&mapped, &chip_public);
    assert_eq!(terminal.agree(&chip_key).unwrap().as_bytes(), k);
    assert_eq!(
        chip.agree(&public(&mapped, &terminal_public))
            .unwrap()
            .as_bytes(),
        k
    );

    // The DH token input: 7F49 81 8F { 06 0A OID, 84 81 80 y }.
    let protocol = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.2.2.4.1.2");
    let input = authentication_token_input(&protocol, &chip_key);
    let mut want = hex("7F49818F060A04007F00070202040102848180");
    want.extend_from_slice(&chip_public);
    assert_eq!(input, want);
}

fn all_domains() -> Vec<Domain> {
    let mut out: Vec<Domain> = Curve::ALL.into_iter().map(Domain::ec).collect();
    out.push(Domain::dh(DhGroup::rfc5114_1024_160()));
    out.push(Domain::dh(DhGroup::rfc5114_2048_224()));
    out.push(Domain::dh(DhGroup::rfc5114_2048_256()));
    out
}

#[test]
fn both_sides_derive_the_same_secret_on_every_domain() {
    for domain in all_domains() {
        let chip = KeyPair::generate(&domain).unwrap();
        let terminal = KeyPair::generate(&domain).unwrap();
        assert_eq!(terminal.public_key_bytes().len(), domain.public_key_len());
        let at_terminal = terminal
            .agree(&public(&domain, chip.public_key_bytes()))
            .unwrap();
        let at_chip = chip
            .agree(&public(&domain, terminal.public_key_bytes()))
            .unwrap();
        assert_eq!(at_terminal, at_chip, "{domain}");
        assert_eq!(at_terminal.as_bytes().len(), domain.shared_secret_len());
        // Through the SPKI as DG14 would carry the chip's key.
        let spki = chip.public_key().to_spki_der();
        let parsed = AgreementPublicKey::from_spki_der(&spki).unwrap();
        assert_eq!(parsed, chip.public_key(), "{domain}");
        assert_eq!(terminal.agree(&parsed).unwrap(), at_terminal);
    }
}

#[test]
fn pace_mapping_agrees_from_both_sides_on_every_domain() {
    for domain in all_domains() {
        let nonce: Vec<u8> = (0u8..32).map(|i| i.wrapping_mul(37) ^ 0xa5).collect();
        let terminal_map = KeyPair::generate(&domain).unwrap();
        let chip_map = KeyPair::generate(&domain).unwrap();
        let mapped = terminal_map
            .map_nonce(&chip_map.public_key(), &nonce)
            .unwrap();
        assert_eq!(
            chip_map
                .map_nonce(&terminal_map.public_key(), &nonce)
                .unwrap(),
            mapped,
            "{domain}"
        );
        assert_ne!(mapped.generator(), domain.generator());
        let terminal = KeyPair::generate(&mapped).unwrap();
        let chip = KeyPair::generate(&mapped).unwrap();
        let k1 = terminal
            .agree(&public(&mapped, chip.public_key_bytes()))
            .unwrap();
        let k2 = chip
            .agree(&public(&mapped, terminal.public_key_bytes()))
            .unwrap();
        assert_eq!(k1, k2, "{domain}");
        // A mapped key has no SPKI form.
        assert!(chip.public_key().to_spki_der().is_empty());
    }
}

#[test]
fn generated_keys_differ_and_never_print_the_secret() {
    for domain in [
        Domain::ec(Curve::P256),
        Domain::ec(Curve::BrainpoolP512r1),
        Domain::dh(DhGroup::rfc5114_2048_224()),
    ] {
        let a = KeyPair::generate(&domain).unwrap();
        let b = KeyPair::generate(&domain).unwrap();
        assert_ne!(a.public_key_bytes(), b.public_key_bytes());
        assert_ne!(*a.secret, *b.secret);
        let shown = format!("{a:?}");
        let secret_hex: String = a.secret.iter().map(|b| format!("{b:02x}")).collect();
        assert!(!shown.contains(&secret_hex), "{shown}");
        assert!(shown.contains("<redacted>"));
        let secret = a.agree(&b.public_key()).unwrap();
        assert!(format!("{secret:?}").contains("redacted"));
    }
}

#[test]
fn a_seeded_rng_gives_the_same_key_pair() {
    struct Counter(u8);
    impl rand_core::TryRng for Counter {
        type Error = std::convert::Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
            Ok(u32::from(self.next()))
        }
        fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
            Ok(u64::from(self.next()))
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
            dst.iter_mut().for_each(|b| *b = self.next());
            Ok(())
        }
    }
    impl rand_core::TryCryptoRng for Counter {}
    impl Counter {
        fn next(&mut self) -> u8 {
            self.0 = self.0.wrapping_mul(97).wrapping_add(13);
            self.0
        }
    }
    for domain in all_domains() {
        let a = KeyPair::generate_with_rng(&domain, &mut Counter(1)).unwrap();
        let b = KeyPair::generate_with_rng(&domain, &mut Counter(1)).unwrap();
        let c = KeyPair::generate_with_rng(&domain, &mut Counter(2)).unwrap();
        assert_eq!(a.public_key_bytes(), b.public_key_bytes(), "{domain}");
        assert_ne!(a.public_key_bytes(), c.public_key_bytes(), "{domain}");
    }
}

#[test]
fn invalid_ec_public_keys_are_refused() {
    for curve in Curve::ALL {
        let domain = Domain::ec(curve);
        let good = KeyPair::generate(&domain)
            .unwrap()
            .public_key_bytes()
            .to_vec();
        let fb = curve.field_bytes();
        // Off the curve.
        let mut off = good.clone();
        *off.last_mut().unwrap() ^= 1;
        // The identity, a compressed point, a truncated point, a coordinate >= p.
        let compressed = {
            let mut c = vec![0x02 | (good[2 * fb] & 1)];
            c.extend_from_slice(&good[1..=fb]);
            c
        };
        let mut big_x = good.clone();
        big_x[1..=fb].fill(0xff);
        for bad in [
            off,
            vec![0x00],
            compressed,
            good[..good.len() - 1].to_vec(),
            big_x,
            vec![],
        ] {
            assert!(
                matches!(
                    AgreementPublicKey::from_bytes(&domain, &bad),
                    Err(AgreementError::BadPoint { .. })
                ),
                "{curve}: {bad:02x?}"
            );
        }
    }
}

#[test]
fn invalid_dh_public_values_are_refused() {
    for group in [
        DhGroup::rfc5114_1024_160(),
        DhGroup::rfc5114_2048_224(),
        DhGroup::rfc5114_2048_256(),
    ] {
        let domain = Domain::dh(group.clone());
        let p = BigUint::from_bytes_be(&group.p());
        let value = |v: BigUint| group.pad(&v);
        for out_of_range in [
            value(BigUint::from(0u32)),
            value(BigUint::from(1u32)),
            value(&p - 1u32),
            value(p.clone()),
            value(&p + 1u32),
            vec![0xff; group.p_len() + 1],
        ] {
            assert_eq!(
                AgreementPublicKey::from_bytes(&domain, &out_of_range),
                Err(AgreementError::DhOutOfRange)
            );
        }
        // 2 and 3 are not in the subgroup of order q (they would be with probability q/p).
        for outside in [BigUint::from(2u32), BigUint::from(3u32)] {
            assert_eq!(
                AgreementPublicKey::from_bytes(&domain, &value(outside)),
                Err(AgreementError::DhNotInSubgroup)
            );
        }
        // A short encoding of a valid value is accepted and padded.
        let good = KeyPair::generate(&domain).unwrap();
        let y = BigUint::from_bytes_be(good.public_key_bytes()).to_bytes_be();
        assert_eq!(
            AgreementPublicKey::from_bytes(&domain, &y)
                .unwrap()
                .as_bytes(),
            good.public_key_bytes()
        );
    }
}

#[test]
fn private_keys_outside_the_range_are_refused() {
    let ec = Domain::ec(Curve::BrainpoolP256r1);
    let n = Curve::BrainpoolP256r1.params().n.to_bytes_be();
    for bad in [vec![0u8; 32], n.clone(), vec![0xff; 32], vec![1u8; 33]] {
        assert_eq!(
            KeyPair::from_private_bytes(&ec, &bad).err(),
            Some(AgreementError::InvalidPrivateKey)
        );
    }
    let dh = Domain::dh(DhGroup::rfc5114_1024_160());
    let q = DhGroup::rfc5114_1024_160().q();
    for bad in [vec![0u8; 20], q, vec![0xff; 20]] {
        assert_eq!(
            KeyPair::from_private_bytes(&dh, &bad).err(),
            Some(AgreementError::InvalidPrivateKey)
        );
    }
    // The edges: 1 and q - 1 (n - 1) are keys; short input is left-padded.
    let q_minus_1 = (BigUint::from_bytes_be(&DhGroup::rfc5114_1024_160().q()) - 1u32).to_bytes_be();
    let n_minus_1 = (BigUint::from_bytes_be(&n) - 1u32).to_bytes_be();
    for good in [&q_minus_1[..], &[1u8][..], &[0x80; 20][..]] {
        assert!(KeyPair::from_private_bytes(&dh, good).is_ok());
    }
    for good in [&n_minus_1[..], &[1u8][..], &[7u8][..]] {
        assert!(KeyPair::from_private_bytes(&ec, good).is_ok());
    }
}

#[test]
fn keys_on_different_domains_do_not_agree() {
    let a = KeyPair::generate(&Domain::ec(Curve::P256)).unwrap();
    let b = KeyPair::generate(&Domain::ec(Curve::BrainpoolP256r1)).unwrap();
    let c = KeyPair::generate(&Domain::dh(DhGroup::rfc5114_2048_224())).unwrap();
    let d = KeyPair::generate(&Domain::dh(DhGroup::rfc5114_2048_256())).unwrap();
    assert_eq!(
        a.agree(&b.public_key()),
        Err(AgreementError::DomainMismatch)
    );
    assert_eq!(
        a.agree(&c.public_key()),
        Err(AgreementError::DomainMismatch)
    );
    assert_eq!(
        c.agree(&d.public_key()),
        Err(AgreementError::DomainMismatch)
    );
    assert_eq!(
        c.map_nonce(&d.public_key(), &[1; 16]),
        Err(AgreementError::DomainMismatch)
    );
}

/// X9.42 DomainParameters written by OpenSSL 3.0 (`openssl genpkey -genparam -algorithm DHX
/// -pkeyopt dh_rfc5114:N`, see test-vectors/agreement/README.md) name the same groups as
/// the built-in constants.
#[test]
fn openssl_x942_parameters_match_the_rfc5114_constants() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors/agreement");
    for (file, want) in [
        ("rfc5114-1.der", DhGroup::rfc5114_1024_160()),
        ("rfc5114-2.der", DhGroup::rfc5114_2048_224()),
        ("rfc5114-3.der", DhGroup::rfc5114_2048_256()),
    ] {
        let der = std::fs::read(dir.join(file)).unwrap();
        let group = DhGroup::from_x942_der(&der).unwrap();
        assert_eq!(group, want);
        assert!(group.name().is_some());
        assert_eq!(DhGroup::from_x942_der(&want.to_x942_der()).unwrap(), want);
    }
}

#[test]
fn unknown_dh_groups_are_checked() {
    let known = DhGroup::rfc5114_2048_224();
    let (p, q, g) = (known.p(), known.q(), known.g());
    // A group not in the table but valid: the same p and q with the generator g^2.
    let pb = BigUint::from_bytes_be(&p);
    let g2 = BigUint::from_bytes_be(&g).modpow(&BigUint::from(2u32), &pb);
    let other = DhGroup::new(&p, &q, &g2.to_bytes_be()).unwrap();
    assert_eq!(other.name(), None);
    let domain = Domain::dh(other);
    assert_eq!(domain.to_string(), "dh:2048/224");
    let a = KeyPair::generate(&domain).unwrap();
    let b = KeyPair::generate(&domain).unwrap();
    assert_eq!(
        a.agree(&b.public_key()).unwrap(),
        b.agree(&a.public_key()).unwrap()
    );
    let spki = a.public_key().to_spki_der();
    assert_eq!(
        AgreementPublicKey::from_spki_der(&spki).unwrap(),
        a.public_key()
    );

    let bad = |p: &[u8], q: &[u8], g: &[u8]| match DhGroup::new(p, q, g) {
        Err(AgreementError::BadDhGroup(reason)) => reason,
        other => panic!("{other:?}"),
    };
    // q + 2 does not divide p - 1; g = 2 does not have order q; g = 1; a short p.
    let q2 = (BigUint::from_bytes_be(&q) + 2u32).to_bytes_be();
    assert_eq!(bad(&p, &q2, &g), "q does not divide p - 1");
    assert_eq!(
        bad(&p, &q, &[2]),
        "g does not generate a subgroup of order q"
    );
    assert_eq!(bad(&p, &q, &[1]), "g must satisfy 1 < g < p - 1");
    assert_eq!(bad(&p[..64], &q, &g), "p must have 1024 to 4096 bits");
    // 2q divides p - 1 (p - 1 = q * j with j even) and g^(2q) = 1, but 2q is not prime.
    let q2x = (BigUint::from_bytes_be(&q) * 2u32).to_bytes_be();
    assert_eq!(bad(&p, &q2x, &g), "q is not prime");
}

#[test]
fn dh_spki_errors_are_typed() {
    let key = KeyPair::generate(&Domain::dh(DhGroup::rfc5114_1024_160()))
        .unwrap()
        .public_key();
    let der = key.to_spki_der();
    for cut in [0, 5, der.len() - 1] {
        assert!(AgreementPublicKey::from_spki_der(&der[..cut]).is_err());
    }
    // An RSA key is not a key agreement key.
    let rsa = crate::SigningKey::generate_with_rng(
        crate::KeySpec::Rsa(1024),
        &mut rand_core::UnwrapErr(getrandom::SysRng),
    )
    .unwrap();
    assert!(matches!(
        AgreementPublicKey::from_spki_der(&rsa.public_key().to_spki_der()),
        Err(AgreementError::UnsupportedAlgorithm(_))
    ));
}

/// The variable-time path (used for P-224, brainpoolP224r1/P320r1/P512r1) computes the same
/// points as the constant-time crates where both exist.
#[test]
fn variable_time_arithmetic_matches_the_constant_time_crates() {
    for curve in [
        Curve::P256,
        Curve::P384,
        Curve::P521,
        Curve::BrainpoolP256r1,
        Curve::BrainpoolP384r1,
    ] {
        let domain = Domain::ec(curve);
        let a = KeyPair::generate(&domain).unwrap();
        let b = KeyPair::generate(&domain).unwrap();
        let k = BigUint::from_bytes_be(&a.secret);
        let q = crate::weierstrass::decode_point(curve, b.public_key_bytes()).unwrap();
        let generic = crate::weierstrass::mul_add(curve, &BigUint::from(0u32), &k, &q).unwrap();
        let ct = ec::mul(curve, &a.secret, Some(b.public_key_bytes())).unwrap();
        assert_eq!(
            crate::weierstrass::encode_point(curve, &generic),
            ct,
            "{curve}"
        );
        let public = crate::weierstrass::public_key(curve, &k).unwrap();
        assert_eq!(
            crate::weierstrass::encode_point(curve, &public),
            a.public_key_bytes()
        );
        // The mapping s*G + H, with s longer than the order and H = b's public key.
        let s = [0xffu8; 80];
        let n = &curve.params().n;
        let generic = crate::weierstrass::mul_add(
            curve,
            &(BigUint::from_bytes_be(&s) % n),
            &BigUint::from(1u32),
            &q,
        )
        .unwrap();
        let ct = ec::map(curve, &s, b.public_key_bytes()).unwrap();
        assert_eq!(
            crate::weierstrass::encode_point(curve, &generic),
            ct,
            "{curve}"
        );
    }
}

/// OpenSSL 3.0 as an independent implementation (test-vectors/agreement/README.md): for every
/// curve family and RFC 5114 group, the chip key's SPKI as OpenSSL writes it, the terminal's
/// private value, and the secret `openssl pkeyutl -derive` computed.
#[test]
fn openssl_derives_the_same_secrets() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../test-vectors/agreement/openssl-derive.txt");
    let text = std::fs::read_to_string(path).unwrap();
    let mut seen = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let [name, spki, private, shared] = line.split_whitespace().collect::<Vec<_>>()[..] else {
            panic!("bad line {line}");
        };
        let chip = AgreementPublicKey::from_spki_der(&hex(spki)).unwrap();
        assert_eq!(chip.domain().to_string(), name);
        let private = hex(private);
        let start = private.iter().position(|&b| b != 0).unwrap();
        let terminal = KeyPair::from_private_bytes(chip.domain(), &private[start..]).unwrap();
        assert_eq!(
            terminal.agree(&chip).unwrap().as_bytes(),
            hex(shared),
            "{name}"
        );
        seen.push(name.to_string());
    }
    assert_eq!(seen.len(), 11, "{seen:?}");
}
