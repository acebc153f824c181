use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // A layer process's exec wrapper (`engine::runner::exec`): before
    // anything else, and without a runtime.
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    if let Some(error) = engine::runner::exec::wrapper_main(&args) {
        eprintln!("{error}");
        return ExitCode::from(127);
    }
    server::workers::layers_start_through_this_executable();
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(server::cli::run(server::cli::Cli::parse())),
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            ExitCode::FAILURE
        }
    }
}
