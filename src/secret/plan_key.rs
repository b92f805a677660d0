//! The key of the fingerprints a saved plan keeps of its secrets.
//!
//! A saved plan never holds a secret: for each secret variable it keeps the name and an
//! HMAC-SHA-256 of the value under this key, so `apply plan.json` can tell that the value
//! changed without the file revealing it (an unkeyed hash of a short secret is guessed in
//! moments). The key is `BACKENDCTL_PLAN_KEY` when set (set it to the same value in the job that
//! plans and the one that applies); otherwise a random key kept in
//! `$XDG_STATE_HOME/backendctl/plan-key` (`~/.local/state/backendctl/plan-key`), made on first
//! use and readable by its owner only.

use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use std::io::Write as _;
use std::path::PathBuf;

/// The variable that gives the key.
pub const PLAN_KEY_VARIABLE: &str = "BACKENDCTL_PLAN_KEY";

/// What the key's id is the fingerprint of.
const KEY_ID_INPUT: &[u8] = b"backendctl saved-plan key id";

/// A key for the fingerprints of secrets in saved plans.
pub struct PlanKey {
    key: hmac::Key,
    id: String,
}

impl std::fmt::Debug for PlanKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlanKey").field("id", &self.id).finish()
    }
}

/// The key cannot be read or made.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum PlanKeyError {
    /// The key file cannot be read or written.
    #[error("cannot keep the saved-plan key in {path}: {source}")]
    #[diagnostic(
        code(plan::key),
        help(
            "set BACKENDCTL_PLAN_KEY to a long random value (the same where you plan and where you apply)"
        )
    )]
    File {
        /// The key file.
        path: String,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// There is no directory to keep the key in.
    #[error("no place for the saved-plan key: neither XDG_STATE_HOME nor HOME is set")]
    #[diagnostic(
        code(plan::key),
        help(
            "set BACKENDCTL_PLAN_KEY to a long random value (the same where you plan and where you apply)"
        )
    )]
    NoHome,
}

impl PlanKey {
    fn from_bytes(bytes: &[u8]) -> Self {
        let key = hmac::Key::new(hmac::HMAC_SHA256, bytes);
        let id = hex::encode(&hmac::sign(&key, KEY_ID_INPUT).as_ref()[..8]);
        Self { key, id }
    }

    /// The key to save a plan with: `BACKENDCTL_PLAN_KEY`, else the key file (made if missing).
    ///
    /// # Errors
    /// [`PlanKeyError`] when the key file cannot be read or made.
    pub fn for_saving(env: &dyn Fn(&str) -> Option<String>) -> Result<Self, PlanKeyError> {
        if let Some(key) = from_variable(env) {
            return Ok(key);
        }
        let path = key_path(env)?;
        if let Some(key) = read_key(&path)? {
            return Ok(key);
        }
        let mut bytes = [0_u8; 32];
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| file_error(&path, std::io::Error::other("no random numbers")))?;
        let text = hex::encode(bytes);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| file_error(&path, source))?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&path) {
            Ok(mut file) => {
                file.write_all(text.as_bytes())
                    .map_err(|source| file_error(&path, source))?;
                Ok(Self::from_bytes(text.as_bytes()))
            }
            // Another run made it first: use theirs.
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => read_key(&path)?
                .ok_or_else(|| file_error(&path, std::io::Error::other("the key file is empty"))),
            Err(source) => Err(file_error(&path, source)),
        }
    }

    /// The key to check a plan with: `BACKENDCTL_PLAN_KEY`, else the key file if there is one.
    ///
    /// # Errors
    /// [`PlanKeyError`] when the key file exists and cannot be read.
    pub fn for_checking(
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, PlanKeyError> {
        if let Some(key) = from_variable(env) {
            return Ok(Some(key));
        }
        read_key(&key_path(env)?)
    }

    /// A short public id of the key (an HMAC of a constant), so a plan made with another key is
    /// told apart from a changed secret.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The keyed fingerprint of `variable`'s value.
    #[must_use]
    pub fn fingerprint(&self, variable: &str, value: &str) -> String {
        let mut context = hmac::Context::with_key(&self.key);
        context.update(variable.as_bytes());
        context.update(&[0]);
        context.update(value.as_bytes());
        hex::encode(context.sign().as_ref())
    }
}

fn from_variable(env: &dyn Fn(&str) -> Option<String>) -> Option<PlanKey> {
    env(PLAN_KEY_VARIABLE)
        .filter(|key| !key.is_empty())
        .map(|key| PlanKey::from_bytes(key.as_bytes()))
}

fn key_path(env: &dyn Fn(&str) -> Option<String>) -> Result<PathBuf, PlanKeyError> {
    let state = env("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|path| path.is_absolute())
        .or_else(|| {
            env("HOME")
                .filter(|home| !home.is_empty())
                .map(|home| PathBuf::from(home).join(".local").join("state"))
        })
        .ok_or(PlanKeyError::NoHome)?;
    Ok(state.join("backendctl").join("plan-key"))
}

fn read_key(path: &std::path::Path) -> Result<Option<PlanKey>, PlanKeyError> {
    match std::fs::read_to_string(path) {
        Ok(text) if !text.trim().is_empty() => {
            Ok(Some(PlanKey::from_bytes(text.trim().as_bytes())))
        }
        Ok(_) => Ok(None),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(file_error(path, source)),
    }
}

fn file_error(path: &std::path::Path, source: std::io::Error) -> PlanKeyError {
    PlanKeyError::File {
        path: path.display().to_string(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_file_is_made_once_and_fingerprints_depend_on_key_name_and_value() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().to_str().unwrap().to_owned();
        let env = move |name: &str| (name == "XDG_STATE_HOME").then(|| state.clone());
        let first = PlanKey::for_saving(&env).unwrap();
        let again = PlanKey::for_checking(&env).unwrap().unwrap();
        assert_eq!(first.id(), again.id());
        assert_eq!(first.fingerprint("T", "0"), again.fingerprint("T", "0"));
        assert_ne!(first.fingerprint("T", "0"), first.fingerprint("T", "1"));
        assert_ne!(first.fingerprint("T", "0"), first.fingerprint("U", "0"));
        assert_eq!(first.fingerprint("T", "0").len(), 64);
        let other = PlanKey::from_bytes(b"another");
        assert_ne!(other.id(), first.id());
        assert_ne!(other.fingerprint("T", "0"), first.fingerprint("T", "0"));
    }
}
