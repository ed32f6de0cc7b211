//! The sign-in lockout, per client: after [`MAX_FAILURES`] wrong passwords in a row from one
//! address, no sign-in from that address is accepted (not even the right password) for
//! [`LOCKOUT`].
//!
//! Per address, so a stranger's guesses cannot lock the owner out of the cabinet from the shop's
//! own computer. An IPv6 client is counted by its /64, because one host usually holds a whole /64
//! and could otherwise take a fresh address for every guess. Behind a reverse proxy every client
//! has the proxy's address, and the lockout is shared by all of them.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const MAX_FAILURES: u32 = 5;
pub const LOCKOUT: Duration = Duration::from_secs(15 * 60);
/// The most clients tracked at once; beyond it the stalest unlocked record is forgotten.
const MAX_TRACKED: usize = 4096;

/// What a sign-in attempt from a client may do now.
#[derive(Debug, PartialEq, Eq)]
pub enum Gate {
    Open,
    Locked,
}

/// The part of an address that the lockout counts: the whole IPv4 address, an IPv6 /64.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Client {
    V4(u32),
    V6(u64),
}

impl From<IpAddr> for Client {
    fn from(ip: IpAddr) -> Client {
        match ip {
            IpAddr::V4(v4) => Client::V4(u32::from(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Client::V4(u32::from(v4)),
                None => Client::V6((u128::from(v6) >> 64) as u64),
            },
        }
    }
}

struct Record {
    failures: u32,
    locked_until: Option<Instant>,
    last_failure: Instant,
}

#[derive(Default)]
pub struct Lockout {
    records: Mutex<HashMap<Client, Record>>,
}

impl Lockout {
    fn records(&self) -> std::sync::MutexGuard<'_, HashMap<Client, Record>> {
        self.records.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn gate(&self, client: IpAddr) -> Gate {
        self.gate_at(client, Instant::now())
    }

    pub fn failed(&self, client: IpAddr) {
        self.failed_at(client, Instant::now());
    }

    /// A right password: the client's count of wrong ones starts again.
    pub fn succeeded(&self, client: IpAddr) {
        self.records().remove(&Client::from(client));
    }

    fn gate_at(&self, client: IpAddr, now: Instant) -> Gate {
        let mut records = self.records();
        let key = Client::from(client);
        match records.get(&key).and_then(|r| r.locked_until) {
            Some(until) if now < until => Gate::Locked,
            Some(_) => {
                records.remove(&key);
                Gate::Open
            }
            None => Gate::Open,
        }
    }

    fn failed_at(&self, client: IpAddr, now: Instant) {
        let mut records = self.records();
        let key = Client::from(client);
        if !records.contains_key(&key) && records.len() >= MAX_TRACKED {
            forget_stalest(&mut records, now);
        }
        let record = records.entry(key).or_insert(Record {
            failures: 0,
            locked_until: None,
            last_failure: now,
        });
        record.failures += 1;
        record.last_failure = now;
        if record.failures >= MAX_FAILURES {
            record.locked_until = Some(now + LOCKOUT);
        }
    }
}

/// Makes room for one more client: expired locks first, then the unlocked client whose last wrong
/// password is the oldest. A client still locked out is forgotten only when every record is one.
fn forget_stalest(records: &mut HashMap<Client, Record>, now: Instant) {
    records.retain(|_, r| r.locked_until.is_none_or(|until| until > now));
    if records.len() < MAX_TRACKED {
        return;
    }
    let stalest = records
        .iter()
        .min_by_key(|(_, r)| (r.locked_until.is_some(), r.last_failure))
        .map(|(k, _)| *k);
    if let Some(key) = stalest {
        records.remove(&key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn five_wrong_passwords_lock_that_client_only_and_for_a_while() {
        let lockout = Lockout::default();
        let t0 = Instant::now();
        for i in 0..MAX_FAILURES - 1 {
            lockout.failed_at(ip("203.0.113.7"), t0);
            assert_eq!(lockout.gate_at(ip("203.0.113.7"), t0), Gate::Open, "{i}");
        }
        lockout.failed_at(ip("203.0.113.7"), t0);
        assert_eq!(lockout.gate_at(ip("203.0.113.7"), t0), Gate::Locked);
        // The shop's own computer still signs in.
        assert_eq!(lockout.gate_at(ip("192.168.1.10"), t0), Gate::Open);
        let almost = t0 + LOCKOUT - Duration::from_secs(1);
        assert_eq!(lockout.gate_at(ip("203.0.113.7"), almost), Gate::Locked);
        // After the lockout the count starts again: one more wrong password does not lock.
        let after = t0 + LOCKOUT;
        assert_eq!(lockout.gate_at(ip("203.0.113.7"), after), Gate::Open);
        lockout.failed_at(ip("203.0.113.7"), after);
        assert_eq!(lockout.gate_at(ip("203.0.113.7"), after), Gate::Open);
    }

    #[test]
    fn a_right_password_resets_the_count() {
        let lockout = Lockout::default();
        let t0 = Instant::now();
        for _ in 0..MAX_FAILURES - 1 {
            lockout.failed_at(ip("10.0.0.5"), t0);
        }
        lockout.succeeded(ip("10.0.0.5"));
        for _ in 0..MAX_FAILURES - 1 {
            lockout.failed_at(ip("10.0.0.5"), t0);
        }
        assert_eq!(lockout.gate_at(ip("10.0.0.5"), t0), Gate::Open);
    }

    #[test]
    fn an_ipv6_host_is_counted_by_its_64_and_a_mapped_ipv4_as_ipv4() {
        let lockout = Lockout::default();
        let t0 = Instant::now();
        for i in 0..MAX_FAILURES {
            lockout.failed_at(ip(&format!("2001:db8:1:2::{:x}", i + 1)), t0);
        }
        assert_eq!(lockout.gate_at(ip("2001:db8:1:2::ffff"), t0), Gate::Locked);
        assert_eq!(lockout.gate_at(ip("2001:db8:1:3::1"), t0), Gate::Open);
        for _ in 0..MAX_FAILURES {
            lockout.failed_at(ip("::ffff:198.51.100.4"), t0);
        }
        assert_eq!(lockout.gate_at(ip("198.51.100.4"), t0), Gate::Locked);
    }

    #[test]
    fn a_flood_of_clients_stays_bounded_and_keeps_the_locked_ones() {
        let lockout = Lockout::default();
        let t0 = Instant::now();
        for _ in 0..MAX_FAILURES {
            lockout.failed_at(ip("203.0.113.7"), t0);
        }
        for n in 0..(MAX_TRACKED as u32 + 100) {
            let addr = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + n));
            lockout.failed_at(addr, t0 + Duration::from_millis(1 + u64::from(n)));
        }
        assert!(lockout.records().len() <= MAX_TRACKED);
        assert_eq!(lockout.gate_at(ip("203.0.113.7"), t0), Gate::Locked);
    }
}
