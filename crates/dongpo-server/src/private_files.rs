//! Owner-only permissions on the data directory: it holds the registry (names, birth
//! dates, passport numbers), DG1 of pending verifications, API-key hashes and keys.
//! Directories are created 0700 and database files 0600; at start, looser ones are
//! tightened with a warning naming the path.

use std::path::Path;

use dongpo_ca::FileError;

/// Mode of the data directory and the directories under it that hold secrets.
pub const DIR_MODE: u32 = 0o700;
/// Mode of databases, keys and secret files.
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` (and missing parents) owner-only, or tightens it when it exists.
///
/// # Errors
/// [`FileError`] naming the directory.
pub fn private_dir(dir: &Path) -> Result<(), FileError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(DIR_MODE);
    }
    builder.create(dir).map_err(|e| FileError::new(dir, e))?;
    tighten(dir, DIR_MODE)
}

/// Creates the empty file `path` readable by the owner only, unless it exists (so that a
/// database opened on it next is not created world-readable; SQLite gives its -wal and
/// -shm files the database file's mode).
///
/// # Errors
/// [`FileError`] naming the file.
pub fn create_private_file(path: &Path) -> Result<(), FileError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(FILE_MODE);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(FileError::new(path, e)),
    }
}

/// Sets `path` to `mode` when it is readable, writable or searchable by group or others;
/// logs a warning naming it. A missing path is left alone.
///
/// # Errors
/// [`FileError`] naming the path when its mode cannot be read or changed.
pub fn tighten(path: &Path, mode: u32) -> Result<(), FileError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = match std::fs::symlink_metadata(path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(FileError::new(path, e)),
        };
        if meta.file_type().is_symlink() {
            return Ok(());
        }
        let current = meta.permissions().mode() & 0o777;
        if current & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
                .map_err(|e| FileError::new(path, e))?;
            tracing::warn!(
                path = %path.display(),
                "{} was readable by other users (mode {current:o}); set to {mode:o}",
                path.display()
            );
        }
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

/// Tightens a SQLite database and its `-wal`, `-shm` and `-journal` files.
///
/// # Errors
/// [`FileError`] naming the file.
pub fn tighten_sqlite(path: &Path) -> Result<(), FileError> {
    tighten(path, FILE_MODE)?;
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        tighten(Path::new(&name), FILE_MODE)?;
    }
    Ok(())
}

/// Tightens `dir` to [`DIR_MODE`] and every regular file directly in it to [`FILE_MODE`].
///
/// # Errors
/// [`FileError`] naming the path.
pub fn tighten_tree(dir: &Path) -> Result<(), FileError> {
    if !dir.is_dir() {
        return Ok(());
    }
    tighten(dir, DIR_MODE)?;
    let entries = std::fs::read_dir(dir).map_err(|e| FileError::new(dir, e))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            tighten(&path, FILE_MODE)?;
        }
    }
    Ok(())
}

#[cfg(all(test, unix))]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn created_private_and_loose_ones_tightened() {
        let base = std::env::temp_dir().join(format!("dongpo-private-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let dir = base.join("a/b");
        private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), DIR_MODE);
        let db = dir.join("x.sqlite");
        create_private_file(&db).unwrap();
        assert_eq!(mode(&db), FILE_MODE);
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
        let wal = dir.join("x.sqlite-wal");
        std::fs::write(&wal, b"").unwrap();
        std::fs::set_permissions(&wal, std::fs::Permissions::from_mode(0o664)).unwrap();
        tighten_sqlite(&db).unwrap();
        assert_eq!((mode(&db), mode(&wal)), (FILE_MODE, FILE_MODE));
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), DIR_MODE);
        let _ = std::fs::remove_dir_all(&base);
    }
}
