//! The loyalty server's start: its key, address and files. (Its cabinet has its own catalogue;
//! its API answers speak the real service's words.)

use super::{texts, Msg};
use std::fmt::Display;

texts! {
    API_KEY_REQUIRED =
        "Серверу нужен ключ API (--api-key-file или BONUSPLUS_API_KEY)",
        "The server needs an API key (--api-key-file or BONUSPLUS_API_KEY)";
}

/// `what`: the setting or file that failed (`listen`, `data folder`, a path).
pub fn setup_failed(what: &str, e: impl Display) -> Msg {
    Msg::new(
        format!("Сервер: {what}: {e}"),
        format!("Server: {what}: {e}"),
    )
}

pub fn plain_http_loopback_only(listen: &str) -> Msg {
    Msg::new(
        format!(
            "Без --tls сервер слушает только loopback (127.0.0.1): {listen} — для ЛВС нужен --tls"
        ),
        format!(
            "Without --tls the server listens on loopback only (127.0.0.1): {listen} needs --tls"
        ),
    )
}
