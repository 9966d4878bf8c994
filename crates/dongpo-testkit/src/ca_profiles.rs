//! Certificate profiles for a test CA directory: the edit that gives one profile the KISA
//! VID, and the `ca.toml` change that points a CA at its own profiles directory (what an
//! operator does by hand before `dongpo ca accept-settings`).

use std::path::Path;

/// The name of the profiles directory inside a CA directory.
pub const PROFILES_DIR: &str = "profiles";

/// An edit for `dongpo_profiles::write_builtin`: the profile `vid_profile` carries the
/// KISA VID (`identify_data_vid = true`), every other profile does not.
pub fn vid_only_on(vid_profile: &str) -> impl Fn(&str, &str) -> String + '_ {
    move |name, text| {
        let vid = if name == vid_profile { "true" } else { "false" };
        text.replace(
            "identify_data_vid = false",
            &format!("identify_data_vid = {vid}"),
        )
    }
}

/// Names `<ca_dir>/profiles` as the CA's `profiles_dir` in `<ca_dir>/ca.toml`.
///
/// # Errors
/// The file cannot be read or written, or it names no `store` to put the key before.
pub fn point_ca_at_profiles(ca_dir: &Path) -> std::io::Result<()> {
    let path = ca_dir.join("ca.toml");
    let text = std::fs::read_to_string(&path)?;
    if !text.contains("store = ") {
        return Err(std::io::Error::other("ca.toml names no store"));
    }
    let text = text.replacen(
        "store = ",
        &format!("profiles_dir = \"{PROFILES_DIR}\"\nstore = "),
        1,
    );
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_named_profile_gets_the_vid() {
        let edit = vid_only_on("kb");
        assert_eq!(
            edit("kb", "a\nidentify_data_vid = false\n"),
            "a\nidentify_data_vid = true\n"
        );
        assert_eq!(
            edit("hana", "identify_data_vid = false"),
            "identify_data_vid = false"
        );
    }
}
