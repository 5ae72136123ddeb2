//! E-mail for reminders, over SMTP to the agency's mail relay. Messages name the rule and the
//! case number only, never a supervisee, since mail leaves the system's control.

use std::time::Duration;

use containment_domain::Email;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// How long one SMTP exchange may take before it is abandoned (and retried by a later run).
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Where and as whom reminders are sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailConfig {
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<String>,
    pub from: Email,
    /// The address people reach the application at, for links in messages.
    pub public_url: String,
}

impl MailConfig {
    /// Reads `smtp://[user[:password]@]host[:port]` (port 25 by default). The relay is expected
    /// on the agency's network; it carries messages onward over TLS.
    pub fn parse(url: &str, from: &str, public_url: &str) -> Result<Self, String> {
        let rest = url
            .trim()
            .strip_prefix("smtp://")
            .ok_or("the SMTP address must start with smtp://")?;
        let rest = rest.trim_end_matches('/');
        let (credentials, host_port) = match rest.rsplit_once('@') {
            Some((c, h)) => (Some(c), h),
            None => (None, rest),
        };
        let (username, password) = match credentials {
            Some(c) => match c.split_once(':') {
                Some((u, p)) => (Some(percent_decode(u)), Some(percent_decode(p))),
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
            None => (host_port.to_owned(), 25),
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
        })
    }
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

struct Session {
    reader: BufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: tokio::net::tcp::OwnedWriteHalf,
}

impl Session {
    /// Reads a (possibly multi-line) reply and checks its code class.
    async fn expect(&mut self, class: u8) -> Result<(), String> {
        loop {
            let mut line = String::new();
            let n = self
                .reader
                .read_line(&mut line)
                .await
                .map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("the mail server closed the connection".into());
            }
            let code = line.as_bytes().first().copied().unwrap_or(b'0');
            if line.as_bytes().get(3) == Some(&b'-') {
                continue;
            }
            return if code == class {
                Ok(())
            } else {
                Err(format!("the mail server answered: {}", line.trim_end()))
            };
        }
    }

    async fn command(&mut self, line: &str, class: u8) -> Result<(), String> {
        self.writer
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        self.expect(class).await
    }
}

async fn exchange(
    config: &MailConfig,
    to: &Email,
    subject: &str,
    body: &str,
) -> Result<(), String> {
    let stream = TcpStream::connect((config.host.as_str(), config.port))
        .await
        .map_err(|e| format!("cannot reach the mail server: {e}"))?;
    let (r, w) = stream.into_split();
    let mut s = Session {
        reader: BufReader::new(r),
        writer: w,
    };
    s.expect(b'2').await?;
    s.command("EHLO containment", b'2').await?;
    if let Some(user) = &config.username {
        let token = base64(
            format!(
                "\0{user}\0{}",
                config.password.as_deref().unwrap_or_default()
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
        assert_eq!(c.password.as_deref(), Some("p:ss"));
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
}
