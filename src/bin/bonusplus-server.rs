//! The loyalty server: the BonusPlus REST API over the built-in loyalty engine, the shop's own
//! loyalty service for several PCs. `--help` says how to run it.

use bonusplus_1c::backend::Backend;
use bonusplus_1c::engine::BonusPolicy;
use bonusplus_1c::server::{cabinet, Level, Server, ServerConfig, ServerOptions};
use std::path::PathBuf;

const HELP: &str = "\
bonusplus-server — the BonusPlus loyalty API over the built-in engine, for the tills of a shop

USAGE:
    bonusplus-server --data DIR [--listen ADDR:PORT] [--tls] [--api-key-file FILE] [--admin-password-file FILE]
                     [--policy JSON]... [--levels NAME:FROM,...]

OPTIONS:
    --data DIR           data folder: bonusplus.db (the one store of customers, bonuses, sales,
                         reserves and returns), sms.log, and with --tls the certificate and key.
                         Created 0700, its files 0600 (existing ones are made so on start).
    --listen ADDR:PORT   default 127.0.0.1:8080. Without --tls only a loopback address is
                         accepted: plain http never leaves the machine.
    --tls                serve https. On first start a self-signed certificate and its key are
                         created in the data folder (server-cert.pem, server-key.pem) and kept;
                         the SHA-256 fingerprint is printed on every start. Set it in each till's
                         add-in as ServerCertificate (СертификатСервера) with
                         ServerAddress = https://<this PC's LAN address>:PORT/ .
                         Use --listen 0.0.0.0:8443 to serve the LAN.
    --api-key-file FILE  the API key, the first line of FILE (keep it 0600). Or set the
                         environment variable BONUSPLUS_API_KEY, or (systemd) LoadCredential=api-key.
                         The key is never taken on the command line: every user sees it in `ps`.
    --admin-password-file FILE
                         the owner's cabinet password (/cabinet in a browser), the first line of
                         FILE; at least 8 characters. Or BONUSPLUS_ADMIN_PASSWORD, or a prompt
                         when none is stored yet and the server runs in a terminal. Only its
                         argon2 hash is kept (cabinet-password in the data folder, 0600).
    --policy JSON        a bonus policy (the add-in's Policy JSON); may repeat. A fresh data folder
                         without one gets {\"accrualPercent\":1,\"rate\":1}.
    --levels NAME:FROM,...
                         the card levels by purchases total, e.g. SILVER:0,GOLD:20000: a customer
                         is told the next level's name and the sum still to buy for it.
    -h, --help           this text.

ENDPOINTS:
    The BonusPlus API the add-in's cloud mode uses (customer, customer/list, retail/calc, retail,
    retail/back, retail/bonusActivities, reserves, product/import, account), also under /api/;
    each needs Authorization: ApiKey <base64(key)>. GET /health needs no key:
    200 {\"status\":\"ok\"}, 503 when the database cannot be read. /cabinet: the owner's cabinet
    (sign in with the owner's password; the API key does not open it, its session does not open
    the API).

LIMITS:
    A connection must send a request with the right key within 10 s of opening; at most 64 such
    pending connections per client address (512 in all) — the oldest goes first, so slow or
    keyless clients cannot lock the tills out. The key is checked before any body is read.
    Bodies: 16 MiB, within 30 s. Idle keep-alive connections close after 60 s.

ERRORS:
    Storage failures answer 503 with a generic message; the detail goes to stderr (the server
    log; journalctl -u bonusplus-server under systemd).

SERVICE:
    Linux: docs/bonusplus-server.service (systemd). Windows: docs/server.md.
";

fn fail(message: &str) -> ! {
    eprintln!("bonusplus-server: {message}");
    eprintln!("try bonusplus-server --help");
    std::process::exit(2)
}

fn read_key_file(path: &std::path::Path) -> String {
    match std::fs::read_to_string(path) {
        Ok(text) => text.lines().next().unwrap_or("").trim().to_owned(),
        Err(e) => fail(&format!("--api-key-file {}: {e}", path.display())),
    }
}

fn main() {
    #[cfg(unix)]
    // SAFETY: umask only sets this process's file-creation mask; no memory is involved.
    unsafe {
        // Whatever else gets created in the data folder is private too.
        libc::umask(0o077);
    }
    let mut listen = "127.0.0.1:8080".to_owned();
    let mut data: Option<PathBuf> = None;
    let mut key_file: Option<PathBuf> = None;
    let mut password_file: Option<PathBuf> = None;
    let mut tls = false;
    let mut policies = Vec::new();
    let mut levels = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .unwrap_or_else(|| fail(&format!("{name} needs a value")))
        };
        match a.as_str() {
            "--listen" => listen = value("--listen"),
            "--data" => data = Some(value("--data").into()),
            "--api-key-file" => key_file = Some(value("--api-key-file").into()),
            "--admin-password-file" => password_file = Some(value("--admin-password-file").into()),
            "--tls" => tls = true,
            "--policy" => policies.push(value("--policy")),
            "--levels" => {
                levels = Level::parse_list(&value("--levels"))
                    .unwrap_or_else(|e| fail(&format!("--levels: {e}")))
            }
            "--api-key" => fail(
                "the key is not taken on the command line (every user sees it in ps): \
                 use --api-key-file FILE or the environment variable BONUSPLUS_API_KEY",
            ),
            "-h" | "--help" => {
                print!("{HELP}");
                return;
            }
            other => fail(&format!("unknown argument {other}")),
        }
    }
    let Some(data) = data else {
        fail("--data DIR is required")
    };
    let key = match key_file {
        Some(path) => read_key_file(&path),
        None => match std::env::var("BONUSPLUS_API_KEY") {
            Ok(k) => k,
            Err(_) => match std::env::var_os("CREDENTIALS_DIRECTORY") {
                Some(dir) => read_key_file(&PathBuf::from(dir).join("api-key")),
                None => fail("no API key: use --api-key-file FILE or BONUSPLUS_API_KEY"),
            },
        },
    };
    // Children and crash reports need not see it.
    std::env::remove_var("BONUSPLUS_API_KEY");
    match cabinet::setup_owner_password(&data, password_file.as_deref()) {
        Ok(cabinet::PasswordSetup::Set) => println!("cabinet: the owner's password is set"),
        Ok(cabinet::PasswordSetup::Kept) => {}
        Ok(cabinet::PasswordSetup::Missing) => {
            println!(
                "cabinet: no owner password yet (--admin-password-file): /cabinet stays closed"
            )
        }
        Err(e) => {
            eprintln!("bonusplus-server: {e}");
            std::process::exit(2)
        }
    }
    let server = match Server::start_with(
        ServerConfig {
            listen,
            data_dir: data.clone(),
            api_key: key,
        },
        ServerOptions {
            tls,
            ..ServerOptions::default()
        },
    ) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("bonusplus-server: {e}");
            std::process::exit(1)
        }
    };
    server.set_levels(levels);
    let backend = server.backend();
    for p in &policies {
        if let Err(e) = BonusPolicy::from_json(p).and_then(|p| backend.set_policy(p)) {
            eprintln!("bonusplus-server: --policy: {e}");
            std::process::exit(2)
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
    if let Some(fp) = server.tls_fingerprint() {
        println!("TLS certificate SHA-256 fingerprint (ServerCertificate): {fp}");
    }
    println!(
        "bonusplus-server listening on {} (data {}), API key set",
        server.base_url(),
        data.display()
    );
    server.wait();
}
