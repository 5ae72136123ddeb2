//! `containment`: serves the application and runs administrative commands.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use containment_app::{Actor, App, AppError};
use containment_domain::Email;
use secrecy::{ExposeSecret, SecretString};
use tracing_subscriber::EnvFilter;

/// A message for the operator on standard error. Unlike `eprintln!`, a closed or broken
/// standard error does not stop (panic) the command.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod admin;
mod tls;

/// Case management for California containment teams: supervising officers, treatment providers
/// and polygraph examiners working one shared case file.
///
/// With no configuration at all the application keeps its data in SQLite under ./data. Set
/// DATABASE_URL to a postgres:// URL to run on PostgreSQL; several instances may share one
/// PostgreSQL database.
#[derive(Debug, Parser)]
#[command(name = "containment", version, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct Global {
    /// Database to use: sqlite://PATH or postgres://USER@HOST:PORT/DATABASE. When unset, the
    /// SQLite file containment.db in the data folder.
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        hide_env_values = true,
        value_parser = secret
    )]
    database_url: Option<SecretString>,

    /// Folder for local data: the default SQLite database and uploaded documents.
    #[arg(
        long,
        global = true,
        env = "CONTAINMENT_DATA_DIR",
        default_value = "data"
    )]
    data_dir: PathBuf,

    /// The key file: signs the audit trail's checkpoints and encrypts two-step verification
    /// secrets. Back it up, apart from the database's backups: without it every account must
    /// enroll its authenticator again. Every instance uses the same one. Created (mode 0600) on
    /// first start when missing. Default: containment.key in the data folder.
    #[arg(long, global = true, env = "CONTAINMENT_AUDIT_KEY_FILE")]
    audit_key_file: Option<PathBuf>,

    /// Format of log lines on standard error.
    #[arg(long, global = true, env = "CONTAINMENT_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,

    /// Which log lines to keep, as a tracing filter (for example `info` or `debug,sqlx=warn`).
    #[arg(long, global = true, env = "CONTAINMENT_LOG", default_value = "info")]
    log_level: String,

    /// E-mail reminders through this relay as well: smtp://[user[:password]@]host[:port]
    /// (STARTTLS, required; port 25 by default) or smtps://... (TLS from the start; port 465).
    /// The relay's certificate must be valid for the host named. Unset: in-app only.
    #[arg(
        long,
        global = true,
        env = "CONTAINMENT_SMTP_URL",
        hide_env_values = true,
        value_parser = secret
    )]
    smtp_url: Option<SecretString>,

    /// Send over smtp:// in the clear, without STARTTLS: only for a relay on this host or on a
    /// network the agency trusts. Mail and relay credentials are then readable on the way.
    #[arg(long, global = true, env = "CONTAINMENT_SMTP_INSECURE")]
    smtp_insecure: bool,

    /// Also trust the certificate authorities in this PEM file for the relay's certificate
    /// (a relay whose certificate comes from the agency's own authority).
    #[arg(long, global = true, env = "CONTAINMENT_SMTP_CA_FILE")]
    smtp_ca_file: Option<PathBuf>,

    /// Sender address of reminder e-mails.
    #[arg(
        long,
        global = true,
        env = "CONTAINMENT_SMTP_FROM",
        default_value = "containment@localhost"
    )]
    smtp_from: String,

    /// The address people reach the application at, for links in e-mails.
    #[arg(
        long,
        global = true,
        env = "CONTAINMENT_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    public_url: String,
}

impl Global {
    /// Where the key file is.
    fn key_file(&self) -> PathBuf {
        self.audit_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("containment.key"))
    }

    /// The mail relay, when one is configured.
    fn mail(&self) -> anyhow::Result<Option<containment_app::MailConfig>> {
        let Some(url) = self.smtp_url.as_ref().map(ExposeSecret::expose_secret) else {
            if self.smtp_insecure || self.smtp_ca_file.is_some() {
                anyhow::bail!("--smtp-insecure and --smtp-ca-file need --smtp-url");
            }
            return Ok(None);
        };
        let mut config = containment_app::MailConfig::parse(url, &self.smtp_from, &self.public_url)
            .map_err(|e| anyhow::anyhow!("--smtp-url: {e}"))?;
        if let Some(ca) = &self.smtp_ca_file {
            config = config
                .trust_ca_file(ca)
                .map_err(|e| anyhow::anyhow!("--smtp-ca-file: {e}"))?;
        }
        if self.smtp_insecure {
            config = config
                .allow_plain()
                .map_err(|e| anyhow::anyhow!("--smtp-insecure: {e}"))?;
        }
        Ok(Some(config))
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web application and JSON API. Applies pending migrations first and creates the
    /// first administrator when the database holds no user.
    Serve(ServeArgs),
    /// Inspect or apply database migrations.
    #[command(subcommand)]
    Migrate(MigrateCommand),
    /// Manage accounts: add, list, disable, enable, unlock, reset two-step verification.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage agencies.
    #[command(subcommand)]
    Agency(AgencyCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Check the audit trail, and print its signed head to keep elsewhere.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Manage the key file (see --audit-key-file).
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Import lists into the database.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Run the reminder job once (for cron, or when `serve` runs with
    /// --reminder-interval-minutes 0): a notification to whoever owes an obligation due within a
    /// week, and another once it is overdue. Safe to run from several hosts at once.
    #[command(subcommand)]
    Reminders(RemindersCommand),
    /// County policy: changes to a rule's numbers and to the working-day calendar.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Working-day calendars: a county's holidays in a year (`calendar --county Sonoma --year
    /// 2027`), or a due date counted in working days (`calendar add-working-days 2026-12-23 5
    /// --county Sonoma`). The state calendar when no county is named, or when the county has no
    /// calendar of its own.
    Calendar(CalendarArgs),
    /// Write a backup of the whole database to FILE while the application keeps serving: every
    /// table read from one consistent snapshot (writes go on meanwhile) into a portable,
    /// gzip-compressed archive that restores on SQLite or PostgreSQL. The file is readable by
    /// this account only and appears under its name only once complete; an existing file is
    /// never replaced. Keep the key file's backup apart from it.
    Backup {
        /// The backup file to create, e.g. /var/backups/containment-2026-12-01.backup.gz.
        file: PathBuf,
    },
    /// Restore a backup made by `containment backup` into the database (DATABASE_URL or the
    /// data folder's SQLite file), then verify the restored audit trail with the key file. All
    /// or nothing: a damaged or incomplete backup changes nothing. Stop every server using the
    /// database first. Exits 0 when restored and verified, 1 otherwise.
    Restore {
        /// The backup file.
        file: PathBuf,
        /// Replace everything in a database that already holds data (otherwise refused).
        #[arg(long)]
        force: bool,
    },
    /// Copy the whole database (DATABASE_URL or the data folder's SQLite file) into another,
    /// for instance from SQLite to PostgreSQL: every table with its ids, the migrations' state
    /// and the audit trail, which is verified in the target at the end with the key file.
    /// Stop the servers first so nothing written meanwhile is left behind. Exits 0 when copied
    /// and verified, 1 otherwise.
    Copy {
        /// The target database: postgres://USER@HOST:PORT/DATABASE or sqlite://PATH.
        #[arg(long)]
        to: String,
        /// Replace everything in a target that already holds data (otherwise refused).
        #[arg(long)]
        force: bool,
    },
    /// Fill the database with realistic synthetic data (agencies, people in every role,
    /// supervisees with supervision and teams) for demonstrations and benchmarks. All names are
    /// invented; every demo account shares one password, printed at the end.
    Demo {
        /// Number of supervisees to create.
        #[arg(long, default_value_t = 200)]
        supervisees: usize,
        /// Seed of the generator: the same seed gives the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Add an account. Prints its one-time password once; the person changes it at first
    /// sign-in and sets up two-step verification.
    Add {
        /// Sign-in e-mail address.
        #[arg(long)]
        email: String,
        /// The person's name as others see it.
        #[arg(long)]
        name: String,
        /// The agency's exact name (see `containment agency list`).
        #[arg(long)]
        agency: String,
        /// A role code; repeat for several (supervising_officer, officer_supervisor,
        /// treatment_provider, polygraph_examiner, law_enforcement, victim_advocate, prosecutor,
        /// agency_admin, system_admin, auditor).
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
    },
    /// List accounts, one per line.
    List,
    /// Disable an account; its sessions end at once.
    Disable {
        /// The account's e-mail address.
        email: String,
    },
    /// Enable a disabled account.
    Enable {
        /// The account's e-mail address.
        email: String,
    },
    /// Unlock an account locked after failed sign-ins.
    Unlock {
        /// The account's e-mail address.
        email: String,
    },
    /// Remove the account's authenticator and recovery codes; it enrolls again at next sign-in.
    ResetMfa {
        /// The account's e-mail address.
        email: String,
    },
}

#[derive(Debug, Subcommand)]
enum AgencyCommand {
    /// Add an agency.
    Add {
        /// The agency's name (unique).
        #[arg(long)]
        name: String,
        /// Kind: probation_department, parole, treatment_provider, polygraph_firm,
        /// law_enforcement, victim_advocacy, court, prosecutor or state_agency.
        #[arg(long)]
        kind: String,
        /// County served, if any.
        #[arg(long)]
        county: Option<String>,
    },
    /// List agencies, one per line.
    List,
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create an API token for an account and print it once; only its hash is kept.
    Create {
        /// The account the token acts as (with that account's permissions only).
        #[arg(long)]
        user: String,
        /// What the token is for.
        #[arg(long, default_value = "command line")]
        name: String,
        /// Days until the token expires, 1 to 3650; without it the token does not expire.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
        expires_days: Option<u32>,
    },
    /// List tokens (never their secrets), optionally of one account.
    List {
        /// Only this account's tokens.
        #[arg(long)]
        user: Option<String>,
    },
    /// Revoke a token by its id.
    Revoke {
        /// The token id shown by `token list`.
        id: i64,
    },
}

#[derive(Debug, Subcommand)]
enum ImportCommand {
    /// Import certifications from a CSV file with the header row kind, holder_email,
    /// holder_agency, level, instrument, supervisor_email, number, issued_on, expires_on. All
    /// rows are recorded, or none: every problem is listed with its row number.
    Certifications {
        /// The CSV file.
        file: PathBuf,
    },
    /// Import an agency's existing caseload from a CSV or XLSX file (first sheet): supervisees,
    /// identifiers, aliases, the current supervision and its team. The headings are those of
    /// the template (`/admin/import/template.csv`). All rows are imported or none; a supervisee
    /// already on file with the same CII or CDCR number is matched, not created again. Exits 2
    /// with every problem by row and column on standard error.
    Caseload {
        /// The CSV or XLSX file (at most 2 MiB).
        file: PathBuf,
        /// The agency whose caseload it is: its id or its exact name.
        #[arg(long, env = "CONTAINMENT_IMPORT_AGENCY")]
        agency: String,
        /// Check the file and show what would be created, writing nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Walk the hash chain from the first event and compare it with every signed checkpoint,
    /// then sign the head reached. Exits 0 when intact; 1 naming the first bad position when an
    /// event was changed, removed or inserted, when the chain is shorter than or differs from a
    /// signed checkpoint (or the anchor), or when a checkpoint's signature is wrong.
    Verify {
        /// Also check against this anchor (a line printed by `audit anchor`, kept outside the
        /// database; of a file of such lines, the last).
        #[arg(long)]
        anchor: Option<PathBuf>,
    },
    /// Sign the chain's current head and print it as one line of JSON, for the operator to
    /// keep outside the database (syslog, a ticket, a write-once bucket) and check against
    /// later with `audit verify --anchor`.
    Anchor,
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Add a new key to the key file and re-encrypt every TOTP secret under it. Older keys stay
    /// in the file to check the checkpoints and recovery codes made with them. Restart every
    /// instance afterwards so it uses the new key.
    Rotate,
    /// Make a new key file where none is, when the old one is lost for good. Accounts whose
    /// authenticator was protected by the lost key must be reset (`user reset-mfa`).
    Create,
}

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// Set a county's policy, replacing what it had. Audited.
    Set {
        /// The county, e.g. Sonoma.
        #[arg(long)]
        county: String,
        /// Rule numbers, one per line or comma-separated: `R9.months = 6`.
        #[arg(long, default_value = "")]
        numbers: String,
        /// Calendar entries: `juneteenth`, `-cesar_chavez_day`, `2026-12-24`, ...
        #[arg(long, default_value = "")]
        calendar: String,
    },
    /// List the counties with a policy of their own.
    List,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
struct CalendarArgs {
    /// A California county, e.g. Sonoma.
    #[arg(long, global = true)]
    county: Option<String>,
    /// The year whose holidays to list (this year when left out).
    #[arg(long)]
    year: Option<i32>,
    #[command(subcommand)]
    action: Option<CalendarCommand>,
}

#[derive(Debug, Subcommand)]
enum CalendarCommand {
    /// Print the day that many working days after DATE (YYYY-MM-DD), as due dates count them.
    AddWorkingDays {
        /// The day counted from, YYYY-MM-DD.
        date: chrono::NaiveDate,
        /// How many working days after it.
        days: u32,
    },
}

#[derive(Debug, Subcommand)]
enum RemindersCommand {
    /// Evaluate every open case now and store the reminders due.
    Run,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "CONTAINMENT_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,

    /// Sign-in e-mail of the first administrator, created only when the database has no user.
    #[arg(
        long,
        env = "CONTAINMENT_ADMIN_EMAIL",
        default_value = "admin@localhost"
    )]
    admin_email: String,

    /// Send cookies without the Secure flag: only for local development over plain HTTP with a
    /// browser that refuses Secure cookies there. Never in production.
    #[arg(long, env = "CONTAINMENT_DEV_INSECURE_COOKIES")]
    dev_insecure_cookies: bool,

    /// Serve HTTPS with this PEM certificate chain (with --tls-key). Without it, serve plain
    /// HTTP behind a TLS-terminating reverse proxy.
    #[arg(long, env = "CONTAINMENT_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,

    /// The PEM private key for --tls-cert.
    #[arg(long, env = "CONTAINMENT_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,

    /// Do not apply migrations at start-up (run `containment migrate apply` separately, e.g.
    /// from a deployment job). The instance reports not ready while migrations are pending.
    #[arg(long, env = "CONTAINMENT_SKIP_MIGRATIONS")]
    skip_migrations: bool,

    /// Minutes between signed checkpoints of the audit chain's head made by this instance; 0
    /// turns them off (run `containment audit anchor` from cron instead). Events appended since
    /// the last checkpoint are what a database-level attacker could still remove unnoticed.
    #[arg(
        long,
        env = "CONTAINMENT_AUDIT_CHECKPOINT_MINUTES",
        default_value_t = 5,
        value_parser = clap::value_parser!(u64).range(0..=10080)
    )]
    audit_checkpoint_minutes: u64,

    /// Minutes between runs of the reminder job inside this instance, at most 10080 (a week);
    /// 0 turns it off (run `containment reminders run` from cron instead). Several instances
    /// may run it at once.
    #[arg(
        long,
        env = "CONTAINMENT_REMINDER_INTERVAL_MINUTES",
        default_value_t = 60,
        value_parser = clap::value_parser!(u64).range(0..=10080)
    )]
    reminder_interval_minutes: u64,

    /// A reverse proxy (an address or a CIDR range such as 10.0.0.0/8) whose X-Forwarded-For
    /// header names the client in the audit trail; repeat for several, or separate them with
    /// commas in the variable. Without it the audit trail records the connection's peer and
    /// ignores the header, which anyone can write.
    #[arg(
        long = "trusted-proxy",
        env = "CONTAINMENT_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<containment_web::IpNet>,

    /// Serve operations figures in the Prometheus text format at /metrics on this address (e.g.
    /// 127.0.0.1:9090), apart from the application's listener; off when unset. The figures
    /// name route patterns and counts, never a person or a record.
    #[arg(long, env = "CONTAINMENT_METRICS_LISTEN")]
    metrics_listen: Option<SocketAddr>,
}

#[derive(Debug, Subcommand)]
enum MigrateCommand {
    /// Apply every pending migration. Safe to run from several instances at once.
    Apply,
    /// List every migration and whether it is applied; exits 1 when some are pending.
    Status,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli.global);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            note!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(err) => {
            note!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(global: &Global) {
    // Statement logging of the database drivers would print parameter values: kept off.
    let filter = EnvFilter::try_new(format!("{},sqlx=warn,sea_orm=warn", global.log_level))
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    match global.log_format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}

/// A command-line value that may hold a password (a database or relay URL): kept out of `Debug`
/// and so out of any log or panic message.
fn secret(value: &str) -> Result<SecretString, std::convert::Infallible> {
    Ok(SecretString::from(value.to_owned()))
}

/// The database URL: the explicit one, or the SQLite file in the data folder. Only a command
/// that sets a database up (`creates`) makes the folder and the file; any other refuses a file
/// that does not exist rather than leave an empty database behind.
fn database_url(global: &Global, creates: bool) -> anyhow::Result<String> {
    if let Some(url) = global
        .database_url
        .as_ref()
        .map(ExposeSecret::expose_secret)
        .filter(|u| !u.trim().is_empty())
    {
        return Ok(url.trim().to_owned());
    }
    let file = global.data_dir.join("containment.db");
    if !creates {
        if !file.exists() {
            anyhow::bail!(
                "no database at {}: start `containment serve` or run `containment migrate apply` \
                 to create it, or name another with --data-dir or DATABASE_URL",
                file.display()
            );
        }
        return Ok(format!("sqlite://{}?mode=rw", file.display()));
    }
    containment_app::create_private_dir(&global.data_dir).with_context(|| {
        format!(
            "cannot create the data folder {}",
            global.data_dir.display()
        )
    })?;
    Ok(sqlite_url(&file))
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// Whether a command sets a database up, and so may create the data folder's SQLite file.
fn creates_database(command: &Command) -> bool {
    matches!(
        command,
        Command::Serve(_)
            | Command::Migrate(MigrateCommand::Apply)
            | Command::Restore { .. }
            | Command::Demo { .. }
    )
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let url = database_url(&cli.global, creates_database(&cli.command))?;
    let mail = cli.global.mail()?;
    match cli.command {
        Command::Serve(args) => {
            serve(
                &url,
                &cli.global.key_file(),
                &cli.global.data_dir,
                args,
                mail,
            )
            .await
        }
        Command::Migrate(MigrateCommand::Apply) => {
            let app = App::open(&url, false).await?;
            app.migrate().await?;
            let states = app.migration_states().await?;
            note!(
                "{} migrations applied; the database is current.",
                states.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate(MigrateCommand::Status) => {
            let app = App::open(&url, false).await?;
            let states = app.migration_states().await?;
            let mut pending = 0;
            for state in &states {
                let label = if state.applied { "applied" } else { "pending" };
                if !state.applied {
                    pending += 1;
                }
                println_out(&format!("{label:8} {}", state.name));
            }
            if pending == 0 {
                note!("The database is current ({} migrations).", states.len());
                Ok(ExitCode::SUCCESS)
            } else {
                note!("{pending} migrations pending: run `containment migrate apply`.");
                Ok(ExitCode::from(1))
            }
        }
        Command::User(cmd) => admin::user(&open_current(&url).await?, cmd).await,
        Command::Agency(cmd) => admin::agency(&open_current(&url).await?, cmd).await,
        Command::Token(cmd) => admin::token(&open_current(&url).await?, cmd).await,
        Command::Audit(AuditCommand::Verify { anchor }) => {
            let anchor = anchor
                .map(|path| {
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("cannot read {}", path.display()))?;
                    containment_domain::audit::SignedHead::parse_anchor(&text)
                        .with_context(|| format!("--anchor {}", path.display()))
                })
                .transpose()?;
            let app = open_keyed(&url, &cli.global).await?;
            admin::audit_verify(&app, anchor.as_ref()).await
        }
        Command::Audit(AuditCommand::Anchor) => {
            admin::audit_anchor(&open_keyed(&url, &cli.global).await?).await
        }
        Command::Keys(KeysCommand::Rotate) => {
            admin::keys_rotate(open_current(&url).await?, &cli.global.key_file()).await
        }
        Command::Keys(KeysCommand::Create) => {
            admin::keys_create(open_current(&url).await?, &cli.global.key_file()).await
        }
        Command::Import(ImportCommand::Certifications { file }) => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let app = open_current(&url).await?;
            match app
                .import_certifications(
                    &containment_app::Actor::console(),
                    &text,
                    chrono::Utc::now(),
                )
                .await
            {
                Ok(n) => {
                    println_out(&format!("{n} certifications imported"));
                    Ok(ExitCode::SUCCESS)
                }
                Err(containment_app::AppError::InvalidInput(problems)) => {
                    note!("Nothing was imported:");
                    for p in &problems {
                        note!("  {p}");
                    }
                    Ok(ExitCode::from(1))
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::Import(ImportCommand::Caseload {
            file,
            agency,
            dry_run,
        }) => import_caseload(&open_current(&url).await?, &file, &agency, dry_run).await,
        Command::Policy(PolicyCommand::Set {
            county,
            numbers,
            calendar,
        }) => {
            let app = open_current(&url).await?;
            let numbers = numbers.replace(',', "\n");
            match app
                .set_county_policy(
                    &Actor::console(),
                    &county,
                    &numbers,
                    &calendar,
                    chrono_now(),
                )
                .await
            {
                Ok(_) => {
                    println_out(&format!("{county}: policy saved"));
                    Ok(ExitCode::SUCCESS)
                }
                Err(AppError::InvalidInput(m)) => {
                    note!("{m}");
                    Ok(ExitCode::from(2))
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::Calendar(args) => calendar(&open_current(&url).await?, args).await,
        Command::Policy(PolicyCommand::List) => {
            let app = open_current(&url).await?;
            for p in app.county_policies().await? {
                println_out(&format!(
                    "{}\tnumbers: {}\tcalendar: {}",
                    p.county,
                    p.overrides.trim().replace('\n', ", "),
                    p.calendar.trim().replace('\n', ", ")
                ));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Reminders(RemindersCommand::Run) => {
            let mut app = open_current(&url).await?;
            if let Some(mail) = mail {
                app = app.with_mail(mail);
            }
            let run = app.run_reminders(chrono_now()).await?;
            println_out(&format!(
                "reminders: {} open cases evaluated, {} notifications stored, {} e-mailed, {} e-mail failures",
                run.cases, run.created, run.emailed, run.email_failures
            ));
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { file } => {
            let app = App::open(&url, false).await?;
            let summary = app
                .backup_to_file(&Actor::console(), &file, chrono_now())
                .await?;
            println_out(&format!(
                "backup written to {}: {} tables, {} rows, schema at {} migrations",
                file.display(),
                summary.tables,
                summary.rows,
                summary.migrations.len()
            ));
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { file, force } => {
            let app = App::open(&url, false).await?;
            let summary = app
                .restore_from_file(&Actor::console(), &file, force, chrono_now())
                .await?;
            println_out(&format!(
                "restored {} tables, {} rows from the backup of {} ({})",
                summary.tables, summary.rows, summary.created_at, summary.source_backend
            ));
            admin::verify_arrival(&url, &cli.global.key_file(), summary).await
        }
        Command::Copy { to, force } => {
            if same_database(&url, &to) {
                anyhow::bail!("--to names the database being copied");
            }
            let app = App::open(&url, false).await?;
            let target = containment_app::Store::connect(&to)
                .await
                .context("--to: cannot open the target database")?;
            let summary = app
                .copy_to(&Actor::console(), &target, force, chrono_now())
                .await?;
            target.close().await.ok();
            println_out(&format!(
                "copied {} tables, {} rows from {} to {}",
                summary.tables,
                summary.rows,
                app.backend().name(),
                backend_name(&to)
            ));
            admin::verify_arrival(&to, &cli.global.key_file(), summary).await
        }
        Command::Demo { supervisees, seed } => {
            let app = App::open(&url, true).await?;
            admin::demo(&app, supervisees, seed).await
        }
    }
}

/// `containment calendar`: the holidays of a year, or a due date counted in working days, on
/// the calendar the county's due dates use. Bad input exits 2 with the reason.
/// `import caseload`: what was (or would be) created and matched on standard output, every
/// problem as a table of row, column and message on standard error.
async fn import_caseload(
    app: &App,
    file: &Path,
    agency: &str,
    dry_run: bool,
) -> anyhow::Result<ExitCode> {
    let size = std::fs::metadata(file)
        .with_context(|| format!("cannot read {}", file.display()))?
        .len();
    let limit = containment_domain::caseload_import::MAX_IMPORT_BYTES;
    if size > u64::try_from(limit).unwrap_or(u64::MAX) {
        note!(
            "{}: the file is too large ({} KiB): the limit is {} KiB; split it into parts",
            file.display(),
            size / 1024,
            limit / 1024
        );
        return Ok(ExitCode::from(2));
    }
    let content = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let report = match app
        .import_caseload(
            &Actor::console(),
            Some(agency),
            &content,
            dry_run,
            chrono_now(),
        )
        .await
    {
        Ok(r) => r,
        Err(AppError::InvalidInput(m)) => {
            note!("{m}");
            return Ok(ExitCode::from(2));
        }
        Err(e) => return Err(e.into()),
    };
    for c in &report.created {
        let id = c
            .supervisee_id
            .map_or_else(|| "new".to_owned(), |id| format!("record {id}"));
        println_out(&format!(
            "row {}\t{}\t{}\t{}\t{}",
            c.row, id, c.legal_name, c.kind, c.start
        ));
    }
    for m in &report.matched {
        println_out(&format!(
            "row {}\trecord {}\talready on file (same {})",
            m.row, m.supervisee_id, m.matched_by
        ));
    }
    if !report.problems.is_empty() {
        note!("Nothing was imported. Problems:");
        note!("{:<6} {:<28} message", "row", "column");
        for p in &report.problems {
            note!(
                "{:<6} {:<28} {}",
                p.row.map_or_else(|| "file".to_owned(), |r| r.to_string()),
                p.column.as_deref().unwrap_or("-"),
                p.message
            );
        }
        return Ok(ExitCode::from(2));
    }
    println_out(&format!(
        "{}: {} supervisees {}, {} already on file",
        report.agency,
        report.created.len(),
        if report.committed {
            "imported"
        } else {
            "would be imported (dry run)"
        },
        report.matched.len()
    ));
    Ok(ExitCode::SUCCESS)
}

async fn calendar(app: &App, args: CalendarArgs) -> anyhow::Result<ExitCode> {
    let answer = async {
        let calendar = app.county_calendar(args.county.as_deref()).await?;
        note!("{}", calendar.described());
        match args.action {
            Some(CalendarCommand::AddWorkingDays { date, days }) => {
                let due = calendar.add_working_days(date, days)?;
                println_out(&due.to_string());
            }
            None => {
                let year = args.year.unwrap_or_else(|| {
                    chrono::Datelike::year(&containment_domain::case::local_date(chrono_now()))
                });
                for h in calendar.holidays_in(year)? {
                    println_out(&format!("{}\t{}\t{}", h.date, h.date.format("%a"), h.name));
                }
            }
        }
        Ok::<(), AppError>(())
    };
    match answer.await {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(AppError::InvalidInput(m)) => {
            note!("{m}");
            Ok(ExitCode::from(2))
        }
        Err(e) => Err(e.into()),
    }
}

/// Whether two database URLs name the same database: equal URLs, or one SQLite file.
fn same_database(a: &str, b: &str) -> bool {
    fn sqlite_path(url: &str) -> Option<PathBuf> {
        let rest = url
            .strip_prefix("sqlite://")
            .or(url.strip_prefix("sqlite:"))?;
        let path = Path::new(rest.split('?').next().unwrap_or_default());
        Some(path.canonicalize().unwrap_or_else(|_| path.to_owned()))
    }
    a.trim() == b.trim() || matches!((sqlite_path(a), sqlite_path(b)), (Some(x), Some(y)) if x == y)
}

fn backend_name(url: &str) -> &'static str {
    if url.starts_with("sqlite:") {
        "sqlite"
    } else {
        "postgres"
    }
}

/// Opens the database for an administrative command, refusing to work on an old schema.
async fn open_current(url: &str) -> anyhow::Result<App> {
    let app = App::open(url, false).await?;
    let pending = app
        .migration_states()
        .await?
        .iter()
        .filter(|m| !m.applied)
        .count();
    if pending > 0 {
        anyhow::bail!("{pending} migrations pending: run `containment migrate apply` first");
    }
    Ok(app)
}

/// Opens the database and its key file for a command that signs or reads protected secrets.
async fn open_keyed(url: &str, global: &Global) -> anyhow::Result<App> {
    let (app, _) = open_current(url)
        .await?
        .open_key_file(&global.key_file(), chrono_now())
        .await?;
    Ok(app)
}

/// Command results go to standard output, so they can be piped. A reader that stops early
/// (`containment user list | head`) ends the command quietly, with the status a command
/// stopped by SIGPIPE has (141), instead of a panic; another write failure is reported.
pub(crate) fn println_out(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{line}").and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(141);
        }
        note!("error: cannot write the output: {e}");
        std::process::exit(1);
    }
}

/// Hands the first administrator's one-time password to a person, never to a log stream: on
/// the terminal when standard error is one; otherwise (a service manager, a container, a log
/// collector reads standard error) in a file of the data folder only this operating-system
/// account may read, and only that file's path is logged.
fn hand_over_first_admin(
    admin: &containment_app::FirstAdmin,
    data_dir: &Path,
) -> anyhow::Result<()> {
    let text = format!(
        "First administrator created. Sign in with:\n  e-mail:            {}\n  one-time \
         password: {}\nThis password must be changed at first sign-in.\n",
        admin.email, admin.one_time_password
    );
    if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        note!("\n{text}This password is shown only now.\n");
        return Ok(());
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create the data folder {}", data_dir.display()))?;
    let path = data_dir.join(FIRST_ADMIN_FILE);
    write_private(&path, &text).with_context(|| format!("cannot write {}", path.display()))?;
    tracing::warn!(
        path = %path.display(),
        "first administrator created: the sign-in e-mail and one-time password are in this \
         file, readable by this account only; delete it once the administrator has signed in"
    );
    Ok(())
}

/// Where `serve` leaves the first administrator's password when no terminal shows it.
const FIRST_ADMIN_FILE: &str = "first-admin-password.txt";

/// Writes a new file readable and writable by this account only (mode 0600 from the start,
/// never briefly wider), replacing an older one; a symbolic link in its place is not followed.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

async fn serve(
    url: &str,
    key_file: &Path,
    data_dir: &Path,
    args: ServeArgs,
    mail: Option<containment_app::MailConfig>,
) -> anyhow::Result<ExitCode> {
    let admin_email = Email::parse(&args.admin_email).context("--admin-email")?;
    if let Some(mail) = &mail {
        check_mail_relay(mail).await?;
    }
    let (mut app, _) = App::open(url, !args.skip_migrations)
        .await
        .context("cannot open the database")?
        .open_key_file(key_file, chrono_now())
        .await?;
    // Secrets stored before encryption, or under a key since rotated, move to the current key.
    let resealed = app.reseal_secrets(chrono_now()).await?;
    if resealed.totp_secrets > 0 || resealed.recovery_codes > 0 {
        tracing::info!(
            totp_secrets = resealed.totp_secrets,
            recovery_codes = resealed.recovery_codes,
            "second-factor secrets brought under the current key"
        );
    }
    if let Some(mail) = mail.clone() {
        app = app.with_mail(mail);
    }
    tracing::info!(backend = app.backend().name(), "database ready");
    if let Some(admin) = app.ensure_first_admin(&admin_email, chrono_now()).await? {
        hand_over_first_admin(&admin, data_dir)?;
    }
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let local = listener.local_addr()?;
    tracing::info!(address = %local, "serving on http://{local}");
    let config = containment_web::WebConfig {
        secure_cookies: !args.dev_insecure_cookies,
        tls: args.tls_cert.is_some(),
        trusted_proxies: containment_web::TrustedProxies::new(args.trusted_proxies.clone()),
        metrics: args
            .metrics_listen
            .map(|_| std::sync::Arc::new(containment_web::HttpMetrics::default())),
    };
    if let (Some(addr), Some(counts)) = (args.metrics_listen, config.metrics.clone()) {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen for metrics on {addr}"))?;
        tracing::info!(%addr, "serving /metrics");
        let router = containment_web::metrics_router(app.clone(), counts);
        tokio::spawn(async move {
            let forever = std::future::pending::<()>();
            if let Err(e) = containment_web::serve(listener, router, forever).await {
                tracing::error!(error = %e, "metrics listener stopped");
            }
        });
    }
    if args.dev_insecure_cookies {
        tracing::warn!("cookies are sent without the Secure flag: for local development only");
    }
    if args.reminder_interval_minutes > 0 {
        let every = std::time::Duration::from_secs(args.reminder_interval_minutes * 60);
        let worker = app.clone();
        tokio::spawn(async move {
            // The first run waits a minute, so start-up stays quick.
            let first = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
            let mut tick = tokio::time::interval_at(first, every);
            loop {
                tick.tick().await;
                match worker.run_reminders(chrono_now()).await {
                    Ok(run) => {
                        tracing::info!(cases = run.cases, created = run.created, "reminder job ran")
                    }
                    Err(e) => {
                        tracing::warn!(code = e.code(), "reminder job failed; next run retries")
                    }
                }
            }
        });
    }
    if args.audit_checkpoint_minutes > 0 {
        let every = std::time::Duration::from_secs(args.audit_checkpoint_minutes * 60);
        let worker = app.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                checkpoint(&worker).await;
            }
        });
    }
    let router = containment_web::router(app, config);
    match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            let acceptor = tls::acceptor(cert, key)?;
            tracing::info!("serving HTTPS");
            containment_web::serve_tls(listener, acceptor, router, shutdown_signal()).await?;
        }
        _ => containment_web::serve(listener, router, shutdown_signal()).await?,
    }
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// One run of the checkpoint job: signs the head when the chain since the last checkpoint links.
async fn checkpoint(app: &App) {
    use containment_app::{AuditVerdict, CheckpointOrigin};
    match app
        .checkpoint_audit(CheckpointOrigin::Interval, chrono_now())
        .await
    {
        Ok(AuditVerdict::Intact { head, .. }) => {
            tracing::debug!(seq = head.head.seq, "audit chain head signed");
        }
        Ok(AuditVerdict::Broken(b)) => tracing::error!(
            position = b.position,
            reason = b.reason,
            "the audit chain no longer matches its last signed checkpoint: run `containment audit verify`"
        ),
        Ok(AuditVerdict::Forged { what, seq, fault }) => tracing::error!(
            what,
            seq,
            reason = fault.describe(),
            "an audit checkpoint is not genuine: run `containment audit verify`"
        ),
        Err(e) => tracing::warn!(code = e.code(), "audit checkpoint failed; next run retries"),
    }
}

/// Tries the mail relay once before serving: one that answers but cannot be used as configured
/// (no STARTTLS, a certificate not trusted) stops the start with the reason; one that does not
/// answer now is only a warning, since reminders are retried.
async fn check_mail_relay(mail: &containment_app::MailConfig) -> anyhow::Result<()> {
    match containment_app::check_relay(mail).await {
        Ok(()) => {
            tracing::info!(security = ?mail.security, "mail relay ready");
            if mail.security == containment_app::MailSecurity::Plain {
                tracing::warn!(
                    "--smtp-insecure: reminder e-mail travels to the relay in the clear"
                );
            }
            Ok(())
        }
        Err(containment_app::MailProblem::Unreachable(m)) => {
            tracing::warn!(error = %m, "mail relay not reachable now; reminders retry later");
            Ok(())
        }
        Err(containment_app::MailProblem::Refused(m)) => anyhow::bail!("--smtp-url: {m}"),
    }
}

fn chrono_now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn passwords_in_urls_stay_out_of_debug_output() {
        let cli = Cli::try_parse_from([
            "containment",
            "--database-url",
            "postgres://app:db-s3cret@db.agency.example/containment",
            "--smtp-url",
            "smtps://relay:mail-s3cret@mail.agency.example",
            "migrate",
            "status",
        ])
        .unwrap();
        let shown = format!("{cli:?}");
        assert!(!shown.contains("db-s3cret"), "{shown}");
        assert!(!shown.contains("mail-s3cret"), "{shown}");
        assert_eq!(
            database_url(&cli.global, false).unwrap(),
            "postgres://app:db-s3cret@db.agency.example/containment"
        );
        let mail = cli.global.mail().unwrap().unwrap();
        assert!(!format!("{mail:?}").contains("mail-s3cret"));
    }

    #[test]
    fn every_command_has_help() {
        let mut cmd = Cli::command();
        cmd.build();
        fn walk(cmd: &clap::Command, path: &str) {
            for sub in cmd.get_subcommands() {
                let name = format!("{path} {}", sub.get_name());
                assert!(sub.get_about().is_some(), "`{name}` has no help text");
                for arg in sub.get_arguments() {
                    if arg.get_id() != "help" && arg.get_id() != "version" {
                        assert!(
                            arg.get_help().is_some(),
                            "`{name} --{}` has no help",
                            arg.get_id()
                        );
                    }
                }
                walk(sub, &name);
            }
        }
        walk(&cmd, "containment");
    }

    #[test]
    fn default_database_is_sqlite_in_the_data_folder() {
        assert_eq!(
            sqlite_url(Path::new("data/containment.db")),
            "sqlite://data/containment.db?mode=rwc"
        );
    }
}
