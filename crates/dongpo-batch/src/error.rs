//! What can go wrong in a batch besides a document failing its checks (which is a
//! report, not an error).

/// Why a batch could not verify a document.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    /// The operating system refused a thread.
    #[error("could not start a verification thread: {0}")]
    Spawn(#[source] std::io::Error),
    /// Verification of one document panicked: a bug in dongpo, never the document's fault.
    #[error("verification of document {index} panicked (a bug in dongpo)")]
    Panicked {
        /// Position of the document in the input, from 0.
        index: u64,
    },
    /// Every verification thread stopped with documents still queued.
    #[error("the verification threads stopped with {missing} document(s) unverified")]
    WorkersGone {
        /// How many documents were taken from the input but got no report.
        missing: u64,
    },
}
