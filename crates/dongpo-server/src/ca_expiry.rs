//! Issuing-CA expiry watch: per issuing CA, the seconds until its certificate's notAfter
//! (`dongpo_issuing_ca_expires_in_seconds`) and a warning flag
//! (`dongpo_issuing_ca_expiry_warning`, 1 within `ca_expiry_warning_days` of it or past
//! it), refreshed whenever the metrics are read, and a warning logged once per CA when it
//! enters that window. Certificates are capped at (or refused beyond) the CA's notAfter and
//! an expired CA issues nothing, so this is the operator's notice to re-certify in time.

use std::collections::HashSet;
use std::sync::Mutex;

use dongpo_pki::time::UnixTime;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// The issuing CA a gauge is about.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct IssuerLabel {
    /// The issuing CA's name.
    pub issuer: String,
}

/// The watched CAs and their gauges.
#[derive(Default)]
pub struct CaExpiry {
    expires_in: Family<IssuerLabel, Gauge>,
    warning: Family<IssuerLabel, Gauge>,
    /// (name, notAfter) per issuing CA, and the warning window in seconds.
    watched: Mutex<(Vec<(String, UnixTime)>, u64)>,
    warned: Mutex<HashSet<String>>,
}

impl CaExpiry {
    /// The gauges, registered in `registry`.
    #[must_use]
    pub fn register(registry: &mut Registry) -> Self {
        let expiry = CaExpiry::default();
        registry.register(
            "issuing_ca_expires_in_seconds",
            "Seconds until the issuing CA's certificate expires (negative: expired)",
            expiry.expires_in.clone(),
        );
        registry.register(
            "issuing_ca_expiry_warning",
            "1 when the issuing CA expires within ca_expiry_warning_days (or has expired)",
            expiry.warning.clone(),
        );
        expiry
    }

    /// Watches `cas` (name, notAfter), warning `warn_within_secs` before each expires,
    /// and refreshes the gauges at `now`.
    pub fn watch(&self, cas: Vec<(String, UnixTime)>, warn_within_secs: u64, now: UnixTime) {
        if let Ok(mut watched) = self.watched.lock() {
            *watched = (cas, warn_within_secs);
        }
        self.refresh(now);
    }

    /// Sets the gauges for `now`; logs a warning the first time a CA is inside the window.
    pub fn refresh(&self, now: UnixTime) {
        let Ok(watched) = self.watched.lock() else {
            return;
        };
        let (cas, window) = &*watched;
        for (name, not_after) in cas {
            let left = i64::try_from(not_after.0)
                .unwrap_or(i64::MAX)
                .saturating_sub(i64::try_from(now.0).unwrap_or(i64::MAX));
            let warn = left <= i64::try_from(*window).unwrap_or(i64::MAX);
            let label = IssuerLabel {
                issuer: name.clone(),
            };
            self.expires_in.get_or_create(&label).set(left);
            self.warning.get_or_create(&label).set(i64::from(warn));
            if warn
                && let Ok(mut warned) = self.warned.lock()
                && warned.insert(name.clone())
            {
                tracing::warn!(
                    issuer = %name,
                    not_after = %not_after.rfc3339(),
                    seconds_left = left,
                    "issuing CA expires within ca_expiry_warning_days (or has expired): re-certify it; certificates are capped at its notAfter and it issues nothing after it"
                );
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn render(registry: &Registry) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, registry).unwrap();
        out
    }

    #[test]
    fn warns_inside_the_window_and_after_expiry() {
        let mut registry = Registry::with_prefix("dongpo");
        let expiry = CaExpiry::register(&mut registry);
        let day = 86_400;
        expiry.watch(
            vec![
                ("far".into(), UnixTime(1_000 * day)),
                ("near".into(), UnixTime(130 * day)),
                ("gone".into(), UnixTime(99 * day)),
            ],
            90 * day,
            UnixTime(100 * day),
        );
        let text = render(&registry);
        assert!(
            text.contains("dongpo_issuing_ca_expiry_warning{issuer=\"far\"} 0"),
            "{text}"
        );
        assert!(text.contains("dongpo_issuing_ca_expiry_warning{issuer=\"near\"} 1"));
        assert!(text.contains("dongpo_issuing_ca_expiry_warning{issuer=\"gone\"} 1"));
        assert!(text.contains("dongpo_issuing_ca_expires_in_seconds{issuer=\"gone\"} -86400"));
        // Time passes: the far CA enters the window.
        expiry.refresh(UnixTime(950 * day));
        let text = render(&registry);
        assert!(text.contains("dongpo_issuing_ca_expiry_warning{issuer=\"far\"} 1"));
        assert!(text.contains(&format!(
            "dongpo_issuing_ca_expires_in_seconds{{issuer=\"far\"}} {}",
            50 * day
        )));
    }
}
