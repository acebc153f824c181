//! Why a login failed, in words for the person who tried.

/// Why a login failed. The message says what happened; [`LoginError::detail`]
/// says what to do or what the provider answered.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("The identity provider could not be reached.")]
    Unreachable(String),
    #[error("The identity provider refused the login: {0}.")]
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
}

impl LoginError {
    pub fn detail(&self) -> String {
        match self {
            Self::Unreachable(d) | Self::Exchange(d) | Self::IdToken(d) | Self::Internal(d) => {
                d.clone()
            }
            Self::Provider(_) => "The provider reported an error and sent you back.".to_owned(),
            Self::NoFlow | Self::StateMismatch => {
                "Start the login again from Palette in this browser.".to_owned()
            }
        }
    }
}
