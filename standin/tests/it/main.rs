//! All integration tests of the stand-in in one binary (one link): each
//! test runs the built `tofu-standin` in a temporary workspace.

mod examples;
mod failures;
mod interrupt;
mod lifecycle;
mod support;
