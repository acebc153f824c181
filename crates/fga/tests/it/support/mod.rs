//! Helpers shared by the tests: the real OpenFGA CLI and a fake OpenFGA
//! HTTP server.

pub mod fake_openfga;
pub mod fga_cli;
