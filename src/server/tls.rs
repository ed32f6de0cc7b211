//! The server's TLS identity on the LAN: a self-signed certificate and its key, created in the
//! data folder on first start (rcgen) and kept, so the fingerprint the tills pin stays the same
//! across restarts. Clients trust it by that SHA-256 fingerprint (`ServerCertificate`), not by
//! a name or a CA: a shop's own server has neither.

use super::{files, setup_error};
use crate::error::Result;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;
use std::sync::Arc;

pub const CERT_FILE: &str = "server-cert.pem";
pub const KEY_FILE: &str = "server-key.pem";

pub(crate) struct Identity {
    pub config: Arc<rustls::ServerConfig>,
    /// `AB:CD:…` (SHA-256 of the certificate's DER).
    pub fingerprint: String,
}

/// The SHA-256 of a DER certificate as upper-case hex pairs joined by colons.
pub fn fingerprint(der: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, der);
    digest
        .as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn create(cert_path: &Path, key_path: &Path) -> Result<()> {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_else(|| "bonusplus-server".to_owned());
    let names = vec![host, "localhost".to_owned()];
    let certified =
        rcgen::generate_simple_self_signed(names).map_err(|e| setup_error("TLS certificate", e))?;
    // The key first, private from its first byte.
    files::private_file(key_path)?;
    std::fs::write(key_path, certified.signing_key.serialize_pem())
        .map_err(|e| setup_error("TLS key", e))?;
    files::private_file(cert_path)?;
    std::fs::write(cert_path, certified.cert.pem()).map_err(|e| setup_error("TLS certificate", e))
}

pub(crate) fn load_or_create(dir: &Path) -> Result<Identity> {
    let cert_path = dir.join(CERT_FILE);
    let key_path = dir.join(KEY_FILE);
    if !cert_path.exists() || !key_path.exists() {
        create(&cert_path, &key_path)?;
    }
    let cert = CertificateDer::from_pem_file(&cert_path)
        .map_err(|e| setup_error(&cert_path.display().to_string(), e))?;
    let key = PrivateKeyDer::from_pem_file(&key_path)
        .map_err(|e| setup_error(&key_path.display().to_string(), e))?;
    let fingerprint = fingerprint(&cert);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| setup_error("TLS", e))?
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .map_err(|e| setup_error("TLS", e))?;
    Ok(Identity {
        config: Arc::new(config),
        fingerprint,
    })
}
