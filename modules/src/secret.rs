//! Passwords that are never printed.
//!
//! A module's builder and handle derive `Debug`, so a test that prints one
//! (or a panic that does) would show the password; a [`Secret`] prints as
//! `<redacted>` instead. Only the calls that hand the password to a client
//! (`password()`, `connection_string()`, `url()`) reveal it.

use std::fmt;

#[cfg(feature = "postgres")]
use rand::distr::{Alphanumeric, SampleString};

/// A string kept out of `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl Secret {
    /// A password no other run will have: 24 random letters and digits.
    #[cfg(feature = "postgres")]
    pub(crate) fn random() -> Secret {
        Secret(random_token(24))
    }

    /// The secret itself, for a client that needs it.
    pub(crate) fn reveal(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// `len` random lowercase letters and digits: safe in a database name, a
/// URL or a shell word without quoting.
#[cfg(feature = "postgres")]
pub(crate) fn random_token(len: usize) -> String {
    Alphanumeric
        .sample_string(&mut rand::rng(), len)
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let secret = Secret::from("hunter2".to_string());
        assert_eq!(format!("{secret:?}"), "<redacted>");
        assert_eq!(secret.reveal(), "hunter2");
    }

    #[test]
    #[cfg(feature = "postgres")]
    fn random_passwords_differ_and_need_no_quoting() {
        let (a, b) = (Secret::random(), Secret::random());
        assert_ne!(a, b);
        assert_eq!(a.reveal().len(), 24);
        assert!(a
            .reveal()
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
    }
}
