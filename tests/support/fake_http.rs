//! A raw HTTP/1.1 reader and writer over `std::net` for the tests' fake and faulty servers (a
//! proxy that drops answers, a server that stalls or sends garbage). Not the loyalty server's
//! HTTP stack: that is hyper (`src/server`).
#![allow(dead_code)]

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;

/// The request line plus headers.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;
pub const MAX_HEADERS: usize = 64;
/// A product import of a few thousand items fits easily.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

#[derive(Debug)]
pub struct Request {
    pub method: String,
    /// Decoded path segments, without the leading `/` (and without an `api/` prefix).
    pub segments: Vec<String>,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub keep_alive: bool,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What went wrong reading a request: answered with this status, then the connection closes.
#[derive(Debug)]
pub struct Refusal {
    pub status: u16,
    pub message: &'static str,
}

pub enum Read1 {
    Request(Request),
    /// The client closed the connection (or went idle past the timeout) between requests.
    Closed,
    Refused(Refusal),
}

fn refuse(status: u16, message: &'static str) -> Read1 {
    Read1::Refused(Refusal { status, message })
}

/// Reads one line (up to `\n`) within the remaining head budget.
fn read_line(reader: &mut BufReader<TcpStream>, budget: &mut usize) -> io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    let n = reader
        .by_ref()
        .take(*budget as u64 + 1)
        .read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    if n > *budget || !line.ends_with(b"\n") {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "head too large"));
    }
    *budget -= n;
    while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        line.pop();
    }
    Ok(Some(line))
}

pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn read_request(reader: &mut BufReader<TcpStream>) -> Read1 {
    let mut budget = MAX_HEAD_BYTES;
    // Tolerate blank lines between requests (RFC 9112 §2.2).
    let line = loop {
        match read_line(reader, &mut budget) {
            Ok(None) => return Read1::Closed,
            Ok(Some(l)) if l.is_empty() => continue,
            Ok(Some(l)) => break l,
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                return refuse(431, "Request header fields too large")
            }
            Err(_) => return Read1::Closed,
        }
    };
    let Ok(line) = String::from_utf8(line) else {
        return refuse(400, "Bad request line");
    };
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return refuse(400, "Bad request line");
    };
    if !version.starts_with("HTTP/1.") {
        return refuse(505, "HTTP version not supported");
    }
    let mut headers = Vec::new();
    loop {
        match read_line(reader, &mut budget) {
            Ok(Some(l)) if l.is_empty() => break,
            Ok(Some(l)) => {
                if headers.len() >= MAX_HEADERS {
                    return refuse(431, "Too many headers");
                }
                let Ok(l) = String::from_utf8(l) else {
                    return refuse(400, "Bad header");
                };
                let Some((k, v)) = l.split_once(':') else {
                    return refuse(400, "Bad header");
                };
                headers.push((k.trim().to_owned(), v.trim().to_owned()));
            }
            Ok(None) => return Read1::Closed,
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                return refuse(431, "Request header fields too large")
            }
            Err(_) => return Read1::Closed,
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    if header("transfer-encoding").is_some() {
        return refuse(
            501,
            "Transfer-Encoding is not supported; send Content-Length",
        );
    }
    let length = match header("content-length") {
        Some(v) => match v.parse::<usize>() {
            Ok(n) => Some(n),
            Err(_) => return refuse(400, "Bad Content-Length"),
        },
        None => None,
    };
    if length.is_none() && matches!(method, "POST" | "PUT" | "PATCH") {
        // As IIS does: a body-less PUT needs an explicit `Content-Length: 0`.
        return refuse(411, "Length Required");
    }
    let length = length.unwrap_or(0);
    if length > MAX_BODY_BYTES {
        return refuse(413, "Payload too large");
    }
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return Read1::Closed;
    }
    let connection = header("connection").unwrap_or("").to_ascii_lowercase();
    let keep_alive = if version == "HTTP/1.0" {
        connection.contains("keep-alive")
    } else {
        !connection.contains("close")
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let path = path
        .split_once("://")
        .map_or(path, |(_, rest)| rest.find('/').map_or("/", |i| &rest[i..]));
    let mut segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    if segments
        .first()
        .is_some_and(|s| s.eq_ignore_ascii_case("api"))
    {
        segments.remove(0);
    }
    let query = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    Read1::Request(Request {
        method: method.to_owned(),
        segments,
        query,
        headers,
        body,
        keep_alive,
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Payload Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

/// Writes one response; 204 carries no body and no Content-Type.
pub fn write_response(
    stream: &mut TcpStream,
    status: u16,
    body: &str,
    keep_alive: bool,
) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    if status == 204 {
        head.push_str("Content-Length: 0\r\n");
    } else {
        head.push_str("Content-Type: application/json; charset=utf-8\r\n");
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str(if keep_alive {
        "Connection: keep-alive\r\n\r\n"
    } else {
        "Connection: close\r\n\r\n"
    });
    let mut out = head.into_bytes();
    if status != 204 {
        out.extend_from_slice(body.as_bytes());
    }
    stream.write_all(&out)?;
    stream.flush()
}
