//! Refused requests reach the audit trail from one place: the guard and the anti-forgery check
//! mark their refusals on the response, and [`crate::identity::resolve`], which knows who asked
//! and from where, writes them (through the application's rate limit) before the answer leaves.

use axum::extract::{MatchedPath, Request};
use axum::response::Response;
use chrono::Utc;
use containment_app::{Client, Refusal, RefusalKind, TokenRefusal};

use crate::AppState;
use crate::identity::Identity;

/// The mark a refusal leaves on its response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Refused(pub RefusalKind);

/// `response`, marked as a refusal of `kind`.
pub(crate) fn mark(mut response: Response, kind: RefusalKind) -> Response {
    response.extensions_mut().insert(Refused(kind));
    response
}

/// The method and route template of a request, taken before the request moves on.
#[derive(Debug, Clone)]
pub(crate) struct RequestLine {
    method: String,
    route: String,
}

impl RequestLine {
    pub(crate) fn of(req: &Request) -> Self {
        RequestLine {
            method: req.method().as_str().to_owned(),
            // The template, never the concrete path: ids and names stay out of the event.
            route: req
                .extensions()
                .get::<MatchedPath>()
                .map_or("unmatched", MatchedPath::as_str)
                .to_owned(),
        }
    }
}

/// Who asked, as far as known: the person or program, or the account of a session that is
/// still owed its second factor or is locked.
fn refusal(kind: RefusalKind, identity: &Identity, client: &Client, line: &RequestLine) -> Refusal {
    let mut refusal = Refusal::new(kind, &line.method, &line.route);
    match identity {
        Identity::Session { actor, .. } | Identity::Bearer { actor } => {
            refusal = refusal.by(actor);
        }
        Identity::MfaPending { user, session } | Identity::Locked { user, session } => {
            refusal.user_id = Some(user.id);
            refusal.session_id = Some(session.id);
        }
        Identity::Anonymous => {}
    }
    refusal.client_addr = client.addr.clone();
    refusal
}

async fn write(state: &AppState, refusal: Refusal) {
    if let Err(e) = state.app.record_refusal(refusal, Utc::now()).await {
        // The refusal is answered all the same: it discloses nothing.
        tracing::error!(
            code = e.code(),
            "a refused request could not be written to the audit trail"
        );
    }
}

/// Writes the refusal a response is marked with, if any.
pub(crate) async fn record_marked(
    state: &AppState,
    identity: &Identity,
    client: &Client,
    line: &RequestLine,
    response: &mut Response,
) {
    if let Some(Refused(kind)) = response.extensions_mut().remove::<Refused>() {
        write(state, refusal(kind, identity, client, line)).await;
    }
}

/// Writes the refusal of a presented API token.
pub(crate) async fn record_token(
    state: &AppState,
    refused: TokenRefusal,
    client: &Client,
    line: &RequestLine,
) {
    let mut refusal = refusal(
        RefusalKind::TokenRefused,
        &Identity::Anonymous,
        client,
        line,
    );
    refusal.user_id = refused.user_id;
    refusal.token_id = refused.token_id;
    refusal.reason = Some(refused.reason);
    write(state, refusal).await;
}
