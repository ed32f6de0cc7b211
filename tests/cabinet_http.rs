//! The owner's cabinet over real HTTP on loopback: sign-in, sessions, CSRF, the lockout, the
//! wall between the API key and the cabinet, escaping, and the pages' figures coming from the
//! same store as the API.

#[path = "support/backend.rs"]
mod backend_support;
#[path = "support/cabinet.rs"]
mod cabinet_support;
#[path = "support/server_proc.rs"]
mod server_proc;

use backend_support::{d, line, order, sale, PHONE};
use bonusplus_1c::backend::{Backend, CustomerData};
use bonusplus_1c::engine::BonusPolicy;
use cabinet_support::{field, server, Browser, KEY, PASSWORD};
use rust_decimal::Decimal;

const HOSTILE: &str = "<script>alert(1)</script>";

/// The policy form's text fields (the switches are checkboxes).
const POLICY_TEXT_FIELDS: [&str; 12] = [
    "organization",
    "startDate",
    "accrualPercent",
    "accrualExcluded",
    "rate",
    "maxPaymentPercent",
    "paymentExcluded",
    "activationDelayDays",
    "expiryDays",
    "discountPercent",
    "reserveDays",
    "skipConfirmationAfterSeconds",
];

fn api_key_header() -> String {
    use bonusplus_1c::backend::cloud::base64;
    format!("ApiKey {}", base64(KEY.as_bytes()))
}

/// The seed customer (named hostile) with one 1000.00 sale under 10 % accrual.
fn seed(server: &bonusplus_1c::server::Server) {
    let b = server.backend();
    b.set_policy(BonusPolicy::from_json(r#"{"accrualPercent":10,"rate":1}"#).unwrap())
        .unwrap();
    let data = CustomerData {
        first_name: Some(HOSTILE.into()),
        ..Default::default()
    };
    b.register_customer(PHONE, "", &data).unwrap();
    b.fix_sale(&sale("SEED-1", "0", vec![line(1, "P1", "1000")]))
        .unwrap();
}

fn balance(server: &bonusplus_1c::server::Server) -> Decimal {
    server
        .backend()
        .find_customer("", PHONE)
        .unwrap()
        .unwrap()
        .available_bonuses
}

const PAGES: &[&str] = &[
    "/cabinet",
    "/cabinet/",
    "/cabinet/customers?q=7900",
    "/cabinet/customer?phone=79001112233",
    "/cabinet/expiring?days=30",
    "/cabinet/expiring.csv",
    "/cabinet/customers.csv",
    "/cabinet/ledger.csv",
    "/cabinet/policies",
    "/cabinet/policy?index=0",
    "/cabinet/no-such-page",
];

#[test]
fn without_a_session_every_cabinet_url_redirects_to_the_login() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path());
    seed(&server);
    let before = balance(&server);
    let mut b = Browser::new(&server);
    let key = api_key_header();
    for path in PAGES {
        for extra in [vec![], vec![("Authorization", key.as_str())]] {
            let a = b.send("GET", path, &[], &extra);
            assert_eq!(
                (a.status, a.location.as_str()),
                (303, "/cabinet/login"),
                "{path}"
            );
            assert!(!a.body.contains("79001112233"), "{path}");
        }
    }
    // A made-up session cookie is no session; posts change nothing.
    b.jar.insert("bp_session".into(), "0".repeat(64));
    for path in ["/cabinet/adjust", "/cabinet/policy", "/cabinet/logout"] {
        let a = b.post(
            path,
            &[
                ("phone", PHONE),
                ("amount", "50"),
                ("reason", "x"),
                ("csrf", ""),
            ],
        );
        assert_eq!(
            (a.status, a.location.as_str()),
            (303, "/cabinet/login"),
            "{path}"
        );
    }
    assert_eq!(balance(&server), before);
    // The login page itself needs no session.
    assert_eq!(b.get("/cabinet/login").status, 200);
}

#[test]
fn the_api_key_and_a_cabinet_session_open_only_their_own_door() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path());
    seed(&server);
    let mut b = Browser::new(&server);
    // The API key as the password: refused.
    let a = b.login_with(KEY);
    assert_eq!(a.status, 401);
    assert!(!b.jar.contains_key("bp_session"));
    b.login();
    // The cabinet's cookie on the API: 401.
    let a = b.get(&format!("/customer?phone={PHONE}"));
    assert_eq!(a.status, 401, "{}", a.body);
    // The API with its key still works beside it.
    let a = b.send(
        "GET",
        &format!("/customer?phone={PHONE}"),
        &[],
        &[("Authorization", &api_key_header())],
    );
    assert_eq!(a.status, 200, "{}", a.body);
}

#[test]
fn sign_in_sets_strict_http_only_cookies_and_sign_out_ends_the_session() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path());
    let mut b = Browser::new(&server);
    let a = b.login_with(PASSWORD);
    assert_eq!(a.status, 303);
    let session = a
        .set_cookies
        .iter()
        .find(|c| c.starts_with("bp_session="))
        .expect("session cookie");
    for part in ["HttpOnly", "SameSite=Strict", "Path=/cabinet"] {
        assert!(session.contains(part), "{session}");
    }
    // Plain http on loopback: a Secure cookie would never come back.
    assert!(!session.contains("Secure"), "{session}");
    let home = b.get("/cabinet/");
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Сводка"));
    let csrf = field(&home.body, "csrf");
    let saved = b.jar.clone();
    assert_eq!(
        b.post("/cabinet/logout", &[("csrf", &csrf)]).location,
        "/cabinet/login"
    );
    // The old cookie is dead on the server, not only in this jar.
    b.jar = saved;
    assert_eq!(b.get("/cabinet/").location, "/cabinet/login");
}

#[test]
fn forms_without_their_csrf_token_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path());
    seed(&server);
    let before = balance(&server);
    let mut b = Browser::new(&server);
    // Sign-in without the token (or with one not matching its cookie).
    b.get("/cabinet/login");
    let a = b.post("/cabinet/login", &[("password", PASSWORD)]);
    assert_eq!(a.status, 403);
    let a = b.post(
        "/cabinet/login",
        &[("password", PASSWORD), ("csrf", "forged")],
    );
    assert_eq!(a.status, 403);
    assert!(!b.jar.contains_key("bp_session"));
    b.login();
    let form = [
        ("phone", PHONE),
        ("direction", "credit"),
        ("amount", "50"),
        ("reason", "gift"),
    ];
    assert_eq!(b.post("/cabinet/adjust", &form).status, 403);
    let mut forged = form.to_vec();
    forged.push(("csrf", "0123"));
    assert_eq!(b.post("/cabinet/adjust", &forged).status, 403);
    let a = b.post(
        "/cabinet/policy",
        &[("accrualPercent", "50"), ("rate", "1")],
    );
    assert_eq!(a.status, 403);
    assert_eq!(balance(&server), before);
    assert_eq!(server.backend().policies().unwrap().len(), 1);
    // With the token it goes through.
    let csrf = b.csrf();
    let mut good = form.to_vec();
    good.push(("csrf", &csrf));
    let a = b.post("/cabinet/adjust", &good);
    assert_eq!(a.status, 303, "{}", a.body);
    assert_eq!(balance(&server), before + d("50"));
}

#[test]
fn five_wrong_passwords_lock_the_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path());
    let mut b = Browser::new(&server);
    for i in 0..5 {
        let a = b.login_with("wrong password");
        assert_eq!(a.status, 401, "attempt {i}");
    }
    // Now even the right password is refused, and says why.
    let a = b.login_with(PASSWORD);
    assert_eq!(a.status, 429, "{}", a.body);
    assert!(a.body.contains("вход закрыт"), "{}", a.body);
    assert!(!b.jar.contains_key("bp_session"));
    assert_eq!(b.get("/cabinet/").location, "/cabinet/login");
}

/// One HTTP/1.1 exchange on a new connection from `source` (a loopback address of this machine):
/// the status, the `Set-Cookie` pairs and the body.
fn exchange_from(
    source: std::net::Ipv4Addr,
    server: &bonusplus_1c::server::Server,
    request: &str,
) -> (u16, Vec<(String, String)>, String) {
    use socket2::{Domain, Socket, Type};
    use std::io::{Read, Write};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    socket
        .bind(&std::net::SocketAddr::from((source, 0)).into())
        .unwrap();
    socket.connect(&server.addr().into()).unwrap();
    let mut stream: std::net::TcpStream = socket.into();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head.split(' ').nth(1).unwrap_or("0").parse().unwrap_or(0);
    let cookies = head
        .lines()
        .filter_map(|l| l.strip_prefix("set-cookie: "))
        .filter_map(|c| c.split(';').next()?.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    (status, cookies, body.to_string())
}

/// A sign-in from `source`: the login page, then its form with `password`; the answer's status.
fn sign_in_from(
    source: std::net::Ipv4Addr,
    server: &bonusplus_1c::server::Server,
    password: &str,
) -> u16 {
    let (status, cookies, page) = exchange_from(
        source,
        server,
        "GET /cabinet/login HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, 200, "{page}");
    let token = field(&page, "csrf");
    let login_cookie = cookies
        .iter()
        .find(|(k, _)| k == "bp_login")
        .map(|(_, v)| v.clone())
        .expect("the login cookie");
    let form = format!(
        "csrf={}&password={}",
        cabinet_support::enc(&token),
        cabinet_support::enc(password)
    );
    let request = format!(
        "POST /cabinet/login HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\
         Cookie: bp_login={login_cookie}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    );
    exchange_from(source, server, &request).0
}

#[test]
fn the_lockout_is_per_address_so_a_strangers_guesses_do_not_lock_the_owner_out() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path());
    let stranger = std::net::Ipv4Addr::new(127, 0, 0, 2);
    let owner = std::net::Ipv4Addr::new(127, 0, 0, 1);
    for i in 0..5 {
        assert_eq!(sign_in_from(stranger, &server, "guess"), 401, "guess {i}");
    }
    assert_eq!(sign_in_from(stranger, &server, PASSWORD), 429);
    // The owner, at another address, signs in; the stranger stays locked out.
    assert_eq!(sign_in_from(owner, &server, PASSWORD), 303);
    assert_eq!(sign_in_from(stranger, &server, PASSWORD), 429);
}

#[test]
fn hostile_names_stay_text() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path());
    seed(&server);
    let mut b = Browser::new(&server);
    b.login();
    for path in [
        "/cabinet/customers?q=script",
        &format!("/cabinet/customer?phone={PHONE}"),
        "/cabinet/customers?q=%3Cscript%3E",
    ] {
        let a = b.get(path);
        assert_eq!(a.status, 200, "{path}: {}", a.body);
        assert!(
            a.body.contains("&lt;script&gt;alert(1)&lt;"),
            "{path}: {}",
            a.body
        );
        assert!(!a.body.contains("<script"), "{path}");
    }
    // A hostile search term is echoed as text too.
    let a = b.get("/cabinet/customers?q=%22%3E%3Cscript%3Ex");
    assert!(!a.body.contains("<script"));
    // A formula in a name is not run by a spreadsheet opening the export.
    let a = b.get("/cabinet/customers.csv");
    assert!(a.content_type.starts_with("text/csv"));
    assert!(a.body.contains(PHONE));
    // Every page forbids outside resources and scripts.
    let csp = "default-src 'none'";
    let resp = ureq::get(&format!("{}cabinet/login", server.base_url()))
        .call()
        .unwrap();
    let header = resp
        .headers()
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(header.contains(csp), "{header}");
}

#[test]
fn pages_show_the_store_the_api_writes_and_the_adjustment_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path());
    seed(&server);
    let mut b = Browser::new(&server);
    b.login();
    let home = b.get("/cabinet/");
    assert!(home.body.contains("id=\"customers\">1<"), "{}", home.body);
    assert!(home.body.contains("id=\"active\">100.00<"), "{}", home.body);
    assert!(home.body.contains("<svg"));
    let card = b.get(&format!("/cabinet/customer?phone={PHONE}"));
    assert!(card.body.contains("SEED-1"), "{}", card.body);
    assert!(
        card.body.contains("id=\"balance\">100.00<"),
        "{}",
        card.body
    );
    let csrf = field(&card.body, "csrf");
    // A debit larger than the balance is refused with the reason on the page.
    let a = b.post(
        "/cabinet/adjust",
        &[
            ("csrf", &csrf),
            ("phone", PHONE),
            ("direction", "debit"),
            ("amount", "500"),
            ("reason", "too much"),
        ],
    );
    assert_eq!(a.status, 400);
    assert!(a.body.contains("100.00"), "{}", a.body);
    // No reason: refused.
    let a = b.post(
        "/cabinet/adjust",
        &[
            ("csrf", &csrf),
            ("phone", PHONE),
            ("direction", "debit"),
            ("amount", "5"),
            ("reason", " "),
        ],
    );
    assert_eq!(a.status, 400);
    assert_eq!(balance(&server), d("100"));
    let a = b.post(
        "/cabinet/adjust",
        &[
            ("csrf", &csrf),
            ("phone", PHONE),
            ("direction", "debit"),
            ("amount", "30,5"),
            ("reason", "broken promise"),
        ],
    );
    assert_eq!(a.status, 303, "{}", a.body);
    assert_eq!(balance(&server), d("69.50"));
    let card = b.get(&a.location);
    assert!(
        card.body.contains("broken promise") && card.body.contains("-30.50"),
        "{}",
        card.body
    );
    let csv = b.get("/cabinet/ledger.csv");
    assert!(csv.body.contains("\"broken promise\""), "{}", csv.body);
    let report = server.backend().audit().unwrap();
    assert!(report.is_clean(), "{:#?}", report.problems);
    // English when the browser prefers it.
    b.language = "en-US,en;q=0.9,ru;q=0.5";
    assert!(b.get("/cabinet/").body.contains("Dashboard"));
}

#[test]
fn a_policy_edited_in_the_cabinet_drives_the_next_calculation_and_is_in_the_history() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path());
    seed(&server);
    let mut b = Browser::new(&server);
    b.login();
    let page = b.get("/cabinet/policy?index=0");
    let csrf = field(&page.body, "csrf");
    // Every key of the Policy is on the form; the text ones are sent back as shown.
    let texts = POLICY_TEXT_FIELDS;
    for key in [
        "noAccrualWhenPaidWithBonuses",
        "restoreOnReturn",
        "smsControl",
        "confirmPhoneOnRegistration",
    ] {
        assert!(page.body.contains(&format!("name=\"{key}\"")), "{key}");
    }
    let mut form: Vec<(String, String)> = texts
        .iter()
        .map(|k| (k.to_string(), field(&page.body, k)))
        .collect();
    assert_eq!(form[2].1, "10");
    form[2].1 = "25".into();
    form.push(("restoreOnReturn".into(), "on".into()));
    form.push(("csrf".into(), csrf.clone()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let a = b.post("/cabinet/policy", &pairs);
    assert_eq!(a.status, 303, "{}", a.body);
    let policies = server.backend().policies().unwrap();
    assert_eq!(policies.len(), 1);
    assert_eq!(policies[0].accrual_percent, d("25"));
    assert!(policies[0].restore_on_return);
    let order = order("NEXT", Some("0"), vec![line(1, "P1", "200")]);
    let calc = server.backend().calculate(&order).unwrap();
    assert_eq!(
        calc.lines.iter().map(|l| l.bonus_accrual).sum::<Decimal>(),
        d("50")
    );
    let page = b.get("/cabinet/policies");
    assert!(page.body.contains("25"), "{}", page.body);
    assert!(page
        .body
        .split("id=\"history\"")
        .nth(1)
        .unwrap()
        .contains("accrualPercent"));
    // Bad JSON is refused and shown; nothing stored.
    let a = b.post(
        "/cabinet/policy",
        &[("csrf", &csrf), ("policy", r#"{"rate":-1}"#)],
    );
    assert_eq!(a.status, 400);
    assert_eq!(server.backend().policies().unwrap().len(), 1);
}

#[test]
fn under_tls_the_cookies_are_secure() {
    let dir = tempfile::tempdir().unwrap();
    bonusplus_1c::server::cabinet::set_owner_password(dir.path(), PASSWORD).unwrap();
    let server = bonusplus_1c::server::Server::start_with(
        bonusplus_1c::server::ServerConfig {
            listen: "127.0.0.1:0".into(),
            data_dir: dir.path().to_path_buf(),
            api_key: KEY.into(),
        },
        bonusplus_1c::server::ServerOptions {
            tls: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(server.base_url().starts_with("https://"));
    let mut b = Browser::new_tls_unverified(&server);
    let a = b.login_with(PASSWORD);
    assert_eq!(a.status, 303, "{}", a.body);
    let session = a
        .set_cookies
        .iter()
        .find(|c| c.starts_with("bp_session="))
        .expect("session cookie");
    for part in ["Secure", "HttpOnly", "SameSite=Strict"] {
        assert!(session.contains(part), "{session}");
    }
    assert_eq!(b.get("/cabinet/").status, 200);
}

#[test]
fn without_an_owner_password_the_cabinet_stays_closed() {
    let dir = tempfile::tempdir().unwrap();
    let server = bonusplus_1c::server::Server::start(bonusplus_1c::server::ServerConfig {
        listen: "127.0.0.1:0".into(),
        data_dir: dir.path().to_path_buf(),
        api_key: KEY.into(),
    })
    .unwrap();
    let mut b = Browser::new(&server);
    let a = b.login_with("");
    assert_eq!(a.status, 401);
    assert!(a.body.contains("--admin-password-file"), "{}", a.body);
    assert_eq!(b.login_with(KEY).status, 401);
    assert!(!b.jar.contains_key("bp_session"));
    // Too short a password is not stored; the stored one is a hash, private to the server.
    assert!(bonusplus_1c::server::cabinet::set_owner_password(dir.path(), "short").is_err());
    bonusplus_1c::server::cabinet::set_owner_password(dir.path(), PASSWORD).unwrap();
    let path = dir.path().join("cabinet-password");
    let stored = std::fs::read_to_string(&path).unwrap();
    assert!(
        stored.starts_with("$argon2id$") && !stored.contains(PASSWORD),
        "{stored}"
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    b.login();
}

#[test]
fn the_server_log_records_the_owners_changes_without_the_phone_or_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("api-key");
    std::fs::write(&key_file, format!("{KEY}\n")).unwrap();
    let password_file = dir.path().join("owner-password");
    std::fs::write(&password_file, format!("{PASSWORD}\n")).unwrap();
    let server = server_proc::spawn(
        &dir.path().join("data"),
        &key_file,
        &[
            "--listen",
            "127.0.0.1:0",
            "--admin-password-file",
            password_file.to_str().unwrap(),
        ],
        false,
    );
    let (status, body) = server_proc::call(
        &server_proc::agent(),
        KEY,
        "POST",
        &format!("{}customer", server.url),
        Some(&serde_json::json!({"phone": PHONE, "fn": "Анна"})),
    );
    assert_eq!(status, 200, "{body}");

    let mut b = Browser::at(&server.url);
    assert_eq!(b.login_with("not the password").status, 401);
    b.login();
    let csrf = b.csrf();
    let form = |direction: &'static str, amount: &'static str| {
        [
            ("phone", PHONE),
            ("direction", direction),
            ("amount", amount),
            ("reason", "Извинение за очередь"),
        ]
    };
    for (direction, amount) in [("credit", "25"), ("debit", "5")] {
        let mut pairs = vec![("csrf", csrf.as_str())];
        pairs.extend(form(direction, amount));
        let a = b.post("/cabinet/adjust", &pairs);
        assert_eq!(a.status, 303, "{}", a.body);
    }
    // The policy form as the page offers it, with one change.
    let page = b.get("/cabinet/policy");
    let mut form: Vec<(&str, String)> = POLICY_TEXT_FIELDS
        .iter()
        .map(|k| (*k, field(&page.body, k)))
        .collect();
    form[2].1 = "7".into();
    form.push(("csrf", csrf.clone()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let a = b.post("/cabinet/policy", &pairs);
    assert_eq!(a.status, 303, "{}", a.body);

    let wait_for = |needle: &str| {
        for _ in 0..100 {
            if server.log.lock().unwrap().contains(needle) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("{needle:?} not in the log:\n{}", server.log.lock().unwrap());
    };
    wait_for("cabinet: a wrong password");
    let last4 = &PHONE[PHONE.len() - 4..];
    wait_for(&format!(
        "cabinet: a manual credit of 25 for the customer ...{last4}"
    ));
    wait_for(&format!(
        "cabinet: a manual debit of 5 for the customer ...{last4}"
    ));
    wait_for("cabinet: a policy saved");
    let log = server.log.lock().unwrap().clone();
    for secret in [PHONE, PASSWORD, KEY, "not the password"] {
        assert!(!log.contains(secret), "{secret:?} in the log:\n{log}");
    }
}
