//! Nothing is shared between processes of different roles: a data directory or database
//! one role used is refused to another ([`claim`]); a verifier never starts where a CA's
//! directory is ([`refuse_ca_dir`]); a CA never holds registry rows
//! ([`refuse_registry_rows`]). The store itself refuses the rest: a CA does not open a
//! verifier's registry store, a verifier does not open a store that pins a CA's root.

use dongpo_ca::Ca;
use dongpo_pki::time::UnixTime;

use crate::config::ServerConfig;
use crate::db::ServerDb;
use crate::role::Role;
use crate::serve_error::ServeError;

/// Records `role` in the server database, refusing a database another role used. Called
/// once every other guard passed ([`check`] runs first): a start refused for another reason
/// records nothing, so it does not lock a data directory to a role it never ran.
///
/// # Errors
/// [`ServeError::Refused`] naming the role found; the database's failure.
pub fn claim(db: &mut dyn ServerDb, role: Role, now: UnixTime) -> Result<(), ServeError> {
    check(db, role)?;
    db.record_role(role.name(), now).map_err(ServeError::other)
}

/// Refuses a server database another role used, recording nothing.
///
/// # Errors
/// [`ServeError::Refused`] naming the role found; the database's failure.
pub fn check(db: &mut dyn ServerDb, role: Role) -> Result<(), ServeError> {
    let recorded = db.roles_recorded().map_err(ServeError::other)?;
    if let Some(other) = recorded.iter().find(|r| *r != role.name()) {
        return Err(ServeError::Refused(format!(
            "refusing to start as role {}: the server database was used by a server of role {other}; \
             every role keeps its own data directory and database (docs/operators.md, roles)",
            role.name()
        )));
    }
    Ok(())
}

/// Refuses a verifier on a data directory that holds a CA (`DATA/ca/ca.toml`): the
/// verifier neither loads nor creates CA keys.
///
/// # Errors
/// [`ServeError::Refused`] naming the CA directory.
pub fn refuse_ca_dir(config: &ServerConfig) -> Result<(), ServeError> {
    let ca = config.ca_dir().join(dongpo_ca::CONFIG_FILE);
    if ca.exists() {
        return Err(ServeError::Refused(format!(
            "refusing to start as role verifier: the data directory holds a CA ({}); a verifier \
             keeps no CA keys: give it a data directory of its own",
            ca.display()
        )));
    }
    Ok(())
}

/// Refuses a CA (role `ca` or `all`) on a data directory that holds a verifier's registry
/// (`DATA/registry`), whatever its database: it would write a CA directory and a CA
/// passphrase into the verifier's data and key directories.
///
/// # Errors
/// [`ServeError::Refused`] naming the registry directory.
pub fn refuse_registry_dir(config: &ServerConfig) -> Result<(), ServeError> {
    let registry = config.data_dir.join(crate::role::REGISTRY_DIR);
    if registry.exists() {
        return Err(ServeError::Refused(format!(
            "refusing to start as role {}: the data directory holds a verifier's registry ({}); \
             a CA keeps a data directory of its own",
            config.role.name(),
            registry.display()
        )));
    }
    Ok(())
}

/// Refuses a CA whose store holds registry records: a `ca` process keeps no registry.
///
/// # Errors
/// [`ServeError::Refused`] saying how many records are there; the store's failure.
pub fn refuse_registry_rows(ca: &mut Ca) -> Result<(), ServeError> {
    let rows: u64 = ca
        .issuer()
        .store()
        .registry_versions()
        .map_err(ServeError::other)?
        .iter()
        .map(|(_, n)| n)
        .sum();
    if rows > 0 {
        return Err(ServeError::Refused(format!(
            "refusing to start as role ca: the CA store holds {rows} registry records; a provider CA \
             keeps no registry (the verifier does): start it on a store without one"
        )));
    }
    Ok(())
}
