//! permitted_subtrees and excluded_subtrees (RFC 5280 §6.1.2(b)-(c), §6.1.3(b)-(c),
//! §6.1.4(g)) for directory names, rfc822Name, dNSName, URI and iPAddress.
//!
//! Rather than computing intersections, each CA's permitted subtrees are kept as a
//! separate set and a name must satisfy every set that constrains its form: the
//! same answer as the RFC's intersection, without subtree algebra.

use const_oid::db::rfc3280::EMAIL_ADDRESS;
use x509_cert::ext::pkix::NameConstraints;
use x509_cert::ext::pkix::constraints::name::GeneralSubtree;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::name::Name;

use super::error::Rule;
use crate::name::NormalizedName;

/// A constraint base or a certificate name, in the form matching works on.
#[derive(Debug, Clone)]
enum Form {
    Directory(NormalizedName),
    Email(String),
    Dns(String),
    Uri(String),
    Ip(Vec<u8>),
    /// otherName, ediPartyName, registeredID: constrainable in theory, not here.
    Other(u8),
}

impl Form {
    fn kind(&self) -> u8 {
        match self {
            Form::Directory(_) => 4,
            Form::Email(_) => 1,
            Form::Dns(_) => 2,
            Form::Uri(_) => 6,
            Form::Ip(_) => 7,
            Form::Other(k) => *k,
        }
    }
}

fn form(name: &GeneralName) -> Form {
    match name {
        GeneralName::DirectoryName(n) => Form::Directory(NormalizedName::new(n)),
        GeneralName::Rfc822Name(s) => Form::Email(s.to_string()),
        GeneralName::DnsName(s) => Form::Dns(s.to_string()),
        GeneralName::UniformResourceIdentifier(s) => Form::Uri(s.to_string()),
        GeneralName::IpAddress(o) => Form::Ip(o.as_bytes().to_vec()),
        GeneralName::OtherName(_) => Form::Other(0),
        GeneralName::EdiPartyName(_) => Form::Other(5),
        GeneralName::RegisteredId(_) => Form::Other(8),
    }
}

/// The accumulated constraints of the CAs processed so far.
#[derive(Debug, Default, Clone)]
pub(crate) struct Subtrees {
    permitted: Vec<Vec<Form>>,
    excluded: Vec<Form>,
}

impl Subtrees {
    /// §6.1.4(g): adds a CA's nameConstraints.
    pub(crate) fn add(&mut self, nc: &NameConstraints) -> Result<(), Rule> {
        if let Some(permitted) = &nc.permitted_subtrees {
            self.permitted.push(bases(permitted)?);
        }
        if let Some(excluded) = &nc.excluded_subtrees {
            self.excluded.extend(bases(excluded)?);
        }
        Ok(())
    }

    /// §6.1.3(b)-(c): checks a certificate's subject and subjectAltName entries.
    pub(crate) fn check(
        &self,
        subject: &Name,
        alt_names: Option<&[GeneralName]>,
    ) -> Result<(), Rule> {
        if self.permitted.is_empty() && self.excluded.is_empty() {
            return Ok(());
        }
        let mut names: Vec<(Form, String)> = Vec::new();
        let dn = NormalizedName::new(subject);
        if !dn.is_empty() {
            names.push((Form::Directory(dn), subject.to_string()));
        }
        match alt_names {
            Some(alt) => names.extend(alt.iter().map(|n| (form(n), describe(n)))),
            // §4.2.1.10: without subjectAltName, rfc822 constraints apply to the
            // subject's emailAddress attributes.
            None => names.extend(
                subject
                    .iter()
                    .filter(|a| a.oid == EMAIL_ADDRESS)
                    .filter_map(|a| {
                        let mail = a
                            .value
                            .decode_as::<der::asn1::Ia5String>()
                            .ok()?
                            .to_string();
                        Some((Form::Email(mail.clone()), mail))
                    }),
            ),
        }
        for (name, text) in &names {
            self.check_one(name, text)?;
        }
        Ok(())
    }

    fn check_one(&self, name: &Form, text: &str) -> Result<(), Rule> {
        let kind = name.kind();
        let constrained = self
            .permitted
            .iter()
            .flatten()
            .chain(&self.excluded)
            .any(|b| b.kind() == kind);
        if !constrained {
            return Ok(());
        }
        if matches!(name, Form::Other(_)) {
            return Err(Rule::NameFormUnsupported(text.to_string()));
        }
        for set in &self.permitted {
            let mut same_form = set.iter().filter(|b| b.kind() == kind).peekable();
            if same_form.peek().is_some() && !same_form.any(|b| within(name, b)) {
                return Err(Rule::NameNotPermitted(text.to_string()));
            }
        }
        if self.excluded.iter().any(|b| within(name, b)) {
            return Err(Rule::NameExcluded(text.to_string()));
        }
        Ok(())
    }
}

/// The bases of a GeneralSubtrees; RFC 5280 §4.2.1.10 fixes minimum at 0 and
/// forbids maximum.
fn bases(subtrees: &[GeneralSubtree]) -> Result<Vec<Form>, Rule> {
    subtrees
        .iter()
        .map(|s| {
            if s.minimum != 0 || s.maximum.is_some() {
                return Err(Rule::MalformedExtension {
                    oid: "2.5.29.30".into(),
                    reason: "GeneralSubtree with minimum or maximum".into(),
                });
            }
            Ok(form(&s.base))
        })
        .collect()
}

fn describe(name: &GeneralName) -> String {
    match name {
        GeneralName::DirectoryName(n) => n.to_string(),
        GeneralName::Rfc822Name(s) => format!("email:{s}"),
        GeneralName::DnsName(s) => format!("DNS:{s}"),
        GeneralName::UniformResourceIdentifier(s) => format!("URI:{s}"),
        GeneralName::IpAddress(o) => format!("IP:{}", hex::encode(o.as_bytes())),
        GeneralName::OtherName(o) => format!("otherName:{}", o.type_id),
        GeneralName::EdiPartyName(_) => "ediPartyName".into(),
        GeneralName::RegisteredId(o) => format!("registeredID:{o}"),
    }
}

/// Whether `name` lies within the subtree `base` of the same form.
fn within(name: &Form, base: &Form) -> bool {
    match (name, base) {
        (Form::Directory(n), Form::Directory(b)) => n.within(b),
        (Form::Email(n), Form::Email(b)) => email_within(n, b),
        (Form::Dns(n), Form::Dns(b)) => dns_within(n, b),
        (Form::Uri(n), Form::Uri(b)) => uri_host(n).is_some_and(|h| host_within(&h, b)),
        (Form::Ip(n), Form::Ip(b)) => ip_within(n, b),
        _ => false,
    }
}

/// rfc822Name: a full mailbox, a host, or `.domain` for any host below it.
fn email_within(mailbox: &str, base: &str) -> bool {
    let Some((local, host)) = mailbox.rsplit_once('@') else {
        return false;
    };
    match base.rsplit_once('@') {
        Some((b_local, b_host)) => local == b_local && host.eq_ignore_ascii_case(b_host),
        None if base.starts_with('.') => ends_with_ignore_case(host, base),
        None => host.eq_ignore_ascii_case(base),
    }
}

/// dNSName: the base itself or any name built by adding labels on the left; a base
/// with a leading period (common in practice) admits only names below it.
fn dns_within(name: &str, base: &str) -> bool {
    let name = name.trim_end_matches('.');
    let base = base.trim_end_matches('.');
    if base.is_empty() {
        return true;
    }
    if base.starts_with('.') {
        return ends_with_ignore_case(name, base);
    }
    name.eq_ignore_ascii_case(base) || ends_with_ignore_case(name, &format!(".{base}"))
}

/// URI: the base names a host, or with a leading period a domain below which hosts
/// qualify (§4.2.1.10).
fn host_within(host: &str, base: &str) -> bool {
    if base.starts_with('.') {
        ends_with_ignore_case(host, base)
    } else {
        host.eq_ignore_ascii_case(base)
    }
}

/// The host of `scheme://[userinfo@]host[:port]/...`; `None` for URIs without an
/// authority or with an IP literal (which a domain constraint cannot match).
fn uri_host(uri: &str) -> Option<String> {
    let (_, rest) = uri.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host_port.starts_with('[') {
        return None;
    }
    let host = host_port.split(':').next()?;
    (!host.is_empty()).then(|| host.to_string())
}

fn ends_with_ignore_case(s: &str, suffix: &str) -> bool {
    s.len() >= suffix.len()
        && s.get(s.len() - suffix.len()..)
            .is_some_and(|tail| tail.eq_ignore_ascii_case(suffix))
}

/// iPAddress: base is address then mask (8 or 32 octets), name is 4 or 16 octets.
fn ip_within(addr: &[u8], base: &[u8]) -> bool {
    if base.len() != addr.len() * 2 {
        return false;
    }
    let (net, mask) = base.split_at(addr.len());
    addr.iter()
        .zip(net)
        .zip(mask)
        .all(|((a, n), m)| a & m == n & m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_forms() {
        assert!(email_within("a@host.example", "host.example"));
        assert!(email_within("a@HOST.example", "a@host.EXAMPLE"));
        assert!(!email_within("b@host.example", "a@host.example"));
        assert!(email_within("a@x.host.example", ".host.example"));
        assert!(!email_within("a@host.example", ".host.example"));
        assert!(!email_within("a@x.host.example", "host.example"));
        assert!(!email_within("not-a-mailbox", "host.example"));
    }

    #[test]
    fn dns_and_uri_forms() {
        assert!(dns_within("www.example.com", "example.com"));
        assert!(dns_within("example.com", "EXAMPLE.com"));
        assert!(!dns_within("badexample.com", "example.com"));
        assert!(!dns_within("example.com", ".example.com"));
        assert!(dns_within("anything", ""));
        assert_eq!(
            uri_host("https://user@Host.example:8443/p?q").as_deref(),
            Some("Host.example")
        );
        assert_eq!(uri_host("urn:isbn:1"), None);
        assert!(host_within("host.example", "HOST.example"));
        assert!(!host_within("www.host.example", "host.example"));
        assert!(host_within("www.host.example", ".host.example"));
    }

    #[test]
    fn ip_ranges() {
        assert!(ip_within(&[10, 1, 2, 3], &[10, 0, 0, 0, 255, 0, 0, 0]));
        assert!(!ip_within(&[11, 1, 2, 3], &[10, 0, 0, 0, 255, 0, 0, 0]));
        assert!(!ip_within(&[10, 1, 2, 3], &[10, 0, 0, 0]));
    }
}
