//! The `pollscope` command: the app by default, headless subcommands otherwise. The
//! command line lives in the library (`pollscope::cli`), which a user's own binary shares
//! through `pollscope::main`.

fn main() -> std::process::ExitCode {
    pollscope::cli::main()
}
