//! `pollscope serve`: the demo server on its own, for lessons run elsewhere or a browser.

use super::output::outln;
use crate::server::{DemoServer, Profile, ServerConfig};
use clap::Args;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// A built-in profile name (seed, wide) or a profile TOML file.
    #[arg(long, default_value = "seed")]
    profile: String,
}

pub fn run(args: ServeArgs) -> Result<ExitCode, String> {
    let profile = Profile::load(&args.profile).map_err(|e| e.to_string())?;
    let server = DemoServer::start(ServerConfig {
        port: args.port,
        profile,
    })
    .map_err(|e| e.to_string())?;
    outln!(
        "serving profile {} on {}",
        server.profile().name,
        server.base_url()
    )?;
    for (name, url) in server.page_urls() {
        if let Some(page) = server.profile().page(&name) {
            outln!("  {url}  ({} ms, {} bytes)", page.latency_ms, page.size)?;
        }
    }
    outln!("press Ctrl-C to stop")?;
    // The server's threads do the work; this thread only keeps the process alive.
    loop {
        std::thread::park();
    }
}
