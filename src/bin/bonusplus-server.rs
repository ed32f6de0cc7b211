//! The local BonusPlus server: the BonusPlus REST API over the built-in loyalty engine.
//!
//!     cargo run --release --features server --bin bonusplus-server -- \
//!         --listen 127.0.0.1:8080 --data DIR --api-key KEY [--policy JSON]
//!
//! `--levels SILVER:0,GOLD:20000` gives the card levels (by purchases total) the server reports
//! as a customer's next level. `--policy` sets a bonus policy (the add-in's Policy JSON, may repeat). A fresh data directory
//! with no policy gets `{"accrualPercent":1,"rate":1}` so that sales earn bonuses out of the box.
//! The key may also come from the environment variable BONUSPLUS_API_KEY (kept out of `ps`).

use bonusplus_1c::backend::Backend;
use bonusplus_1c::engine::BonusPolicy;
use bonusplus_1c::server::{Level, Server, ServerConfig};
use std::path::PathBuf;

fn usage() -> ! {
    eprintln!(
        "usage: bonusplus-server --listen 127.0.0.1:8080 --data DIR --api-key KEY [--policy JSON]... [--levels NAME:FROM,...]"
    );
    std::process::exit(2)
}

fn main() {
    let mut listen = "127.0.0.1:8080".to_owned();
    let mut data: Option<PathBuf> = None;
    let mut key = std::env::var("BONUSPLUS_API_KEY").ok();
    let mut policies = Vec::new();
    let mut levels = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--listen" => listen = args.next().unwrap_or_else(|| usage()),
            "--data" => data = Some(args.next().unwrap_or_else(|| usage()).into()),
            "--api-key" => key = Some(args.next().unwrap_or_else(|| usage())),
            "--policy" => policies.push(args.next().unwrap_or_else(|| usage())),
            "--levels" => {
                for level in args.next().unwrap_or_else(|| usage()).split(',') {
                    let (name, from) = level.split_once(':').unwrap_or_else(|| usage());
                    let from = from.trim().parse().unwrap_or_else(|_| usage());
                    levels.push(Level {
                        name: name.trim().to_owned(),
                        from,
                    });
                }
            }
            "-h" | "--help" => usage(),
            other => {
                eprintln!("unknown argument {other}");
                usage()
            }
        }
    }
    let (Some(data), Some(key)) = (data, key) else {
        usage()
    };
    let server = match Server::start(ServerConfig {
        listen,
        data_dir: data.clone(),
        api_key: key,
    }) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("bonusplus-server: {e}");
            std::process::exit(1)
        }
    };
    server.set_levels(levels);
    let backend = server.backend();
    for p in &policies {
        match BonusPolicy::from_json(p).and_then(|p| backend.set_policy(p)) {
            Ok(()) => {}
            Err(e) => {
                eprintln!("bonusplus-server: --policy: {e}");
                std::process::exit(2)
            }
        }
    }
    if backend.policies().map(|p| p.is_empty()).unwrap_or(false) {
        let default = BonusPolicy::from_json(r#"{"accrualPercent":1,"rate":1}"#)
            .and_then(|p| backend.set_policy(p));
        if let Err(e) = default {
            eprintln!("bonusplus-server: default policy: {e}");
        } else {
            println!("no policy yet: set accrual 1 %, 1 bonus = 1 rub");
        }
    }
    println!(
        "bonusplus-server listening on {} (data {}), API key set",
        server.base_url(),
        data.display()
    );
    server.wait();
}
