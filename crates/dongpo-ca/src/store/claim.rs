//! Audit node claims: one process per node id per store.
//!
//! Every writer of the CA store keeps its own audit chain, keyed by its node id; two
//! processes writing with one id race for the same sequence numbers. A process therefore
//! claims its node id when it opens the store and holds the claim until it exits:
//!
//! * SQLite: an exclusive `flock` on `<store file>.node-<id>.lock` beside the store;
//! * PostgreSQL: a session advisory lock on a connection of its own, keyed by
//!   (schema, node id), released by the server when the process or its connection ends.
//!
//! A second claimant is refused with [`StoreError::NodeInUse`] naming the node.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::PathBuf;

use ::postgres::Client;

use super::StoreError;

/// A held claim on an audit node id; dropping it releases the claim.
pub struct NodeClaim {
    node: String,
    holder: Holder,
}

enum Holder {
    File {
        file: File,
        path: PathBuf,
    },
    /// `client` is `None` only while dropping (boxed: a client is large beside a file).
    Postgres {
        client: Option<Box<Client>>,
        url: String,
    },
}

impl Drop for NodeClaim {
    fn drop(&mut self) {
        if let Holder::Postgres { client, .. } = &mut self.holder {
            super::postgres::close_off_runtime(client.take().map(|c| *c));
        }
    }
}

impl std::fmt::Debug for NodeClaim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeClaim")
            .field("node", &self.node)
            .finish_non_exhaustive()
    }
}

fn is_postgres(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

/// The lock file of `node` beside the SQLite store at `location`.
#[must_use]
pub fn lock_file(location: &str, node: &str) -> PathBuf {
    PathBuf::from(format!("{location}.node-{node}.lock"))
}

/// Claims `node` in the store at `location` (a SQLite path or a `postgres://` URL).
///
/// # Errors
/// [`StoreError::NodeInUse`] when another process holds it; [`StoreError::Backend`] when
/// the lock file or the connection fails.
pub fn claim_node(location: &str, node: &str) -> Result<NodeClaim, StoreError> {
    if is_postgres(location) {
        let client = postgres_lock(location, node)?;
        return Ok(NodeClaim {
            node: node.to_owned(),
            holder: Holder::Postgres {
                client: Some(Box::new(client)),
                url: location.to_owned(),
            },
        });
    }
    let path = lock_file(location, node);
    let file = lock_path(&path, node)?;
    Ok(NodeClaim {
        node: node.to_owned(),
        holder: Holder::File { file, path },
    })
}

/// Opens (creating it if missing) and exclusively locks the lock file at `path`.
fn lock_path(path: &std::path::Path, node: &str) -> Result<File, StoreError> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| StoreError::Backend(format!("{}: {e}", path.display())))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(StoreError::NodeInUse {
            node: node.to_owned(),
            holder: format!(
                "the lock file {} is held by another process",
                path.display()
            ),
        }),
        Err(TryLockError::Error(e)) => Err(StoreError::Backend(format!("{}: {e}", path.display()))),
    }
}

/// Whether `file` (held open) is still the file at `path`: a lock file removed, or
/// replaced by another process's, leaves the held lock on an inode nobody else sees.
fn is_same_file(file: &File, path: &std::path::Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(held), Ok(now)) => held.dev() == now.dev() && held.ino() == now.ino(),
        _ => false,
    }
}

/// A new connection holding the advisory lock of `node` (in the URL's schema).
fn postgres_lock(url: &str, node: &str) -> Result<Client, StoreError> {
    let mut client = super::pg_connect::connect(url)?;
    let row = client.query_one(
        "SELECT hashtextextended('dongpo-audit-node:' || coalesce(current_schema(), '') || ':' || $1, 0)",
        &[&node],
    )?;
    let key: i64 = row.try_get(0)?;
    let got: bool = client
        .query_one("SELECT pg_try_advisory_lock($1)", &[&key])?
        .try_get(0)?;
    if got {
        Ok(client)
    } else {
        Err(StoreError::NodeInUse {
            node: node.to_owned(),
            holder: "a PostgreSQL advisory lock held by another connection to this database".into(),
        })
    }
}

impl NodeClaim {
    /// The claimed node id.
    #[must_use]
    pub fn node(&self) -> &str {
        &self.node
    }

    /// Whether the claim still holds, claimed again when it was lost and nobody else took
    /// it: for a lock file, whether the locked file is still the one at its path; for
    /// PostgreSQL, whether its connection is up and still holds the advisory lock (a
    /// dropped connection lost it). Checked before every audited write.
    ///
    /// # Errors
    /// [`StoreError::Backend`] saying why the claim is lost.
    pub fn check(&mut self) -> Result<(), StoreError> {
        match &mut self.holder {
            Holder::File { file, path } => {
                if is_same_file(file, path) {
                    return Ok(());
                }
                // The held lock is on a file no longer at the path (removed, or replaced by
                // another process that then locked its own): claim the path again, which
                // fails while another process holds it.
                *file = lock_path(path, &self.node)?;
                Ok(())
            }
            Holder::Postgres { client, url } => {
                let held = client.as_mut().is_some_and(|client| {
                    !client.is_closed()
                        && client
                            .query_one(
                                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' \
                             AND pid = pg_backend_pid() AND granted AND objsubid = 1)",
                                &[],
                            )
                            .and_then(|row| row.try_get::<_, bool>(0))
                            .unwrap_or(false)
                });
                if held {
                    return Ok(());
                }
                // The connection (and with it the lock) was lost, e.g. a database restart:
                // claim the node again, unless another process took it meanwhile.
                *client = Some(Box::new(postgres_lock(url, &self.node)?));
                Ok(())
            }
        }
    }
}

/// A fingerprint of a 32-octet secret that reveals nothing of it: HMAC-SHA256 keyed with
/// the secret over `dongpo pin v1: <label>`, lowercase hex.
#[must_use]
pub fn secret_fingerprint(secret: &[u8; 32], label: &str) -> String {
    use hmac::Mac;
    let mut mac = crate::audit::keyed_hmac(secret);
    mac.update(b"dongpo pin v1: ");
    mac.update(label.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Pins `value` under `name` in `store` (the first value wins) and refuses a different one.
///
/// # Errors
/// [`StoreError::Backend`] naming the pin when the store holds another value: this
/// process holds other material than the node that first opened the store.
pub fn check_pin(store: &mut dyn super::Store, name: &str, value: &str) -> Result<(), StoreError> {
    let stored = store.pin(name, value)?;
    if stored == value {
        Ok(())
    } else {
        Err(StoreError::Backend(format!(
            "the store already belongs to another CA: its pinned {name} differs from this node's; \
             every node sharing a store must hold the same CA directory (root, issuing CAs, \
             audit and registry keys) and the same server keys: copy them from the first node \
             (docs/operators.md, several nodes)"
        )))
    }
}

/// Pins the value of a setting that issued certificates depend on (the first value wins)
/// and refuses a different one, naming both.
///
/// # Errors
/// [`StoreError::Backend`] when the store recorded another value: the setting was changed
/// in this node's `ca.toml`, or another node runs with a different one.
pub fn check_setting_pin(
    store: &mut dyn super::Store,
    name: &str,
    value: &str,
) -> Result<(), StoreError> {
    let stored = store.pin(&format!("setting:{name}"), value)?;
    if stored == value {
        Ok(())
    } else {
        let how = if name == "crl_partitions" {
            "certificates already issued name their partition's CRL by it, so it never changes"
        } else {
            "every node of a CA issues under the same settings; after changing it on every \
             node, record the new value once with `dongpo ca accept-settings --dir DIR`"
        };
        Err(StoreError::Backend(format!(
            "{name} = {value} differs from the {stored} recorded in the store: {how}"
        )))
    }
}
