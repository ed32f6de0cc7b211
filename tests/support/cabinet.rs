//! A small browser for the cabinet's HTTP tests: one cookie jar, no redirects followed.
#![allow(dead_code)]

use bonusplus_1c::server::{cabinet, Server, ServerConfig};
use std::collections::BTreeMap;
use std::path::Path;

pub const KEY: &str = "cabinet-test-key";
pub const PASSWORD: &str = "correct horse battery";

/// A plain-http server on loopback with the owner's password set.
pub fn server(dir: &Path) -> Server {
    cabinet::set_owner_password(dir, PASSWORD).unwrap();
    Server::start(ServerConfig {
        listen: "127.0.0.1:0".into(),
        data_dir: dir.to_path_buf(),
        api_key: KEY.into(),
    })
    .unwrap()
}

pub struct Answer {
    pub status: u16,
    pub location: String,
    pub set_cookies: Vec<String>,
    pub content_type: String,
    pub body: String,
}

pub struct Browser {
    base: String,
    agent: ureq::Agent,
    pub jar: BTreeMap<String, String>,
    pub language: &'static str,
}

impl Browser {
    pub fn new(server: &Server) -> Browser {
        Browser::at(&server.base_url())
    }

    /// A browser for the server at `base_url` (a server in another process).
    pub fn at(base_url: &str) -> Browser {
        Browser {
            base: base_url.trim_end_matches('/').to_string(),
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .max_redirects(0)
                .build()
                .into(),
            jar: BTreeMap::new(),
            language: "ru-RU,ru;q=0.9",
        }
    }

    /// For a server with a self-signed certificate: the test checks cookies, not the chain.
    pub fn new_tls_unverified(server: &Server) -> Browser {
        let tls = ureq::tls::TlsConfig::builder()
            .disable_verification(true)
            .build();
        let mut b = Browser::new(server);
        b.agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .tls_config(tls)
            .build()
            .into();
        b
    }

    fn cookie_header(&self) -> String {
        self.jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn send(
        &mut self,
        method: &str,
        path: &str,
        form: &[(&str, &str)],
        extra: &[(&str, &str)],
    ) -> Answer {
        let body: String = form
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut req = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header("Accept-Language", self.language)
            .header("Content-Type", "application/x-www-form-urlencoded");
        if !self.jar.is_empty() {
            req = req.header("Cookie", self.cookie_header());
        }
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        let mut resp = self
            .agent
            .run(req.body(body.into_bytes()).unwrap())
            .unwrap();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        let (location, content_type) = (header("location"), header("content-type"));
        let set_cookies: Vec<String> = resp
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect();
        for c in &set_cookies {
            let pair = c.split(';').next().unwrap_or("");
            if let Some((k, v)) = pair.split_once('=') {
                if v.is_empty() {
                    self.jar.remove(k);
                } else {
                    self.jar.insert(k.to_string(), v.to_string());
                }
            }
        }
        let status = resp.status().as_u16();
        let body = resp.body_mut().read_to_string().unwrap_or_default();
        Answer {
            status,
            location,
            set_cookies,
            content_type,
            body,
        }
    }

    pub fn get(&mut self, path: &str) -> Answer {
        self.send("GET", path, &[], &[])
    }

    pub fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Answer {
        self.send("POST", path, form, &[])
    }

    /// Opens the sign-in page and posts `password` with the form's token.
    pub fn login_with(&mut self, password: &str) -> Answer {
        let page = self.get("/cabinet/login");
        assert_eq!(page.status, 200, "{}", page.body);
        let token = field(&page.body, "csrf");
        self.post(
            "/cabinet/login",
            &[("csrf", &token), ("password", password)],
        )
    }

    pub fn login(&mut self) {
        let a = self.login_with(PASSWORD);
        assert_eq!(a.status, 303, "{}", a.body);
        assert_eq!(a.location, "/cabinet/");
    }

    /// The CSRF token of the signed-in pages.
    pub fn csrf(&mut self) -> String {
        let page = self.get("/cabinet/policies");
        assert_eq!(page.status, 200, "{}", page.body);
        field(&page.body, "csrf")
    }
}

/// The value of the hidden input `name` in a page.
pub fn field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
