//! How much of each report a batch answer carries (`?view=`): `full` (the report of
//! `dongpo verify --json`) or `compact`: the verdict, the SOD's hash to match answers to
//! documents, and every check with its status, the detail only for checks that did not
//! pass. Re-screening a million stored documents needs the verdicts, not a million
//! certificate summaries; compact answers are about a fifth of the size.

use dongpo_icao::CheckId;
use dongpo_icao::{Status, VerificationReport};
use serde::Serialize;

use crate::error::ApiError;

/// The view a batch answer uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ReportView {
    /// Whole reports.
    #[default]
    Full,
    /// Verdicts and check statuses.
    Compact,
}

impl ReportView {
    /// From the `view` query parameter (absent: full).
    ///
    /// # Errors
    /// `400 bad_request` naming the accepted values.
    pub fn from_query(query: Option<&str>) -> Result<Self, ApiError> {
        let view = query
            .unwrap_or_default()
            .split('&')
            .find_map(|pair| pair.strip_prefix("view="));
        match view {
            None | Some("full") => Ok(ReportView::Full),
            Some("compact") => Ok(ReportView::Compact),
            Some(other) => Err(ApiError::bad_request(
                "bad_request",
                format!("view: {other:?} is neither \"full\" nor \"compact\""),
            )),
        }
    }
}

/// One report in the compact view.
#[derive(Debug, Serialize)]
pub struct CompactReport<'a> {
    /// The report's verdict.
    pub valid: bool,
    /// SHA-256 of the EF.SOD, when it parsed.
    pub sod_sha256: Option<&'a str>,
    /// Every check, in the report's order.
    pub checks: Vec<CompactCheck<'a>>,
}

/// One check in the compact view.
#[derive(Debug, Serialize)]
pub struct CompactCheck<'a> {
    /// The check id (`docs/cli.md`).
    pub id: CheckId,
    /// pass, fail or skipped.
    pub status: Status,
    /// Why, for a check that failed or was skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<&'a str>,
}

impl<'a> From<&'a VerificationReport> for CompactReport<'a> {
    fn from(report: &'a VerificationReport) -> Self {
        CompactReport {
            valid: report.valid,
            sod_sha256: report.evidence.sod_sha256.as_deref(),
            checks: report
                .checks
                .iter()
                .map(|c| CompactCheck {
                    id: c.id,
                    status: c.status,
                    detail: (c.status != Status::Pass).then_some(c.detail.as_str()),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ReportView;

    #[test]
    fn the_view_comes_from_the_query() {
        assert_eq!(ReportView::from_query(None).ok(), Some(ReportView::Full));
        assert_eq!(
            ReportView::from_query(Some("view=full")).ok(),
            Some(ReportView::Full)
        );
        assert_eq!(
            ReportView::from_query(Some("x=1&view=compact")).ok(),
            Some(ReportView::Compact)
        );
        let refused = ReportView::from_query(Some("view=brief")).err();
        assert!(refused.is_some_and(|e| e.message.contains("brief")));
    }
}
