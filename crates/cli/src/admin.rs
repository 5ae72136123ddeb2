//! Administrative commands. They act as the server console: whoever can run them already holds
//! the database, so they are not subject to role checks, but every change is audited.

use std::path::Path;
use std::process::ExitCode;

use chrono::Utc;
use containment_app::{AccountAction, Actor, App, AuditVerdict, CheckpointOrigin, Keyring};
use containment_domain::audit::SignedHead;
use containment_domain::{AgencyKind, Email, Role};

use crate::{AgencyCommand, TokenCommand, UserCommand, println_out};

pub(crate) async fn user(app: &App, cmd: UserCommand) -> anyhow::Result<ExitCode> {
    let console = Actor::console();
    let now = Utc::now();
    match cmd {
        UserCommand::Add {
            email,
            name,
            agency,
            roles,
        } => {
            let roles = roles
                .iter()
                .map(|r| r.parse::<Role>())
                .collect::<Result<Vec<_>, _>>()?;
            let Some(agency) = app.agency_by_name(&agency).await? else {
                anyhow::bail!("no agency is named \"{agency}\" (see `containment agency list`)");
            };
            let created = app
                .add_user(&console, agency.id, &email, &name, &roles, now)
                .await?;
            println_out(&format!(
                "account {} created for {}",
                created.user.id, created.user.email
            ));
            println_out(&format!("one-time password: {}", created.one_time_password));
            note!("Give the password to the person directly; it is not shown again.");
        }
        UserCommand::List => {
            for u in app.users(&console).await? {
                let roles: Vec<_> = u.roles.iter().map(|r| r.code()).collect();
                let status = if u.disabled {
                    "disabled"
                } else if u.locked {
                    "locked"
                } else {
                    "active"
                };
                println_out(&format!(
                    "{}\t{}\t{}\tagency {}\t{}\t{}",
                    u.id,
                    u.email,
                    u.display_name,
                    u.agency_id,
                    roles.join(","),
                    status
                ));
            }
        }
        UserCommand::Disable { email } => {
            account_action(app, &email, AccountAction::Disable).await?;
            note!("Disabled; the account's sessions have ended.");
        }
        UserCommand::Enable { email } => {
            account_action(app, &email, AccountAction::Enable).await?;
            note!("Enabled.");
        }
        UserCommand::Unlock { email } => {
            account_action(app, &email, AccountAction::Unlock).await?;
            note!("Unlocked.");
        }
        UserCommand::ResetMfa { email } => {
            account_action(app, &email, AccountAction::ResetMfa).await?;
            note!("Two-step verification reset; the person enrolls again at next sign-in.");
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn account_action(app: &App, email: &str, action: AccountAction) -> anyhow::Result<()> {
    let console = Actor::console();
    let user = app.user_by_email(&console, email).await?;
    app.administer_user(&console, user.id, action, Utc::now())
        .await?;
    Ok(())
}

pub(crate) async fn agency(app: &App, cmd: AgencyCommand) -> anyhow::Result<ExitCode> {
    let console = Actor::console();
    match cmd {
        AgencyCommand::Add { name, kind, county } => {
            let kind: AgencyKind = kind.parse()?;
            let agency = app
                .add_agency(&console, &name, kind, county.as_deref(), Utc::now())
                .await?;
            println_out(&format!("agency {} created: {}", agency.id, agency.name));
        }
        AgencyCommand::List => {
            for a in app.agencies(&console).await? {
                println_out(&format!(
                    "{}\t{}\t{}\t{}",
                    a.id,
                    a.name,
                    a.kind.code(),
                    a.county.unwrap_or_default()
                ));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn token(app: &App, cmd: TokenCommand) -> anyhow::Result<ExitCode> {
    let console = Actor::console();
    match cmd {
        TokenCommand::Create {
            user,
            name,
            expires_days,
        } => {
            let email = Email::parse(&user)?;
            let created = app
                .create_token(&console, &email, &name, expires_days, Utc::now())
                .await?;
            println_out(&created.token);
            note!(
                "Token {} created for {email}. It is shown only now; store it in the program's secret store.",
                created.record.id
            );
        }
        TokenCommand::List { user } => {
            let email = user.as_deref().map(Email::parse).transpose()?;
            for t in app.tokens(&console, email.as_ref()).await? {
                let status = if t.revoked_at.is_some() {
                    "revoked".to_owned()
                } else {
                    t.expires_at
                        .map_or_else(|| "no expiry".to_owned(), |e| format!("expires {e}"))
                };
                println_out(&format!(
                    "{}\tuser {}\t{}…\t{}\t{}",
                    t.id, t.user_id, t.prefix, t.name, status
                ));
            }
        }
        TokenCommand::Revoke { id } => {
            app.revoke_token(&console, id, Utc::now()).await?;
            note!("Token {id} revoked.");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn audit_verify(
    app: &App,
    anchor: Option<&SignedHead>,
) -> anyhow::Result<ExitCode> {
    let verdict = app.verify_audit(anchor, Utc::now()).await?;
    if let AuditVerdict::Intact {
        events,
        checkpoints,
        head,
    } = &verdict
    {
        let with_anchor = if anchor.is_some() {
            " and the anchor"
        } else {
            ""
        };
        println_out(&format!(
            "audit chain intact: {events} events, consistent with {checkpoints} signed \
             checkpoints{with_anchor}; head signed at sequence {}",
            head.head.seq
        ));
        return Ok(ExitCode::SUCCESS);
    }
    println_out(&fault(&verdict));
    Ok(ExitCode::from(1))
}

/// The line that says what is wrong with the trail.
fn fault(verdict: &AuditVerdict) -> String {
    match verdict {
        AuditVerdict::Intact { .. } => "audit chain intact".to_owned(),
        AuditVerdict::Broken(b) => format!(
            "audit chain BROKEN at position {} (sequence {}): {}",
            b.position, b.seq, b.reason
        ),
        AuditVerdict::Forged { what, seq, fault } => format!(
            "audit chain NOT TRUSTED: the {what} at sequence {seq} is not genuine: {}",
            fault.describe()
        ),
    }
}

pub(crate) async fn audit_anchor(app: &App) -> anyhow::Result<ExitCode> {
    match app
        .checkpoint_audit(CheckpointOrigin::Anchor, Utc::now())
        .await?
    {
        AuditVerdict::Intact { head, .. } => {
            println_out(&head.anchor_line());
            eprintln!(
                "Keep this line outside the database; `containment audit verify --anchor FILE` \
                 checks the trail against it."
            );
            Ok(ExitCode::SUCCESS)
        }
        other => {
            println_out(&fault(&other));
            Ok(ExitCode::from(1))
        }
    }
}

pub(crate) async fn keys_rotate(app: App, key_file: &Path) -> anyhow::Result<ExitCode> {
    let now = Utc::now();
    let rotated = Keyring::load(key_file)?.rotated(now)?;
    // The new key is on disk before anything in the database depends on it.
    rotated.replace_file(key_file)?;
    let app = app.with_keys(rotated);
    let (resealed, verdict) = app.adopt_rotated_key(now).await?;
    println_out(&format!(
        "key file {}: {} keys, the current one {}; {} TOTP secrets re-encrypted",
        key_file.display(),
        app.keys().ids().count(),
        app.keys().current_id().unwrap_or_default(),
        resealed.totp_secrets
    ));
    if resealed.unreadable > 0 {
        eprintln!(
            "{} accounts have a TOTP secret under a key the file does not hold; reset their \
             two-step verification (`user reset-mfa`).",
            resealed.unreadable
        );
    }
    eprintln!("Restart every instance so that it uses the new key.");
    if !matches!(verdict, AuditVerdict::Intact { .. }) {
        println_out(&fault(&verdict));
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn keys_create(app: App, key_file: &Path) -> anyhow::Result<ExitCode> {
    if key_file.exists() {
        anyhow::bail!(
            "the key file {} exists already; `keys create` only replaces a lost one",
            key_file.display()
        );
    }
    let keys = containment_app::create_key_file(key_file, Utc::now())?;
    let app = app.with_keys(keys);
    app.record_new_key_file(Utc::now()).await?;
    println_out(&format!(
        "key file {} created with the key {}",
        key_file.display(),
        app.keys().current_id().unwrap_or_default()
    ));
    eprintln!("Back it up now, apart from the database's backups.");
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn demo(app: &App, supervisees: usize, seed: u64) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    let summary = app
        .generate_demo(supervisees, seed, Utc::now(), |done| {
            note!(
                "{done} of {supervisees} supervisees ({:.0} s)",
                started.elapsed().as_secs_f64()
            );
        })
        .await?;
    println_out(&format!(
        "demo data: {} agencies, {} accounts, {} supervisees, {} team memberships, {} waivers, {} scores, {} treatments, {} sessions, {} monthly reports, {} teams above the case with {} workplan activities",
        summary.agencies,
        summary.users,
        summary.supervisees,
        summary.team_members,
        summary.waivers,
        summary.scores,
        summary.treatments,
        summary.sessions,
        summary.monthly_reports,
        summary.teams,
        summary.team_activities
    ));
    println_out(&format!(
        "every demo account signs in with the password: {}",
        containment_app::DEMO_PASSWORD
    ));
    for (role, email) in &summary.sample_accounts {
        println_out(&format!("  {:<22} {email}", role.label()));
    }
    Ok(ExitCode::SUCCESS)
}

/// After a restore or copy: the target's audit trail is walked with the key file, through every
/// checkpoint carried over. Exit 0 only when it is intact.
pub(crate) async fn verify_arrival(
    url: &str,
    key_file: &Path,
    summary: containment_app::ArchiveSummary,
) -> anyhow::Result<ExitCode> {
    let app = App::open(url, false).await?;
    let pending = app.store().pending_migrations().await?;
    if pending > 0 {
        note!(
            "The backup's schema is {pending} migrations older than this release's: run \
             `containment migrate apply` to bring it up to date, then `containment audit verify`."
        );
        return Ok(ExitCode::SUCCESS);
    }
    let (app, _) = match app.open_key_file(key_file, Utc::now()).await {
        Ok(opened) => opened,
        Err(e) => {
            note!("The audit trail could not be verified: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    let verdict = app.verify_audit(None, Utc::now()).await?;
    match &verdict {
        AuditVerdict::Intact { events, .. } => {
            println_out(&format!(
                "audit chain intact in the target: {events} events ({} rows carried)",
                summary.rows
            ));
            Ok(ExitCode::SUCCESS)
        }
        _ => {
            println_out(&fault(&verdict));
            Ok(ExitCode::from(1))
        }
    }
}
