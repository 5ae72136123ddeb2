//! E-mail for reminders, over SMTP to the agency's mail relay. Messages name the rule and the
//! case number only, never a supervisee, since mail leaves the system's control. They travel
//! encrypted: `smtp://` upgrades with STARTTLS (and gives up when the relay does not offer it),
//! `smtps://` speaks TLS from the first byte; the relay's certificate is checked against the
//! public roots and an optional CA file. Plain SMTP only when the operator says so.

use secrecy::{ExposeSecret, SecretString};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use containment_domain::Email;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

/// How long one SMTP exchange may take before it is abandoned (and retried by a later run).
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailSecurity {
    /// `smtp://`: plain connect, then STARTTLS before anything else; no STARTTLS, no mail.
    StartTls,
    /// `smtps://`: TLS from the first byte (port 465 by default).
    Tls,
    /// `smtp://` with `--smtp-insecure`: no encryption at all.
    Plain,
}

/// Where and as whom reminders are sent.
#[derive(Debug, Clone)]
pub struct MailConfig {
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    /// Kept out of `Debug` and logs.
    pub password: Option<SecretString>,
    pub from: Email,
    /// The address people reach the application at, for links in messages.
    pub public_url: String,
    pub security: MailSecurity,
    tls: Arc<ClientConfig>,
}

impl MailConfig {
    /// Reads `smtp://[user[:password]@]host[:port]` (STARTTLS, port 25 by default) or
    /// `smtps://...` (TLS, port 465 by default).
    pub fn parse(url: &str, from: &str, public_url: &str) -> Result<Self, String> {
        let url = url.trim();
        let (rest, security, default_port) = if let Some(r) = url.strip_prefix("smtps://") {
            (r, MailSecurity::Tls, 465)
        } else if let Some(r) = url.strip_prefix("smtp://") {
            (r, MailSecurity::StartTls, 25)
        } else {
            return Err(
                "the SMTP address must start with smtp:// (STARTTLS) or smtps:// (TLS)".into(),
            );
        };
        let rest = rest.trim_end_matches('/');
        let (credentials, host_port) = match rest.rsplit_once('@') {
            Some((c, h)) => (Some(c), h),
            None => (None, rest),
        };
        let (username, password) = match credentials {
            Some(c) => match c.split_once(':') {
                Some((u, p)) => (
                    Some(percent_decode(u)),
                    Some(SecretString::from(percent_decode(p))),
                ),
                None => (Some(percent_decode(c)), None),
            },
            None => (None, None),
        };
        let (host, port) = match host_port.rsplit_once(':') {
            Some((h, p)) => (
                h.to_owned(),
                p.parse::<u16>()
                    .map_err(|_| format!("\"{p}\" is not a port number"))?,
            ),
            None => (host_port.to_owned(), default_port),
        };
        if host.is_empty() {
            return Err("the SMTP address has no host".into());
        }
        let from = Email::parse(from).map_err(|e| format!("sender: {e}"))?;
        Ok(MailConfig {
            host,
            port,
            username,
            password,
            from,
            public_url: public_url.trim().trim_end_matches('/').to_owned(),
            security,
            tls: tls_config(Vec::new())?,
        })
    }

    /// Sends in the clear on an `smtp://` address (`--smtp-insecure`): for a relay on the same
    /// host or a network the agency trusts. Refused for `smtps://`, which asks for TLS.
    pub fn allow_plain(mut self) -> Result<Self, String> {
        if self.security == MailSecurity::Tls {
            return Err(
                "an smtps:// address asks for TLS; --smtp-insecure applies to smtp:// only".into(),
            );
        }
        self.security = MailSecurity::Plain;
        Ok(self)
    }

    /// Trusts the certificate authorities in this PEM file as well as the public ones (a relay
    /// with a certificate from the agency's own CA).
    pub fn trust_ca_file(mut self, path: &Path) -> Result<Self, String> {
        let certs = CertificateDer::pem_file_iter(path)
            .and_then(|it| it.collect::<Result<Vec<_>, _>>())
            .map_err(|e| format!("cannot read the CA file {}: {e}", path.display()))?;
        if certs.is_empty() {
            return Err(format!("{} holds no certificate", path.display()));
        }
        self.tls = tls_config(certs)?;
        Ok(self)
    }
}

/// TLS 1.2 and 1.3 with the public roots (Mozilla's list, built in) and `extra` authorities.
fn tls_config(extra: Vec<CertificateDer<'static>>) -> Result<Arc<ClientConfig>, String> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for cert in extra {
        roots
            .add(cert)
            .map_err(|e| format!("a CA certificate cannot be used: {e}"))?;
    }
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Standard base64, for AUTH PLAIN.
fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let idx = |shift: u32| T[((n >> shift) & 63) as usize] as char;
        out.push(idx(18));
        out.push(idx(12));
        out.push(if chunk.len() > 1 { idx(6) } else { '=' });
        out.push(if chunk.len() > 2 { idx(0) } else { '=' });
    }
    out
}

/// Lines of a message body made safe for SMTP: CRLF endings, leading dots doubled.
fn dot_stuffed(body: &str) -> String {
    body.lines()
        .map(|l| {
            if l.starts_with('.') {
                format!(".{l}\r\n")
            } else {
                format!("{l}\r\n")
            }
        })
        .collect()
}

/// A byte stream to the relay, plain or TLS.
trait Wire: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Wire for T {}

struct Session {
    io: BufReader<Box<dyn Wire>>,
}

impl Session {
    /// Reads a (possibly multi-line) reply and checks its code class; returns its lines' text.
    async fn expect(&mut self, class: u8) -> Result<Vec<String>, String> {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            let n = self
                .io
                .read_line(&mut line)
                .await
                .map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("the mail server closed the connection".into());
            }
            let code = line.as_bytes().first().copied().unwrap_or(b'0');
            lines.push(line.get(4..).unwrap_or_default().trim_end().to_owned());
            if line.as_bytes().get(3) == Some(&b'-') {
                continue;
            }
            return if code == class {
                Ok(lines)
            } else {
                Err(format!("the mail server answered: {}", line.trim_end()))
            };
        }
    }

    async fn command(&mut self, line: &str, class: u8) -> Result<Vec<String>, String> {
        self.io
            .get_mut()
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        self.expect(class).await
    }
}

fn tls_failed(e: &std::io::Error) -> String {
    format!(
        "TLS with the mail server failed ({e}); if its certificate comes from the agency's own \
         authority, give that authority's certificate with --smtp-ca-file"
    )
}

/// Connects, protects the connection as configured, and greets; returns a session ready for
/// AUTH or MAIL. A connection failure is `Err(Unreachable)`, anything else `Err(Refused)`.
async fn open(config: &MailConfig) -> Result<Session, MailProblem> {
    let tcp = TcpStream::connect((config.host.as_str(), config.port))
        .await
        .map_err(|e| MailProblem::Unreachable(format!("cannot reach the mail server: {e}")))?;
    let refused = MailProblem::Refused;
    let name = ServerName::try_from(config.host.clone())
        .map_err(|_| refused(format!("\"{}\" is not a host name", config.host)))?;
    let connector = TlsConnector::from(config.tls.clone());
    let wire: Box<dyn Wire> = if config.security == MailSecurity::Tls {
        let tls = connector
            .connect(name.clone(), tcp)
            .await
            .map_err(|e| refused(tls_failed(&e)))?;
        Box::new(tls)
    } else {
        Box::new(tcp)
    };
    let mut s = Session {
        io: BufReader::new(wire),
    };
    s.expect(b'2').await.map_err(refused)?;
    let offered = s.command("EHLO containment", b'2').await.map_err(refused)?;
    if config.security != MailSecurity::StartTls {
        return Ok(s);
    }
    if !offered.iter().any(|l| l.eq_ignore_ascii_case("STARTTLS")) {
        let _ = s.command("QUIT", b'2').await;
        return Err(refused(format!(
            "the mail server at {}:{} does not offer STARTTLS, so mail would travel in the \
             clear: use an smtps:// address, a relay that offers STARTTLS, or --smtp-insecure",
            config.host, config.port
        )));
    }
    s.command("STARTTLS", b'2').await.map_err(refused)?;
    // Anything the server sent after its STARTTLS reply came before encryption: refuse it
    // rather than read it as if it were protected (RFC 3207 command injection).
    if !s.io.buffer().is_empty() {
        return Err(refused(
            "the mail server sent data before TLS began".to_owned(),
        ));
    }
    let tls = connector
        .connect(name, s.io.into_inner())
        .await
        .map_err(|e| refused(tls_failed(&e)))?;
    let mut s = Session {
        io: BufReader::new(Box::new(tls)),
    };
    s.command("EHLO containment", b'2').await.map_err(refused)?;
    Ok(s)
}

/// Why the relay could not take a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailProblem {
    /// No connection: the relay is down or unreachable from here, perhaps only for now.
    Unreachable(String),
    /// The relay answered but cannot be used as configured (no STARTTLS, a certificate not
    /// trusted, a refusal).
    Refused(String),
}

impl std::fmt::Display for MailProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MailProblem::Unreachable(m) | MailProblem::Refused(m) => f.write_str(m),
        }
    }
}

/// Connects to the relay as configured and leaves again: at start-up, so that a relay that
/// cannot be used safely is reported before any reminder is due.
pub async fn check_relay(config: &MailConfig) -> Result<(), MailProblem> {
    let check = async {
        let mut s = open(config).await?;
        let _ = s.command("QUIT", b'2').await;
        Ok(())
    };
    match tokio::time::timeout(SMTP_TIMEOUT, check).await {
        Ok(result) => result,
        Err(_) => Err(MailProblem::Unreachable(
            "the mail server did not answer in time".into(),
        )),
    }
}

async fn exchange(
    config: &MailConfig,
    to: &Email,
    subject: &str,
    body: &str,
) -> Result<(), String> {
    let mut s = open(config).await.map_err(|e| e.to_string())?;
    if let Some(user) = &config.username {
        let token = base64(
            format!(
                "\0{user}\0{}",
                config
                    .password
                    .as_ref()
                    .map_or("", ExposeSecret::expose_secret)
            )
            .as_bytes(),
        );
        s.command(&format!("AUTH PLAIN {token}"), b'2').await?;
    }
    s.command(&format!("MAIL FROM:<{}>", config.from), b'2')
        .await?;
    s.command(&format!("RCPT TO:<{to}>"), b'2').await?;
    s.command("DATA", b'3').await?;
    let subject: String = subject.chars().filter(|c| !c.is_control()).collect();
    let message = format!(
        "From: Containment <{}>\r\nTo: <{to}>\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{}.",
        config.from,
        dot_stuffed(body)
    );
    s.command(&message, b'2').await?;
    let _ = s.command("QUIT", b'2').await;
    Ok(())
}

/// An SMTP failure fit for the log: a server's reply is cut to its code, since replies may
/// quote addresses.
pub(crate) fn loggable(error: &str) -> String {
    match error.strip_prefix("the mail server answered: ") {
        Some(reply) => format!(
            "the mail server answered {}",
            reply.chars().take(3).collect::<String>()
        ),
        None => error.to_owned(),
    }
}

/// Sends one plain-text message; the error says what went wrong, for the operator's log.
pub(crate) async fn send(
    config: &MailConfig,
    to: &Email,
    subject: &str,
    body: &str,
) -> Result<(), String> {
    match tokio::time::timeout(SMTP_TIMEOUT, exchange(config, to, subject, body)).await {
        Ok(result) => result,
        Err(_) => Err("the mail server did not answer in time".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_addresses_are_read_with_credentials_and_port() {
        let c = MailConfig::parse(
            "smtp://relay%40agency:p%3Ass@mail.agency.example:2525",
            "containment@agency.example",
            "https://containment.agency.example/",
        )
        .unwrap();
        assert_eq!(c.host, "mail.agency.example");
        assert_eq!(c.port, 2525);
        assert_eq!(c.username.as_deref(), Some("relay@agency"));
        assert_eq!(
            c.password.as_ref().map(ExposeSecret::expose_secret),
            Some("p:ss")
        );
        assert!(
            !format!("{c:?}").contains("p:ss"),
            "the password stays out of Debug"
        );
        assert_eq!(c.public_url, "https://containment.agency.example");
        let plain = MailConfig::parse("smtp://localhost", "a@b.example", "").unwrap();
        assert_eq!((plain.port, plain.username), (25, None));
        assert!(MailConfig::parse("http://x", "a@b.example", "").is_err());
        assert!(MailConfig::parse("smtp://x:port", "a@b.example", "").is_err());
        assert!(MailConfig::parse("smtp://x", "not an address", "").is_err());
    }

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn a_leading_dot_is_doubled() {
        assert_eq!(dot_stuffed("a\n.b\n"), "a\r\n..b\r\n");
    }

    #[test]
    fn the_scheme_chooses_starttls_or_tls_and_plain_is_asked_for() {
        let c = |url: &str| MailConfig::parse(url, "a@b.example", "");
        assert_eq!(c("smtp://relay").unwrap().security, MailSecurity::StartTls);
        let tls = c("smtps://relay").unwrap();
        assert_eq!((tls.security, tls.port), (MailSecurity::Tls, 465));
        assert_eq!(
            c("smtp://relay").unwrap().allow_plain().unwrap().security,
            MailSecurity::Plain
        );
        assert!(c("smtps://relay").unwrap().allow_plain().is_err());
        assert!(c("smtp+plain://relay").is_err());
        assert!(
            c("smtp://relay")
                .unwrap()
                .trust_ca_file(Path::new("/nonexistent/ca.pem"))
                .unwrap_err()
                .contains("/nonexistent/ca.pem")
        );
    }

    fn test_data(file: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../testkit/tests/data")
            .join(file)
    }

    /// Every command a fake relay received, and whether it came over TLS.
    type Heard = Arc<std::sync::Mutex<Vec<(bool, String)>>>;

    /// Speaks SMTP on `io` until QUIT, or until STARTTLS (then returns the stream to upgrade).
    async fn converse(
        mut io: BufReader<Box<dyn Wire>>,
        tls: bool,
        offer_starttls: bool,
        heard: &Heard,
    ) -> Option<Box<dyn Wire>> {
        loop {
            let mut line = String::new();
            if io.read_line(&mut line).await.unwrap_or(0) == 0 {
                return None;
            }
            let line = line.trim_end().to_owned();
            heard.lock().unwrap().push((tls, line.clone()));
            let reply: &[u8] = if line.starts_with("EHLO") {
                if offer_starttls && !tls {
                    b"250-fake relay\r\n250 STARTTLS\r\n"
                } else {
                    b"250-fake relay\r\n250 AUTH PLAIN\r\n"
                }
            } else if line == "STARTTLS" {
                io.get_mut().write_all(b"220 go ahead\r\n").await.ok()?;
                return Some(io.into_inner());
            } else if line == "DATA" {
                io.get_mut().write_all(b"354 go ahead\r\n").await.ok()?;
                loop {
                    let mut l = String::new();
                    if io.read_line(&mut l).await.unwrap_or(0) == 0 || l == ".\r\n" {
                        break;
                    }
                }
                b"250 queued\r\n"
            } else if line == "QUIT" {
                let _ = io.get_mut().write_all(b"221 bye\r\n").await;
                return None;
            } else {
                b"250 OK\r\n"
            };
            io.get_mut().write_all(reply).await.ok()?;
        }
    }

    /// A relay on 127.0.0.1 with the test certificate: `security` says whether it offers
    /// STARTTLS (`StartTls`), speaks TLS at once (`Tls`) or offers neither (`Plain`).
    async fn fake_relay(security: MailSecurity) -> (u16, Heard) {
        use rustls_pki_types::PrivateKeyDer;
        use tokio_rustls::rustls::ServerConfig;
        let certs = CertificateDer::pem_file_iter(test_data("localhost.crt"))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let key = PrivateKeyDer::from_pem_file(test_data("localhost.key")).unwrap();
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let server = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let heard: Heard = Arc::default();
        let log = heard.clone();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, log) = (acceptor.clone(), log.clone());
                tokio::spawn(async move {
                    let mut wire: Box<dyn Wire> = Box::new(tcp);
                    let mut tls = false;
                    if security == MailSecurity::Tls {
                        let Ok(s) = acceptor.accept(wire).await else {
                            return;
                        };
                        wire = Box::new(s);
                        tls = true;
                    }
                    let _ = wire.write_all(b"220 fake relay\r\n").await;
                    let offer = security == MailSecurity::StartTls;
                    let mut io = BufReader::new(wire);
                    while let Some(inner) = converse(io, tls, offer, &log).await {
                        let Ok(s) = acceptor.accept(inner).await else {
                            return;
                        };
                        io = BufReader::new(Box::new(s) as Box<dyn Wire>);
                        tls = true;
                    }
                });
            }
        });
        (port, heard)
    }

    fn config(url: &str) -> MailConfig {
        MailConfig::parse(url, "containment@agency.example", "https://c.example").unwrap()
    }

    fn to() -> Email {
        Email::parse("po@agency.example").unwrap()
    }

    fn sent_over(heard: &Heard) -> Vec<bool> {
        heard
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, l)| {
                l.starts_with("AUTH") || l.starts_with("MAIL FROM") || l.starts_with("RCPT")
            })
            .map(|(tls, _)| *tls)
            .collect()
    }

    #[tokio::test]
    async fn starttls_protects_the_credentials_and_the_message() {
        let (port, heard) = fake_relay(MailSecurity::StartTls).await;
        let c = config(&format!("smtp://relay:secret@127.0.0.1:{port}"))
            .trust_ca_file(&test_data("test-ca.crt"))
            .unwrap();
        check_relay(&c).await.unwrap();
        send(&c, &to(), "R2 due", "Case 7: R2 is due.")
            .await
            .unwrap();
        let over = sent_over(&heard);
        assert_eq!(over.len(), 3, "AUTH, MAIL FROM and RCPT were sent");
        assert!(
            over.iter().all(|tls| *tls),
            "nothing after STARTTLS went in the clear"
        );
    }

    #[tokio::test]
    async fn an_untrusted_certificate_stops_before_anything_is_sent() {
        let (port, heard) = fake_relay(MailSecurity::StartTls).await;
        let c = config(&format!("smtp://relay:secret@127.0.0.1:{port}"));
        let err = send(&c, &to(), "R2 due", "body").await.unwrap_err();
        assert!(err.contains("TLS with the mail server failed"), "{err}");
        assert!(sent_over(&heard).is_empty(), "no credentials, no message");
        assert!(matches!(
            check_relay(&c).await,
            Err(MailProblem::Refused(_))
        ));
    }

    #[tokio::test]
    async fn smtps_speaks_tls_from_the_first_byte() {
        let (port, heard) = fake_relay(MailSecurity::Tls).await;
        let c = config(&format!("smtps://127.0.0.1:{port}"))
            .trust_ca_file(&test_data("test-ca.crt"))
            .unwrap();
        send(&c, &to(), "R2 due", "body").await.unwrap();
        assert!(heard.lock().unwrap().iter().all(|(tls, _)| *tls));
        assert_eq!(sent_over(&heard).len(), 2);
    }

    #[tokio::test]
    async fn a_relay_without_starttls_gets_nothing_unless_plain_is_allowed() {
        let (port, heard) = fake_relay(MailSecurity::Plain).await;
        let c = config(&format!("smtp://relay:secret@127.0.0.1:{port}"));
        let err = send(&c, &to(), "R2 due", "body").await.unwrap_err();
        assert!(err.contains("does not offer STARTTLS"), "{err}");
        assert!(err.contains("--smtp-insecure"), "{err}");
        assert!(sent_over(&heard).is_empty(), "no credentials, no message");
        match check_relay(&c).await {
            Err(MailProblem::Refused(m)) => assert!(m.contains("STARTTLS"), "{m}"),
            other => panic!("expected a refusal, got {other:?}"),
        }
        let plain = c.allow_plain().unwrap();
        send(&plain, &to(), "R2 due", "body").await.unwrap();
        assert_eq!(sent_over(&heard), [false, false, false]);
    }

    #[tokio::test]
    async fn a_relay_that_is_down_is_unreachable_not_refused() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let c = config(&format!("smtp://127.0.0.1:{port}"));
        assert!(matches!(
            check_relay(&c).await,
            Err(MailProblem::Unreachable(_))
        ));
    }
}
