//! Prometheus metrics: verifications by outcome and by check, issuance, revocation, OCSP,
//! rate limiting, and request latency by route. Labels never carry personal data.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// One label called `value`-like names.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Outcome {
    /// The outcome.
    pub outcome: String,
}

/// A check and its status.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CheckLabels {
    /// Check id.
    pub check: String,
    /// pass / fail / skipped.
    pub status: String,
}

/// A route and method. Every label comes from a fixed set, so unauthenticated requests
/// cannot grow the exposition: the method is one the routes serve (`GET`, `POST`) or
/// `other`, the route a template or `unmatched`, the status a class.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    /// HTTP method: `GET`, `POST` or `other`.
    pub method: String,
    /// The route template (`/v1/certificates/{serial}`), never the raw path; `unmatched`
    /// for paths no route serves.
    pub route: String,
    /// Status class (`2xx`, `4xx`, ...).
    pub status: String,
}

type HistogramFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// Every metric the server exports.
pub struct Metrics {
    registry: Registry,
    /// Verifications by outcome (`valid`, `invalid`).
    pub verifications: Family<Outcome, Counter>,
    /// Checks by id and status.
    pub checks: Family<CheckLabels, Counter>,
    /// Certificates issued, by profile.
    pub issued: Family<Outcome, Counter>,
    /// Issuance refusals, by code.
    pub refused: Family<Outcome, Counter>,
    /// Revocations, by reason.
    pub revoked: Family<Outcome, Counter>,
    /// OCSP responses, by source (`cache`, `signed`).
    pub ocsp: Family<Outcome, Counter>,
    /// Requests refused by the rate limit.
    pub rate_limited: Counter,
    /// Trust files (CSCA certificates, CRLs) the last trust load refused.
    pub trust_files_refused: prometheus_client::metrics::gauge::Gauge,
    /// Request latency.
    pub latency: HistogramFamily,
    /// Issuing-CA expiry gauges (see [`crate::ca_expiry`]).
    pub ca_expiry: crate::ca_expiry::CaExpiry,
}

fn status_name(status: dongpo_icao::Status) -> &'static str {
    match status {
        dongpo_icao::Status::Pass => "pass",
        dongpo_icao::Status::Fail => "fail",
        dongpo_icao::Status::Skipped => "skipped",
    }
}

fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_05, 2.0, 18))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("dongpo");
        let verifications = Family::<Outcome, Counter>::default();
        let checks = Family::<CheckLabels, Counter>::default();
        let issued = Family::<Outcome, Counter>::default();
        let refused = Family::<Outcome, Counter>::default();
        let revoked = Family::<Outcome, Counter>::default();
        let ocsp = Family::<Outcome, Counter>::default();
        let rate_limited = Counter::default();
        let trust_files_refused = prometheus_client::metrics::gauge::Gauge::default();
        let latency: HistogramFamily = Family::new_with_constructor(latency_histogram);
        registry.register(
            "verifications",
            "Passport verifications by outcome",
            verifications.clone(),
        );
        registry.register(
            "verification_checks",
            "Verification checks by id and status",
            checks.clone(),
        );
        registry.register(
            "certificates_issued",
            "Certificates issued by profile",
            issued.clone(),
        );
        registry.register(
            "issuance_refusals",
            "Issuance requests refused, by code",
            refused.clone(),
        );
        registry.register(
            "revocations",
            "Certificates revoked, by reason",
            revoked.clone(),
        );
        registry.register(
            "ocsp_responses",
            "OCSP responses by source (cache or signed)",
            ocsp.clone(),
        );
        registry.register(
            "rate_limited",
            "Requests refused by the per-key rate limit",
            rate_limited.clone(),
        );
        registry.register(
            "trust_files_refused",
            "Trust files (CSCA certificates, CRLs) refused by the last trust load",
            trust_files_refused.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Request latency by route",
            latency.clone(),
        );
        let ca_expiry = crate::ca_expiry::CaExpiry::register(&mut registry);
        Metrics {
            ca_expiry,
            registry,
            verifications,
            checks,
            issued,
            refused,
            revoked,
            ocsp,
            rate_limited,
            trust_files_refused,
            latency,
        }
    }
}

impl Metrics {
    /// Counts one label value of a family.
    pub fn count(family: &Family<Outcome, Counter>, outcome: &str) {
        family
            .get_or_create(&Outcome {
                outcome: outcome.to_owned(),
            })
            .inc();
    }

    /// Counts many reports, touching each label set once (a batch repeats the same
    /// check ids thousands of times).
    pub fn verifications_of(&self, reports: &[dongpo_icao::VerificationReport]) {
        let mut outcomes: std::collections::HashMap<&'static str, u64> = Default::default();
        let mut checks: std::collections::HashMap<(dongpo_icao::CheckId, &'static str), u64> =
            Default::default();
        for report in reports {
            *outcomes
                .entry(if report.valid { "valid" } else { "invalid" })
                .or_default() += 1;
            for check in &report.checks {
                *checks
                    .entry((check.id, status_name(check.status)))
                    .or_default() += 1;
            }
        }
        for (outcome, n) in outcomes {
            self.verifications
                .get_or_create(&Outcome {
                    outcome: outcome.to_owned(),
                })
                .inc_by(n);
        }
        for ((check, status), n) in checks {
            self.checks
                .get_or_create(&CheckLabels {
                    check: check.to_string(),
                    status: status.to_owned(),
                })
                .inc_by(n);
        }
    }

    /// Counts a verification report.
    pub fn verification(&self, report: &dongpo_icao::VerificationReport) {
        self.verifications_of(std::slice::from_ref(report));
    }

    /// The Prometheus text exposition.
    #[must_use]
    pub fn render(&self) -> String {
        self.ca_expiry.refresh(dongpo_pki::time::UnixTime::now());
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}
