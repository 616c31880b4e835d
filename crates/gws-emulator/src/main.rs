//! The `gws-emulator` binary: everything is in the library's `cli` module.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    gws_emulator::cli::main().await
}
