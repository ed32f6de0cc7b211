//! `bonusplus-probe`: asks a real BonusPlus account the API's open questions that decide money
//! (`../shared/spec/bonusplus-api.md` §9 Q1–Q4 and §11) and prints one table of answers. Run it
//! once, with a test customer, before going live. It posts two tiny test sales (10 roubles), makes
//! one reserve of 1 bonus when the customer has one, and undoes all of it: the sales are returned
//! and the reserve released.
//!
//! The key is read from `BONUSPLUS_API_KEY` or `--key-file FILE`, never from the command line
//! (a process list shows arguments to every user).

use bonusplus_1c::backend::cloud::http::{Body, Client, Failure, Transport};
use bonusplus_1c::backend::cloud::ApiKey;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const USAGE: &str = "\
bonusplus-probe --phone 7XXXXXXXXXX [--server URL] [--key-file FILE] [--timeout SECONDS]

Asks a BonusPlus account the questions the add-in's money rules depend on and prints a table.
The key comes from BONUSPLUS_API_KEY or --key-file (never from the command line).
The test customer must exist; two 10-rouble sales are posted and returned, a reserve of 1 bonus
is made and released.";

struct Probe {
    client: Client,
    timeout: Duration,
    phone: String,
    tag: String,
    rows: Vec<(String, String, String)>,
    /// Test sales to return: (line ext, sale id).
    cleanup: Vec<(String, String)>,
}

fn id_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// A JSON number as an exact decimal (the probe compares the service's figures, never floats).
fn num(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => Decimal::from_str(&n.to_string()).ok(),
        _ => None,
    }
}

fn failure_text(f: &Failure) -> String {
    let code = f.error.service_code.clone().unwrap_or_default();
    format!(
        "HTTP {} {code} {}",
        f.status.map_or("-".into(), |s| s.to_string()),
        f.error.message_en
    )
}

impl Probe {
    fn call(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Value>,
    ) -> Result<Value, Failure> {
        let body = match &body {
            Some(v) => Body::Json(v),
            None if method == "GET" => Body::None,
            None => Body::Empty,
        };
        let answer = self.client.call(method, path, query, body, self.timeout)?;
        if answer.body.trim().is_empty() {
            Ok(Value::Null)
        } else {
            answer.json("probe")
        }
    }

    fn row(&mut self, question: &str, answer: String, assumption: &str) {
        self.rows.push((question.into(), answer, assumption.into()));
    }

    fn customer(&self, key: &str, value: &str) -> Result<Value, Failure> {
        self.call("GET", "customer", &[(key, value)], None)
    }

    fn retail(&self, external_id: &str, ext: &str, extra: Value) -> Result<Value, Failure> {
        let mut body = json!({
            "phone": self.phone, "bonusDebit": 0, "externalId": external_id,
            "desc": format!("1C:{external_id}"),
            "items": [{"sum": 10, "qnt": 1, "product": "bonusplus-probe", "ext": ext, "ds": 0}]
        });
        if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
            b.extend(e);
        }
        self.call("POST", "retail", &[], Some(body))
    }

    fn q1_card_lookup(&mut self, card: &str) {
        if card.is_empty() {
            self.row(
                "Q1 GET customer?ean=",
                "not asked: the test customer has no card".into(),
                "card first, then phone",
            );
            return;
        }
        let found = |r: Result<Value, Failure>| match r {
            Ok(_) => "found".to_owned(),
            Err(f) => format!("not found ({})", failure_text(&f)),
        };
        let whole = found(self.customer("ean", card));
        let short = found(self.customer("ean", &card[..card.len() - 1]));
        self.row("Q1 ean = the card number", whole, "found");
        self.row("Q1 ean without its check digit", short, "not relied on");
    }

    fn q2_external_id(&mut self) {
        let external = format!("probe-{}", self.tag);
        let ext = format!("{external}-1");
        let first = self.retail(&external, &ext, json!({}));
        let second = self.retail(&external, &ext, json!({}));
        let answer = match (&first, &second) {
            (Ok(a), Ok(b)) if id_text(&a["id"]) == id_text(&b["id"]) => {
                "de-duplicated: the repeat answers the first sale's id".to_owned()
            }
            (Ok(_), Ok(_)) => "NOT de-duplicated: the repeat is a second sale".to_owned(),
            (Ok(_), Err(f)) => format!("the repeat is refused: {}", failure_text(f)),
            (Err(f), _) => format!("the test sale failed: {}", failure_text(f)),
        };
        for r in [&first, &second].into_iter().flatten() {
            let id = id_text(&r["id"]);
            if !self.cleanup.iter().any(|(_, known)| *known == id) {
                self.cleanup.push((ext.clone(), id));
            }
        }
        self.row(
            "Q2 a repeated externalId",
            answer,
            "never relied on: at most once by the outbox",
        );
        let listed = match self.call(
            "POST",
            "retail/bonusActivities",
            &[],
            Some(json!({"phone": self.phone, "rowCount": 50, "startRow": 1, "sort": -1})),
        ) {
            Ok(v) => {
                let marker = format!("1C:{external}");
                let list = v["bonusActivities"].as_array().cloned().unwrap_or_default();
                let shows = list.iter().any(|a| {
                    a["description"]
                        .as_str()
                        .is_some_and(|d| d.contains(&marker))
                        || a["externalId"].as_str() == Some(external.as_str())
                });
                if shows {
                    "yes: the receipt's desc/externalId is listed".to_owned()
                } else {
                    format!("no ({} activities, none with the marker)", list.len())
                }
            }
            Err(f) => format!("cannot ask: {}", failure_text(&f)),
        };
        self.row(
            "§11 retail/bonusActivities shows the sale's desc",
            listed,
            "yes: it is the evidence that settles an uncertain sale (else the operator does)",
        );
    }

    fn q3_reserve(&mut self, available: Decimal) {
        if available < Decimal::ONE {
            self.row(
                "Q3 a sale naming reserveId",
                "not asked: the test customer has no bonus to reserve".into(),
                "consumed or kept: the add-in releases it after the sale either way",
            );
            return;
        }
        let id = format!("probe-res-{}", self.tag);
        let path = format!("customer/{}/balance/reserve", self.phone);
        if let Err(f) = self.call("PATCH", &path, &[], Some(json!({"id": id, "amount": 1}))) {
            self.row(
                "Q3 a sale naming reserveId",
                format!("reserve refused: {}", failure_text(&f)),
                "",
            );
            return;
        }
        let external = format!("probe-r-{}", self.tag);
        let ext = format!("{external}-1");
        let sold = self.retail(&external, &ext, json!({"bonusDebit": 1, "reserveId": id}));
        let answer = match &sold {
            Ok(sale) => {
                self.cleanup.push((ext.clone(), id_text(&sale["id"])));
                match self.call("GET", &format!("{path}/{id}"), &[], None) {
                    Ok(v) if num(&v["amount"]).unwrap_or_default() > Decimal::ZERO => {
                        "kept: the reserve is still held after the sale".to_owned()
                    }
                    Ok(_) => "consumed: the reserve holds 0 after the sale".to_owned(),
                    Err(f) if f.is_not_found() => {
                        "consumed: the reserve is gone after the sale".to_owned()
                    }
                    Err(f) => format!("unknown: {}", failure_text(&f)),
                }
            }
            Err(f) => format!("the sale was refused: {}", failure_text(f)),
        };
        let _ = self.call(
            "DELETE",
            "customer/balance/reserve",
            &[],
            Some(json!({"id": id})),
        );
        self.row(
            "Q3 a sale naming reserveId",
            answer,
            "either: the add-in releases the reserve after a confirmed sale",
        );
    }

    fn q4_discounts(&mut self) {
        let ask = |ds: u32| {
            self.call(
                "PUT",
                "retail/calc",
                &[],
                Some(json!({"phone": self.phone, "bonusDebit": 0,
                    "items": [{"sum": 100, "qnt": 1, "product": "bonusplus-probe", "ext": "1", "ds": ds}]})),
            )
        };
        match (ask(0), ask(10)) {
            (Ok(plain), Ok(with)) => {
                let line = |v: &Value, k: &str| v["discount"][0][k].clone();
                let text = |v: &Value| {
                    format!(
                        "ds {} ids {} dp {} idp {}",
                        line(v, "ds"),
                        line(v, "ids"),
                        line(v, "dp"),
                        line(v, "idp")
                    )
                };
                let (ds0, ds10) = (num(&line(&plain, "ds")), num(&line(&with, "ds")));
                let ids10 = num(&line(&with, "ids"));
                let verdict = match (ds0, ds10, ids10) {
                    (_, Some(ds), Some(ids)) if ds - ids == Decimal::TEN => {
                        "ds INCLUDES the discount sent in (ds = ids + 10)"
                    }
                    (_, Some(ds), Some(ids)) if ds == ids => {
                        "ds is the service's own discount (= ids)"
                    }
                    (Some(a), Some(b), None) if b - a == Decimal::TEN => {
                        "ds INCLUDES the discount sent in (no ids)"
                    }
                    (Some(a), Some(b), None) if b == a => {
                        "ds is the service's own discount (no ids)"
                    }
                    _ => "ds changes otherwise: compare the figures",
                };
                self.row(
                    "§11 ds vs ids (sent ds 0 / ds 10)",
                    format!("{verdict}; {} / {}", text(&plain), text(&with)),
                    "loyalty discount = ids (else ds); lines go out net with ds 0",
                );
                self.row(
                    "Q4 RetailItem.sum before or after ds",
                    format!("with ds 10 the service answered {}", text(&with)),
                    "net sums are sent, so it does not matter",
                );
            }
            (Err(f), _) | (_, Err(f)) => {
                self.row(
                    "§11 ds vs ids",
                    format!("cannot ask: {}", failure_text(&f)),
                    "",
                );
            }
        }
    }

    /// Returns every test sale line in full: the paid sum is read back from `GET retail/{id}`.
    fn clean_up(&mut self) {
        let mut notes = Vec::new();
        for (ext, id) in std::mem::take(&mut self.cleanup) {
            let paid = self
                .call("GET", &format!("retail/{id}"), &[], None)
                .ok()
                .and_then(|sale| {
                    let positions = sale["positions"].as_array().cloned().unwrap_or_default();
                    positions
                        .iter()
                        .find(|p| p["ext"].as_str() == Some(ext.as_str()))
                        .and_then(|p| num(&p["totalSum"]).or_else(|| num(&p["sum"])))
                })
                .unwrap_or(Decimal::TEN);
            match self.call(
                "PUT",
                "retail/back",
                &[],
                Some(json!({"ext": ext, "sum": paid})),
            ) {
                Ok(_) => notes.push(format!("{ext} returned")),
                Err(f) => notes.push(format!("{ext}: {}", failure_text(&f))),
            }
        }
        let text = if notes.is_empty() {
            "nothing to undo".into()
        } else {
            notes.join("; ")
        };
        self.row("clean-up", text, "");
    }

    fn print(&self) {
        let w0 = self
            .rows
            .iter()
            .map(|r| r.0.chars().count())
            .max()
            .unwrap_or(0);
        let w1 = self
            .rows
            .iter()
            .map(|r| r.1.chars().count())
            .max()
            .unwrap_or(0);
        for (q, a, s) in &self.rows {
            let pad = |t: &str, w: usize| format!("{t}{}", " ".repeat(w - t.chars().count()));
            println!("{} | {} | {}", pad(q, w0), pad(a, w1), s);
        }
    }
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return;
    }
    if args.iter().any(|a| a == "--api-key" || a == "--key") {
        eprintln!(
            "The key is never taken from the command line: set BONUSPLUS_API_KEY or use --key-file"
        );
        std::process::exit(2);
    }
    let key = match arg(&args, "--key-file") {
        Some(file) => std::fs::read_to_string(file).unwrap_or_default(),
        None => std::env::var("BONUSPLUS_API_KEY").unwrap_or_default(),
    };
    let Some(phone) =
        arg(&args, "--phone").and_then(|p| bonusplus_1c::phone::normalize_phone(&p).ok())
    else {
        eprintln!("{USAGE}");
        std::process::exit(2);
    };
    let server = arg(&args, "--server").unwrap_or_else(|| "https://bonusplus.pro/api/".into());
    let timeout = Duration::from_secs(
        arg(&args, "--timeout")
            .and_then(|t| t.parse().ok())
            .unwrap_or(20),
    );
    let client = match Client::new(&server, &ApiKey::new(key.trim()), timeout) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{}", e.message_en);
            std::process::exit(2);
        }
    };
    let tag = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        .to_string();
    let mut probe = Probe {
        client,
        timeout,
        phone,
        tag,
        rows: Vec::new(),
        cleanup: Vec::new(),
    };
    let customer = match probe.customer("phone", &probe.phone.clone()) {
        Ok(c) => c,
        Err(f) => {
            eprintln!("The test customer could not be read: {}", failure_text(&f));
            std::process::exit(1);
        }
    };
    probe.row(
        "Q5 an unknown phone",
        match probe.customer("phone", "70000000000") {
            Ok(_) => "found (?)".into(),
            Err(f) => failure_text(&f),
        },
        "412 CUSTOMER_NOT_FOUND or 404: not found",
    );
    let card = customer["discountCardNumber"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    probe.q1_card_lookup(&card);
    probe.q4_discounts();
    probe.q2_external_id();
    probe.q3_reserve(num(&customer["availableBonuses"]).unwrap_or_default());
    probe.clean_up();
    probe.print();
}
