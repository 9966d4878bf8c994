//! ISO 3166-1 alpha-3 (as the MRZ writes states) to alpha-2 (as certificates do), plus the
//! ICAO 9303-3 codes outside ISO 3166 that map to a state (`D` for Germany, the British
//! `GB?` codes, `RKS` for Kosovo). Generated from pycountry 26.2.16

/// `(alpha-3, alpha-2)`, sorted by alpha-3.
pub const ALPHA3_TO_ALPHA2: &[(&str, &str)] = &[
    ("ABW", "AW"),
    ("AFG", "AF"),
    ("AGO", "AO"),
    ("AIA", "AI"),
    ("ALA", "AX"),
    ("ALB", "AL"),
    ("AND", "AD"),
    ("ARE", "AE"),
    ("ARG", "AR"),
    ("ARM", "AM"),
    ("ASM", "AS"),
    ("ATA", "AQ"),
    ("ATF", "TF"),
    ("ATG", "AG"),
    ("AUS", "AU"),
    ("AUT", "AT"),
    ("AZE", "AZ"),
    ("BDI", "BI"),
    ("BEL", "BE"),
    ("BEN", "BJ"),
    ("BES", "BQ"),
    ("BFA", "BF"),
    ("BGD", "BD"),
    ("BGR", "BG"),
    ("BHR", "BH"),
    ("BHS", "BS"),
    ("BIH", "BA"),
    ("BLM", "BL"),
    ("BLR", "BY"),
    ("BLZ", "BZ"),
    ("BMU", "BM"),
    ("BOL", "BO"),
    ("BRA", "BR"),
    ("BRB", "BB"),
    ("BRN", "BN"),
    ("BTN", "BT"),
    ("BVT", "BV"),
    ("BWA", "BW"),
    ("CAF", "CF"),
    ("CAN", "CA"),
    ("CCK", "CC"),
    ("CHE", "CH"),
    ("CHL", "CL"),
    ("CHN", "CN"),
    ("CIV", "CI"),
    ("CMR", "CM"),
    ("COD", "CD"),
    ("COG", "CG"),
    ("COK", "CK"),
    ("COL", "CO"),
    ("COM", "KM"),
    ("CPV", "CV"),
    ("CRI", "CR"),
    ("CUB", "CU"),
    ("CUW", "CW"),
    ("CXR", "CX"),
    ("CYM", "KY"),
    ("CYP", "CY"),
    ("CZE", "CZ"),
    ("D", "DE"),
    ("DEU", "DE"),
    ("DJI", "DJ"),
    ("DMA", "DM"),
    ("DNK", "DK"),
    ("DOM", "DO"),
    ("DZA", "DZ"),
    ("ECU", "EC"),
    ("EGY", "EG"),
    ("ERI", "ER"),
    ("ESH", "EH"),
    ("ESP", "ES"),
    ("EST", "EE"),
    ("ETH", "ET"),
    ("FIN", "FI"),
    ("FJI", "FJ"),
    ("FLK", "FK"),
    ("FRA", "FR"),
    ("FRO", "FO"),
    ("FSM", "FM"),
    ("GAB", "GA"),
    ("GBD", "GB"),
    ("GBN", "GB"),
    ("GBO", "GB"),
    ("GBP", "GB"),
    ("GBR", "GB"),
    ("GBS", "GB"),
    ("GEO", "GE"),
    ("GGY", "GG"),
    ("GHA", "GH"),
    ("GIB", "GI"),
    ("GIN", "GN"),
    ("GLP", "GP"),
    ("GMB", "GM"),
    ("GNB", "GW"),
    ("GNQ", "GQ"),
    ("GRC", "GR"),
    ("GRD", "GD"),
    ("GRL", "GL"),
    ("GTM", "GT"),
    ("GUF", "GF"),
    ("GUM", "GU"),
    ("GUY", "GY"),
    ("HKG", "HK"),
    ("HMD", "HM"),
    ("HND", "HN"),
    ("HRV", "HR"),
    ("HTI", "HT"),
    ("HUN", "HU"),
    ("IDN", "ID"),
    ("IMN", "IM"),
    ("IND", "IN"),
    ("IOT", "IO"),
    ("IRL", "IE"),
    ("IRN", "IR"),
    ("IRQ", "IQ"),
    ("ISL", "IS"),
    ("ISR", "IL"),
    ("ITA", "IT"),
    ("JAM", "JM"),
    ("JEY", "JE"),
    ("JOR", "JO"),
    ("JPN", "JP"),
    ("KAZ", "KZ"),
    ("KEN", "KE"),
    ("KGZ", "KG"),
    ("KHM", "KH"),
    ("KIR", "KI"),
    ("KNA", "KN"),
    ("KOR", "KR"),
    ("KWT", "KW"),
    ("LAO", "LA"),
    ("LBN", "LB"),
    ("LBR", "LR"),
    ("LBY", "LY"),
    ("LCA", "LC"),
    ("LIE", "LI"),
    ("LKA", "LK"),
    ("LSO", "LS"),
    ("LTU", "LT"),
    ("LUX", "LU"),
    ("LVA", "LV"),
    ("MAC", "MO"),
    ("MAF", "MF"),
    ("MAR", "MA"),
    ("MCO", "MC"),
    ("MDA", "MD"),
    ("MDG", "MG"),
    ("MDV", "MV"),
    ("MEX", "MX"),
    ("MHL", "MH"),
    ("MKD", "MK"),
    ("MLI", "ML"),
    ("MLT", "MT"),
    ("MMR", "MM"),
    ("MNE", "ME"),
    ("MNG", "MN"),
    ("MNP", "MP"),
    ("MOZ", "MZ"),
    ("MRT", "MR"),
    ("MSR", "MS"),
    ("MTQ", "MQ"),
    ("MUS", "MU"),
    ("MWI", "MW"),
    ("MYS", "MY"),
    ("MYT", "YT"),
    ("NAM", "NA"),
    ("NCL", "NC"),
    ("NER", "NE"),
    ("NFK", "NF"),
    ("NGA", "NG"),
    ("NIC", "NI"),
    ("NIU", "NU"),
    ("NLD", "NL"),
    ("NOR", "NO"),
    ("NPL", "NP"),
    ("NRU", "NR"),
    ("NZL", "NZ"),
    ("OMN", "OM"),
    ("PAK", "PK"),
    ("PAN", "PA"),
    ("PCN", "PN"),
    ("PER", "PE"),
    ("PHL", "PH"),
    ("PLW", "PW"),
    ("PNG", "PG"),
    ("POL", "PL"),
    ("PRI", "PR"),
    ("PRK", "KP"),
    ("PRT", "PT"),
    ("PRY", "PY"),
    ("PSE", "PS"),
    ("PYF", "PF"),
    ("QAT", "QA"),
    ("REU", "RE"),
    ("RKS", "XK"),
    ("ROU", "RO"),
    ("RUS", "RU"),
    ("RWA", "RW"),
    ("SAU", "SA"),
    ("SDN", "SD"),
    ("SEN", "SN"),
    ("SGP", "SG"),
    ("SGS", "GS"),
    ("SHN", "SH"),
    ("SJM", "SJ"),
    ("SLB", "SB"),
    ("SLE", "SL"),
    ("SLV", "SV"),
    ("SMR", "SM"),
    ("SOM", "SO"),
    ("SPM", "PM"),
    ("SRB", "RS"),
    ("SSD", "SS"),
    ("STP", "ST"),
    ("SUR", "SR"),
    ("SVK", "SK"),
    ("SVN", "SI"),
    ("SWE", "SE"),
    ("SWZ", "SZ"),
    ("SXM", "SX"),
    ("SYC", "SC"),
    ("SYR", "SY"),
    ("TCA", "TC"),
    ("TCD", "TD"),
    ("TGO", "TG"),
    ("THA", "TH"),
    ("TJK", "TJ"),
    ("TKL", "TK"),
    ("TKM", "TM"),
    ("TLS", "TL"),
    ("TON", "TO"),
    ("TTO", "TT"),
    ("TUN", "TN"),
    ("TUR", "TR"),
    ("TUV", "TV"),
    ("TWN", "TW"),
    ("TZA", "TZ"),
    ("UGA", "UG"),
    ("UKR", "UA"),
    ("UMI", "UM"),
    ("URY", "UY"),
    ("USA", "US"),
    ("UZB", "UZ"),
    ("VAT", "VA"),
    ("VCT", "VC"),
    ("VEN", "VE"),
    ("VGB", "VG"),
    ("VIR", "VI"),
    ("VNM", "VN"),
    ("VUT", "VU"),
    ("WLF", "WF"),
    ("WSM", "WS"),
    ("YEM", "YE"),
    ("ZAF", "ZA"),
    ("ZMB", "ZM"),
    ("ZWE", "ZW"),
];

/// ICAO 9303-3 codes of organisations that issue travel documents (issuing state field),
/// with the country code their certificates carry when that is known (`None`: the
/// DSC's country cannot be compared), and the organisation's name.
pub const ORGANISATIONS: &[(&str, Option<&str>, &str)] = &[
    ("EUE", Some("EU"), "European Union"),
    (
        "UNA",
        Some("UN"),
        "specialized agency of the United Nations",
    ),
    (
        "UNK",
        None,
        "United Nations Interim Administration Mission in Kosovo",
    ),
    ("UNO", Some("UN"), "United Nations Organization"),
    ("XBA", None, "African Development Bank"),
    ("XCC", None, "Caribbean Community"),
    ("XCE", None, "Council of Europe"),
    ("XCO", None, "Common Market for Eastern and Southern Africa"),
    ("XDC", None, "Southern African Development Community"),
    ("XEC", None, "Economic Community of West African States"),
    ("XES", None, "Organisation of Eastern Caribbean States"),
    ("XIM", None, "African Export-Import Bank"),
    ("XMP", None, "Parliamentary Assembly of the Mediterranean"),
    ("XOM", None, "Sovereign Military Order of Malta"),
    ("XPO", None, "International Criminal Police Organization"),
];

/// ICAO 9303-3 codes that may appear only as the holder's nationality, never as the
/// issuing state: a stateless person's or refugee's travel document is issued by a State.
pub const NATIONALITY_ONLY: &[(&str, &str)] = &[
    ("XXA", "stateless person"),
    ("XXB", "refugee (1951 Convention)"),
    ("XXC", "refugee (other)"),
    ("XXX", "person of unspecified nationality"),
];

/// What an MRZ issuing-state code names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IssuingState {
    /// A State or territory, with its ISO 3166-1 alpha-2 code.
    State(&'static str),
    /// An organisation of ICAO 9303-3, with the country code of its certificates when
    /// known, and its name.
    Organisation {
        /// The code as written.
        code: &'static str,
        /// The country code its CSCA and DSCs carry, when known.
        certificate_country: Option<&'static str>,
        /// Its name.
        name: &'static str,
    },
    /// A nationality-only code (XXA, XXB, XXC, XXX): not an issuing state.
    NationalityOnly {
        /// The code as written.
        code: &'static str,
        /// What it means.
        meaning: &'static str,
    },
    /// No ICAO 9303-3 code.
    Unknown,
}

/// What an MRZ issuing-state code (fillers `<` removed) names.
#[must_use]
pub fn issuing_state(mrz_state: &str) -> IssuingState {
    let code = mrz_state.trim_end_matches('<');
    if let Some(a2) = alpha2(code) {
        return IssuingState::State(a2);
    }
    if let Some((code, certificate_country, name)) =
        ORGANISATIONS.iter().find(|(c, _, _)| *c == code)
    {
        return IssuingState::Organisation {
            code,
            certificate_country: *certificate_country,
            name,
        };
    }
    match NATIONALITY_ONLY.iter().find(|(c, _)| *c == code) {
        Some((code, meaning)) => IssuingState::NationalityOnly { code, meaning },
        None => IssuingState::Unknown,
    }
}

/// The alpha-2 code of an MRZ state code (fillers `<` removed), if it names a state.
#[must_use]
pub fn alpha2(mrz_state: &str) -> Option<&'static str> {
    let code = mrz_state.trim_end_matches('<');
    ALPHA3_TO_ALPHA2
        .binary_search_by(|(a3, _)| (*a3).cmp(code))
        .ok()
        .and_then(|i| ALPHA3_TO_ALPHA2.get(i))
        .map(|(_, a2)| *a2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_mrz_states_to_certificate_countries() {
        assert_eq!(alpha2("KOR"), Some("KR"));
        assert_eq!(alpha2("D<<"), Some("DE"));
        assert_eq!(alpha2("UTO"), None);
        assert_eq!(alpha2("GBD"), Some("GB"));
        assert!(
            ALPHA3_TO_ALPHA2.windows(2).all(|w| w[0].0 < w[1].0),
            "sorted for binary search"
        );
    }

    #[test]
    fn organisations_and_nationality_only_codes_are_told_apart() {
        assert_eq!(issuing_state("KOR"), IssuingState::State("KR"));
        assert!(matches!(
            issuing_state("EUE"),
            IssuingState::Organisation {
                certificate_country: Some("EU"),
                ..
            }
        ));
        assert!(matches!(
            issuing_state("XOM"),
            IssuingState::Organisation {
                certificate_country: None,
                ..
            }
        ));
        assert!(matches!(
            issuing_state("XXA"),
            IssuingState::NationalityOnly { code: "XXA", .. }
        ));
        assert_eq!(issuing_state("ZZZ"), IssuingState::Unknown);
        assert_eq!(issuing_state("UTO"), IssuingState::Unknown);
        for (code, _, _) in ORGANISATIONS {
            assert!(alpha2(code).is_none(), "{code} is no State");
        }
    }
}
