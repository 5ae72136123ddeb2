//! Loading the certificate and key for `serve --tls-cert/--tls-key`.

use std::path::Path;

pub(crate) fn acceptor(cert: &Path, key: &Path) -> anyhow::Result<containment_web::TlsAcceptor> {
    containment_web::tls_acceptor(cert, key).map_err(anyhow::Error::msg)
}
