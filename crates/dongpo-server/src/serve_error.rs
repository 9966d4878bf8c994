//! Why the server could not start or stopped serving: [`ServeError`]. Each failure keeps
//! the error it came from as its source; the message is the one `dongpo-server` prints
//! (`what: cause`), so operators' logs read as before.

use std::fmt::Display;

/// The error behind a failure, whatever library it came from.
pub type BoxedError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why the server could not start, or stopped serving.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// A refusal explained in words: development material without `--dev`, a second CA in
    /// a shared store, settings that disagree, a key another node pins.
    #[error("{0}")]
    Refused(String),
    /// A file or directory of the data directory.
    #[error(transparent)]
    File(#[from] dongpo_ca::FileError),
    /// A step that failed, named (a path, `listen ADDR`, `creating the CA in DIR`), with
    /// the error of the library that failed.
    #[error("{what}: {source}")]
    Step {
        /// What was being done.
        what: String,
        /// Why it failed.
        #[source]
        source: BoxedError,
    },
    /// A library's error, printed as it is.
    #[error(transparent)]
    Other(BoxedError),
}

impl ServeError {
    /// A library's error, printed as it is.
    pub(crate) fn other(error: impl Into<BoxedError>) -> Self {
        ServeError::Other(error.into())
    }

    /// `what: error`.
    pub(crate) fn step<E: Into<BoxedError>>(what: impl Display) -> impl FnOnce(E) -> Self {
        let what = what.to_string();
        move |error| ServeError::Step {
            what,
            source: error.into(),
        }
    }
}
