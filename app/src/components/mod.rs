pub mod create_form;
pub mod environment_actions;
pub mod environment_card;
pub mod job_live;
pub mod job_steps;
pub mod layout;
pub mod oidc;
pub mod time;
