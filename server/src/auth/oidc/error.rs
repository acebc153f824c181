//! Why a login failed, in words for the person who tried.

/// Why a login failed. The message says what happened in fixed words
/// ([`LoginError::summary`], [`LoginError::hint`]); [`LoginError::detail`]
/// is what the provider or the store answered, for the log.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("The identity provider could not be reached.")]
    Unreachable(String),
    /// The provider's `error` and `error_description`, as it sent them.
    #[error("The identity provider refused the login.")]
    Provider(String),
    #[error("No login was in progress in this browser, or it has already been used.")]
    NoFlow,
    #[error(
        "The login response does not belong to the login this browser started (state mismatch)."
    )]
    StateMismatch,
    #[error(
        "The identity provider refused the login code; it may have expired or been used already."
    )]
    Exchange(String),
    #[error("The identity provider's ID token is not valid for Palette.")]
    IdToken(String),
    #[error("Palette could not record the login.")]
    Internal(String),
    /// The database or the authorizer did not answer.
    #[error("Palette cannot record the login now: a service it needs does not answer.")]
    Unavailable(String),
}

impl LoginError {
    /// What the failure page says happened: fixed words, never the text of
    /// the provider, the database or the network (that is logged, under the
    /// request id the page shows). A provider's refusal names its OAuth
    /// error code when it looks like one (`access_denied`).
    pub fn summary(&self) -> String {
        match self {
            Self::Provider(answer) => {
                let code = answer.split(' ').next().unwrap_or_default();
                let looks_like_a_code = !code.is_empty()
                    && code.len() <= 64
                    && code.chars().all(|c| c.is_ascii_lowercase() || c == '_');
                if looks_like_a_code {
                    format!("The identity provider refused the login ({code}).")
                } else {
                    "The identity provider refused the login.".to_owned()
                }
            }
            other => other.to_string(),
        }
    }

    /// What to do next, in fixed words.
    pub fn hint(&self) -> &'static str {
        match self {
            Self::Unreachable(_) | Self::Unavailable(_) => {
                "Try again in a moment; if it goes on, tell your administrator."
            }
            Self::Provider(_) => "The provider reported an error and sent you back.",
            Self::NoFlow | Self::StateMismatch => {
                "Start the login again from Palette in this browser."
            }
            Self::Exchange(_) => "Start the login again.",
            Self::IdToken(_) | Self::Internal(_) => {
                "Try again; if it goes on, tell your administrator."
            }
        }
    }

    /// What the provider, the network or the store said: for the log only.
    pub fn detail(&self) -> &str {
        match self {
            Self::Unreachable(d)
            | Self::Exchange(d)
            | Self::IdToken(d)
            | Self::Internal(d)
            | Self::Unavailable(d)
            | Self::Provider(d) => d,
            Self::NoFlow | Self::StateMismatch => "",
        }
    }
}
