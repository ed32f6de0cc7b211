//! Drives one component inside our C++ host (`host serve`) through its line protocol: the add-in
//! is loaded with dlopen and called through its real vtables, as 1C does.

// Shared by several test binaries and the checkout example; each uses only part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

/// A parameter or property value as 1C would pass it.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    Str(String),
    Int(i64),
    Num(f64),
    Bool(bool),
    Empty,
    /// A string as UTF-16 units, which may hold what a Rust string cannot (a lone surrogate).
    Units(Vec<u16>),
}

impl From<&str> for Arg {
    fn from(s: &str) -> Arg {
        Arg::Str(s.to_owned())
    }
}

impl From<String> for Arg {
    fn from(s: String) -> Arg {
        Arg::Str(s)
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('\t', "\\t")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('t') => out.push('\t'),
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

impl Arg {
    fn encode(&self) -> String {
        match self {
            Arg::Str(s) => format!("s:{}", escape(s)),
            Arg::Int(i) => format!("i:{i}"),
            Arg::Num(d) => format!("d:{d:?}"),
            Arg::Bool(b) => format!("b:{}", u8::from(*b)),
            Arg::Empty => "e:".to_owned(),
            Arg::Units(units) => {
                let mut out = "s:".to_owned();
                for c in char::decode_utf16(units.iter().copied()) {
                    match c {
                        Ok(c) => out.push_str(&escape(&c.to_string())),
                        Err(e) => out.push_str(&format!("\\u{:04x}", e.unpaired_surrogate())),
                    }
                }
                out
            }
        }
    }

    fn decode(field: &str) -> Arg {
        let (tag, body) = field.split_at(field.len().min(2));
        match tag {
            "s:" => Arg::Str(unescape(body)),
            "i:" => Arg::Int(body.parse().expect("int")),
            "d:" => Arg::Num(body.parse().expect("double")),
            "b:" => Arg::Bool(body == "1"),
            _ => Arg::Empty,
        }
    }

    /// The string inside, or a panic naming what came instead.
    pub fn text(&self) -> &str {
        match self {
            Arg::Str(s) => s,
            other => panic!("expected a string, got {other:?}"),
        }
    }
}

/// The memory accounting the host prints when the session ends.
#[derive(Debug, PartialEq, Eq)]
pub struct Ending {
    pub live_blocks: usize,
    pub bad_frees: usize,
    pub status_lines: usize,
    pub status_resets: usize,
}

pub struct Session {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Session {
    /// Starts `host serve LIB CLASS`.
    pub fn start(host: &Path, library: &Path, class: &str) -> Session {
        let mut child = Command::new(host)
            .arg("serve")
            .arg(library)
            .arg(class)
            .env("RUST_BACKTRACE", "0")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start host");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        Session {
            child,
            stdin,
            stdout,
        }
    }

    /// The component in cloud mode: its data in `data_dir`, the service at `url` with `key`,
    /// Timeout 5 s. The caller sets what else its till needs (Store, CashierCode, ...).
    pub fn start_cloud(
        host: &Path,
        library: &Path,
        data_dir: &Path,
        url: &str,
        key: &str,
    ) -> Session {
        let mut bp = Session::start(host, library, "BonusPlus");
        bp.set("DataDirectory", Arg::Str(data_dir.display().to_string()))
            .unwrap();
        bp.set("Mode", "cloud".into()).unwrap();
        bp.set("ServerAddress", url.into()).unwrap();
        bp.set("ApiKey", key.into()).unwrap();
        bp.set("Timeout", Arg::Int(5)).unwrap();
        bp
    }

    fn request(&mut self, fields: &[String]) -> Result<Option<Arg>, String> {
        writeln!(self.stdin, "{}", fields.join("\t")).expect("write to host");
        self.stdin.flush().expect("flush");
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("read from host");
        let line = line.trim_end_matches(['\n', '\r']);
        match line.split_once('\t') {
            Some(("ok", value)) => Ok(Some(Arg::decode(value))),
            Some(("err", message)) => Err(unescape(message)),
            None if line == "ok" => Ok(None),
            _ => panic!("host answered {line:?} (did it crash?)"),
        }
    }

    /// `CallAsFunc`: the returned value, or the `AddError` text.
    pub fn call(&mut self, method: &str, args: &[Arg]) -> Result<Arg, String> {
        let mut fields = vec!["call".to_owned(), method.to_owned()];
        fields.extend(args.iter().map(Arg::encode));
        self.request(&fields).map(|v| v.unwrap_or(Arg::Empty))
    }

    /// `CallAsProc` (a statement-style call).
    pub fn proc(&mut self, method: &str, args: &[Arg]) -> Result<(), String> {
        let mut fields = vec!["proc".to_owned(), method.to_owned()];
        fields.extend(args.iter().map(Arg::encode));
        self.request(&fields).map(|_| ())
    }

    /// A call whose result is a JSON string, parsed.
    pub fn call_json(&mut self, method: &str, args: &[Arg]) -> Result<serde_json::Value, String> {
        let value = self.call(method, args)?;
        Ok(serde_json::from_str(value.text())
            .unwrap_or_else(|e| panic!("{method}: bad JSON {value:?}: {e}")))
    }

    pub fn get(&mut self, prop: &str) -> Result<Arg, String> {
        self.request(&["get".to_owned(), prop.to_owned()])
            .map(|v| v.unwrap_or(Arg::Empty))
    }

    pub fn set(&mut self, prop: &str, value: Arg) -> Result<(), String> {
        self.request(&["set".to_owned(), prop.to_owned(), value.encode()])
            .map(|_| ())
    }

    pub fn set_locale(&mut self, locale: &str) {
        self.request(&["locale".to_owned(), locale.to_owned()])
            .expect("locale");
    }

    /// Ends the session: the host destroys the component and reports its memory accounting.
    pub fn finish(mut self) -> Ending {
        writeln!(self.stdin, "quit").expect("quit");
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("read ending");
        let _ = self.child.wait();
        let field = |name: &str| -> usize {
            line.trim()
                .split('\t')
                .find_map(|f| f.strip_prefix(name))
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("no {name} in {line:?}"))
        };
        Ending {
            live_blocks: field("live="),
            bad_frees: field("bad="),
            status_lines: field("status="),
            status_resets: field("resets="),
        }
    }
}
