pub mod environment_card;
pub mod layout;
