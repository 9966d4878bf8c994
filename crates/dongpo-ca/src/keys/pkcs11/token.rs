//! Finding the module, the token and the key objects; sessions and login.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::object::{Attribute, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::RawAuthPin;

use super::Pkcs11Config;
use crate::keys::{IssuerKeyError, Passphrase};

/// The SoftHSM2 module: `DONGPO_PKCS11_MODULE` when set (returned even if the file is
/// missing, so that a wrong setting fails loudly when loaded), else the first Debian
/// path that exists.
#[must_use]
pub fn find_softhsm_module() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("DONGPO_PKCS11_MODULE").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    [
        "/usr/lib/softhsm/libsofthsm2.so",
        "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    ]
    .into_iter()
    .map(PathBuf::from)
    .find(|p| p.is_file())
}

/// The process-wide context for `module`, loaded and `C_Initialize`d on first use.
///
/// PKCS#11 allows one initialisation per module per process, so every key (and any tool
/// that initialises tokens) must share this context rather than load the module again.
///
/// # Errors
/// [`IssuerKeyError::Module`] when the library cannot be loaded or initialised.
pub fn shared_context(module: &Path) -> Result<Pkcs11, IssuerKeyError> {
    static CONTEXTS: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
    let mut contexts = lock(CONTEXTS.get_or_init(Mutex::default));
    if let Some(ctx) = contexts.get(module) {
        return Ok(ctx.clone());
    }
    let fail = |reason: String| IssuerKeyError::Module {
        module: module.to_path_buf(),
        reason,
    };
    let ctx = Pkcs11::new(module).map_err(|e| fail(describe_error(&e)))?;
    match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        // Someone else in the process (another library) initialised it: share that.
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(fail(describe_error(&e))),
    }
    contexts.insert(module.to_path_buf(), ctx.clone());
    Ok(ctx)
}

/// Locks even after a panic elsewhere: the guarded data (handles, idle sessions) stays
/// consistent because every critical section is a single push, pop or store.
pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
pub(super) fn connect(config: &Pkcs11Config) -> Result<(Pkcs11, Slot), IssuerKeyError> {
    let ctx = shared_context(&config.module)?;
    let slot = find_slot(&ctx, &config.module, &config.token_label)?;
    Ok((ctx, slot))
}
/// The slot whose initialised token carries `token` as its label.
pub(super) fn find_slot(ctx: &Pkcs11, module: &Path, token: &str) -> Result<Slot, IssuerKeyError> {
    let ck = |e: CkError| pkcs11_error(token, "list tokens", &e);
    let wanted = token.trim_end();
    let mut present = Vec::new();
    let mut matching = Vec::new();
    for slot in ctx.get_slots_with_initialized_token().map_err(ck)? {
        let info = ctx.get_token_info(slot).map_err(ck)?;
        let label = info.label().trim_end().to_owned();
        if label == wanted {
            matching.push(slot);
        }
        present.push(format!("'{label}'"));
    }
    match matching.as_slice() {
        [slot] => Ok(*slot),
        [] => Err(IssuerKeyError::TokenNotFound {
            token: token.to_owned(),
            module: module.to_path_buf(),
            present: if present.is_empty() {
                "none".into()
            } else {
                present.join(", ")
            },
        }),
        many => Err(IssuerKeyError::Pkcs11 {
            token: token.to_owned(),
            operation: "select token",
            reason: format!("{} initialised tokens carry this label", many.len()),
        }),
    }
}

pub(super) fn open_session(
    ctx: &Pkcs11,
    slot: Slot,
    token: &str,
    pin: &Passphrase,
) -> Result<Session, IssuerKeyError> {
    let session = ctx
        .open_ro_session(slot)
        .map_err(|e| pkcs11_error(token, "open session", &e))?;
    login(&session, token, pin)?;
    Ok(session)
}

/// Logs the application in; PKCS#11 login is per application, so a second session
/// finding it already done is fine.
pub(super) fn login(
    session: &Session,
    token: &str,
    pin: &Passphrase,
) -> Result<(), IssuerKeyError> {
    let pin = RawAuthPin::new(Box::new(pin.expose().to_vec()));
    match session.login_with_raw(UserType::User, &pin) {
        Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok(()),
        Err(e) => Err(pkcs11_error(token, "user login", &e)),
    }
}

/// The single key object of `class` labelled `label`.
pub(super) fn find_key(
    session: &Session,
    token: &str,
    label: &str,
    class: ObjectClass,
) -> Result<ObjectHandle, IssuerKeyError> {
    let class_name = if class == ObjectClass::PRIVATE_KEY {
        "private"
    } else {
        "public"
    };
    let found = session
        .find_objects(&[
            Attribute::Class(class),
            Attribute::Label(label.as_bytes().to_vec()),
        ])
        .map_err(|e| pkcs11_error(token, "find key", &e))?;
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(IssuerKeyError::KeyNotFound {
            token: token.to_owned(),
            label: label.to_owned(),
            class: class_name,
        }),
        many => Err(IssuerKeyError::AmbiguousKey {
            token: token.to_owned(),
            label: label.to_owned(),
            class: class_name,
            count: many.len(),
        }),
    }
}
pub(super) fn pkcs11_error(token: &str, operation: &'static str, e: &CkError) -> IssuerKeyError {
    IssuerKeyError::Pkcs11 {
        token: token.to_owned(),
        operation,
        reason: describe_error(e),
    }
}

/// `CKR_PIN_INCORRECT`-style names read better in logs than the spec's paragraphs.
pub(super) fn describe_error(e: &CkError) -> String {
    match e {
        CkError::Pkcs11(rv, function) => format!("{rv:?} from {function:?}"),
        other => other.to_string(),
    }
}
