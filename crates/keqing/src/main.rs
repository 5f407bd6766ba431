//! `keqing` — parse the command line, hand over to the library.

#![forbid(unsafe_code)]

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = keqing::cli::Cli::parse();
    match keqing::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("keqing: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
