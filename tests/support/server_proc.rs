//! The loyalty server as a child process (the real binary), and a small ureq caller for its API.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct ServerProcess {
    pub child: Child,
    pub url: String,
    pub fingerprint: Option<String>,
    /// Everything the server wrote to stderr (its log) so far.
    pub log: Arc<Mutex<String>>,
}

pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Starts `bonusplus-server` with the key in a file; `as_nobody` runs it as uid/gid 65534 (so a
/// root test can take write permissions away from it).
pub fn spawn(data: &Path, key_file: &Path, extra: &[&str], as_nobody: bool) -> ServerProcess {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bonusplus-server"));
    cmd.arg("--data")
        .arg(data)
        .arg("--api-key-file")
        .arg(key_file)
        .args(extra)
        .env_remove("BONUSPLUS_API_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if as_nobody {
        use std::os::unix::process::CommandExt;
        cmd.uid(65534).gid(65534);
    }
    let mut child = cmd.spawn().expect("start bonusplus-server");
    let log = Arc::new(Mutex::new(String::new()));
    let stderr = child.stderr.take().unwrap();
    let sink = Arc::clone(&log);
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let mut l = sink.lock().unwrap();
            l.push_str(&line);
            l.push('\n');
        }
    });
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let (mut url, mut fingerprint) = (String::new(), None);
    let mut line = String::new();
    while out.read_line(&mut line).unwrap_or(0) > 0 {
        if let Some(fp) = line
            .trim()
            .strip_prefix("TLS certificate SHA-256 fingerprint (ServerCertificate): ")
        {
            fingerprint = Some(fp.to_owned());
        }
        if let Some(rest) = line.split("listening on ").nth(1) {
            url = rest.split_whitespace().next().unwrap().to_owned();
            break;
        }
        line.clear();
    }
    assert!(
        !url.is_empty(),
        "server did not start: {}",
        log.lock().unwrap()
    );
    // Keep reading stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut sink = String::new();
        while out.read_line(&mut sink).unwrap_or(0) > 0 {
            sink.clear();
        }
    });
    ServerProcess {
        child,
        url,
        fingerprint,
        log,
    }
}

impl ServerProcess {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A figure from /proc/<pid>/status in KiB (VmRSS, VmHWM).
    pub fn status_kib(&self, field: &str) -> u64 {
        let text = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        text.lines()
            .find(|l| l.starts_with(field))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap()
    }

    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .new_agent()
}

pub fn auth(key: &str) -> String {
    format!(
        "ApiKey {}",
        bonusplus_1c::backend::cloud::base64(key.as_bytes())
    )
}

/// One API call; `(status, body)`.
pub fn call(
    agent: &ureq::Agent,
    key: &str,
    method: &str,
    url: &str,
    body: Option<&serde_json::Value>,
) -> (u16, String) {
    let builder = ureq::http::Request::builder()
        .method(method)
        .uri(url)
        .header("Authorization", auth(key))
        .header("Content-Type", "application/json");
    let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    let request = builder.body(bytes).unwrap();
    match agent.run(request) {
        Ok(mut r) => {
            let status = r.status().as_u16();
            (status, r.body_mut().read_to_string().unwrap_or_default())
        }
        Err(e) => panic!("{method} {url}: {e}"),
    }
}
