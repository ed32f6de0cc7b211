//! The main job: a checkout at the till, through the real C ABI, on the built-in loyalty engine.
//!
//! Builds the add-in (`.so`), compiles our C++ host (g++), and has the host load the library with
//! dlopen and call it through its vtables the way 1C does, in a fresh temporary data directory:
//! register a customer, earn bonuses with a first sale, find the card, calculate the
//! 3000 / 3120 / 2040 order paying 100 bonuses, print the order table as the 1C form shows it,
//! reserve the bonuses (order posted), fix the sale (sale document posted) and print the bonus info.
//!
//!     cargo run --release --example checkout
//!     cargo run --release --example checkout -- --server http://127.0.0.1:8080/ --api-key KEY
//!
//! The second form points it at a BonusPlus server instead (cloud mode); so do the environment
//! variables BONUSPLUS_SERVER and BONUSPLUS_API_KEY.

#[path = "../tests/support/host.rs"]
mod host_support;
#[path = "../tests/support/session.rs"]
mod session;

use serde_json::{json, Value};
use session::{Arg, Session};

const PHONE: &str = "+7 (900) 111-22-33";
const CARD: &str = "4601234567893";

fn main() {
    if let Err(e) = run() {
        eprintln!("checkout failed: {e}");
        std::process::exit(1);
    }
}

fn money(v: &Value) -> String {
    // Decimals arrive as exact JSON numbers; show them with kopecks.
    let text = v.to_string();
    match text.split_once('.') {
        Some((whole, frac)) => format!("{whole}.{:0<2}", frac),
        None => format!("{text}.00"),
    }
}

fn run() -> Result<(), String> {
    let mut cli = std::env::args().skip(1);
    let mut server = std::env::var("BONUSPLUS_SERVER").ok();
    let mut api_key = std::env::var("BONUSPLUS_API_KEY").ok();
    while let Some(arg) = cli.next() {
        match arg.as_str() {
            "--server" => server = cli.next(),
            "--api-key" => api_key = cli.next(),
            other => {
                return Err(format!(
                    "unknown argument {other}; see the example's header"
                ))
            }
        }
    }

    let work = std::env::temp_dir().join(format!("bonusplus-checkout-{}", std::process::id()));
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let data_dir = work.join("data");
    let library = host_support::addin_library();
    let host = host_support::build_host(&work, true);
    println!("add-in: {}", library.display());
    println!("data directory: {}\n", data_dir.display());

    let mut bp = Session::start(&host, &library, "BonusPlus");
    bp.set("КаталогДанных", Arg::Str(data_dir.display().to_string()))?;
    bp.set("Магазин", "Магазин на Ленина".into())?;
    bp.set("КодКассира", "7".into())?;
    match &server {
        Some(url) => {
            bp.set("Режим", "cloud".into())?;
            bp.set("АдресСервера", url.as_str().into())?;
            bp.set("КлючAPI", api_key.clone().unwrap_or_default().into())?;
            println!("mode: cloud, server {url}");
        }
        None => {
            // The built-in program: 1 % of what is paid comes back as bonuses, active at once,
            // valid for ten years.
            bp.call(
                "УстановитьПолитику",
                &[json!({"accrualPercent": 1, "rate": 1, "expiryDays": 3650})
                    .to_string()
                    .into()],
            )?;
            println!(
                "mode: embedded (built-in loyalty engine), policy: accrual 1 %, 1 bonus = 1 ₽, bonuses expire after 3650 days"
            );
        }
    }
    println!("{}", bp.call_json("ПроверитьПодключение", &[])?);

    // 1. A new customer.
    let reg = bp.call_json(
        "ЗарегистрироватьКлиента",
        &[
            PHONE.into(),
            CARD.into(),
            json!({"firstName": "Иван", "lastName": "Иванов", "middleName": "Иванович"})
                .to_string()
                .into(),
        ],
    )?;
    let phone = reg["customer"]["phone"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    println!(
        "\n1. registered {} (card {}), created: {}",
        phone, reg["customer"]["cardNumber"], reg["created"]
    );

    // 2. A first purchase earns bonuses.
    let first = json!({
        "documentId": "РТУ-000001", "phone": phone, "date": "2021-01-10T12:00:00", "bonusDebit": 0,
        "lines": [{"lineNo": 1, "product": "00-00000099", "name": "Кондиционер", "quantity": 1, "price": 10000, "sum": 10000}]
    });
    let sale = bp.call_json("ЗафиксироватьПродажу", &[first.to_string().into()])?;
    println!(
        "2. first sale {}: accrued {} bonuses",
        sale["documentId"], sale["bonusAccrued"]
    );

    // 3. The next visit: the card is scanned.
    let scan = bp.call_json(
        "РазобратьСканирование",
        &[format!("\u{2}{CARD}\r\n").into()],
    )?;
    let found = bp.call_json(
        "НайтиКарту",
        &[scan["value"].as_str().unwrap_or_default().into(), "".into()],
    )?;
    let customer = &found["customer"];
    println!(
        "3. card {} found: {}, available bonuses {}",
        customer["cardNumber"], customer["holder"], customer["availableBonuses"]
    );
    // The cashier's screen and the receipt: the next card level and the nearest expiry.
    match customer["nextLevelName"].as_str().filter(|n| !n.is_empty()) {
        Some(level) => println!(
            "   next level: {level}, purchases still needed {}",
            money(&customer["sumToNextLevel"])
        ),
        None => println!("   next level: none (the loyalty program has no further card level)"),
    }
    match customer["expiringBonuses"].as_object() {
        Some(e) => println!(
            "   expiring bonuses: {} on {}",
            e["amount"],
            e["date"].as_str().unwrap_or("").get(..10).unwrap_or("")
        ),
        None => println!("   expiring bonuses: none"),
    }

    // 4. The order, paying 100 bonuses.
    let order = json!({
        "documentId": "ЗК-000001", "phone": phone, "cardNumber": CARD, "useBonuses": true, "bonusDebit": 100,
        "date": "2021-01-15T15:49:30",
        "lines": [
            {"lineNo": 1, "product": "00-00000012", "name": "Вентилятор настольный", "quantity": 1, "price": 3000, "sum": 3000},
            {"lineNo": 2, "product": "00-00000013", "name": "Обогреватель масляный", "quantity": 2, "price": 1560, "sum": 3120},
            {"lineNo": 3, "product": "00-00000014", "name": "Чайник электрический", "quantity": 1, "price": 2040, "sum": 2040}
        ]
    });
    let calc = bp.call_json("РассчитатьСкидки", &[order.to_string().into()])?;
    println!(
        "4. order {}: the 1C form after «БонусПлюс»\n",
        calc["documentId"]
    );
    println!(
        "   {:<3} {:<24} {:>10} {:>8} {:>11} {:>10}",
        "N", "Товар", "Сумма", "% руч.", "Сумма руч.", "Сумма"
    );
    let names: Vec<&str> = order["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap_or(""))
        .collect();
    for (line, name) in calc["lines"]
        .as_array()
        .ok_or("no lines")?
        .iter()
        .zip(names)
    {
        println!(
            "   {:<3} {:<24} {:>10} {:>8} {:>11} {:>10}",
            line["lineNo"].to_string(),
            name,
            money(&line["sum"]),
            money(&line["discountPercent"]),
            money(&line["discountSum"]),
            money(&line["sumAfter"])
        );
    }
    println!(
        "   {:<3} {:<24} {:>10} {:>8} {:>11} {:>10}\n",
        "",
        "Итого",
        money(&calc["documentSum"]),
        "",
        money(&calc["totalDiscount"]),
        money(&calc["toPay"])
    );
    println!(
        "   bonuses paid {} (max {}), to pay {}, bonuses to accrue {}",
        calc["bonusDebit"],
        calc["maxBonusDebit"],
        money(&calc["toPay"]),
        calc["bonusAccrual"]
    );

    // 5. The order is posted: the bonuses are held.
    bp.call(
        "ЗарезервироватьБонусы",
        &["ЗК-000001".into(), phone.as_str().into(), Arg::Int(100)],
    )?;
    let held = bp.call_json("НайтиКарту", &["".into(), phone.as_str().into()])?;
    println!(
        "5. reserved: available {}, reserved {}",
        held["customer"]["availableBonuses"], held["customer"]["reservedBonuses"]
    );

    // 6. The sale document is posted: the sale is fixed, consuming the reserve.
    let mut sale = order.clone();
    sale["documentId"] = json!("РТУ-000002");
    sale["reserveId"] = json!("ЗК-000001");
    let fixed = bp.call_json("ЗафиксироватьПродажу", &[sale.to_string().into()])?;
    println!(
        "6. sale {} {}: debited {}, accrued {}; balance now {}",
        fixed["documentId"],
        fixed["status"],
        fixed["bonusDebited"],
        fixed["bonusAccrued"],
        fixed["customer"]["availableBonuses"]
    );
    let again = bp.call_json("ЗафиксироватьПродажу", &[sale.to_string().into()])?;
    println!(
        "   fixed again (re-posting): same result: {}",
        again == fixed
    );

    // 7. «Информация по бонусам».
    let info = bp.call_json("ИнформацияОБонусах", &["РТУ-000002".into()])?;
    println!("7. bonus info: {info}");

    let ending = bp.finish();
    println!(
        "\nhost: every block the add-in handed over was freed: {} (live {}, bad frees {})",
        ending.live_blocks == 0 && ending.bad_frees == 0,
        ending.live_blocks,
        ending.bad_frees
    );
    let _ = std::fs::remove_dir_all(&work);
    if ending.live_blocks != 0 || ending.bad_frees != 0 {
        return Err("memory accounting failed".into());
    }
    Ok(())
}
