//! `Idempotency-Key` on the API's POST routes: a retried create gets the first answer instead
//! of making a second record. Runs after the route's guard, so only a caller the route admits
//! reaches a kept answer; keys belong to the calling account.

use axum::body::{Body, to_bytes};
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use containment_app::{IdempotencyClaim, StoredAnswer, idempotency_key, request_fingerprint};

use crate::AppState;
use crate::error::ApiError;
use crate::identity::Identity;
use crate::routes::UPLOAD_BODY_LIMIT;

/// The request header naming a key.
pub(crate) const HEADER: &str = "idempotency-key";

/// Marks an answer given again from a key.
const REPLAYED: &str = "idempotent-replayed";

/// The largest answer kept (a create answers with a few hundred bytes).
const MAX_KEPT_ANSWER: usize = 1024 * 1024;

pub(crate) async fn retry_safely(req: Request, next: Next) -> Response {
    let Some(raw) = req.headers().get(HEADER).map(|v| v.as_bytes().to_vec()) else {
        return next.run(req).await;
    };
    let (Some(state), Some(actor)) = (
        req.extensions().get::<AppState>().cloned(),
        req.extensions()
            .get::<Identity>()
            .and_then(Identity::actor)
            .cloned(),
    ) else {
        return next.run(req).await;
    };
    let key = match idempotency_key(&raw) {
        Ok(k) => k.to_owned(),
        Err(e) => return ApiError::from(e).into_response(),
    };
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(String::new, |m| m.as_str().to_owned());
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, UPLOAD_BODY_LIMIT).await else {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "The request body is too large.",
        )
        .into_response();
    };
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let fingerprint = request_fingerprint(
        parts.method.as_str(),
        parts.uri.path(),
        content_type,
        &bytes,
    );
    let claim = state
        .app
        .claim_idempotency_key(&actor, &key, &fingerprint, &route, Utc::now())
        .await;
    match claim {
        Err(e) => ApiError::from(e).into_response(),
        Ok(IdempotencyClaim::Answered(answer)) => replay(answer),
        Ok(IdempotencyClaim::InProgress) => ApiError::new(
            StatusCode::CONFLICT,
            "idempotency_key_in_use",
            "A request with this Idempotency-Key is still being answered; try again in a moment.",
        )
        .into_response(),
        Ok(IdempotencyClaim::OtherRequest) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            format!(
                "This Idempotency-Key was used in the last {} hours for a different request \
                 (another route or body); use a new key for a new request.",
                containment_app::IDEMPOTENCY_KEEP_HOURS
            ),
        )
        .into_response(),
        Ok(IdempotencyClaim::Claimed) => {
            let res = next
                .run(Request::from_parts(parts, Body::from(bytes)))
                .await;
            if !res.status().is_success() {
                // Nothing was made: a retry with the same key runs again.
                if let Err(e) = state.app.release_idempotency_key(&actor, &key).await {
                    tracing::warn!(code = e.code(), "idempotency key not released");
                }
                return res;
            }
            let (head, body) = res.into_parts();
            let Ok(body) = to_bytes(body, MAX_KEPT_ANSWER).await else {
                tracing::error!("answer too large to keep for an idempotency key");
                return ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    "Something went wrong on our side. Please try again.",
                )
                .into_response();
            };
            let answer = StoredAnswer {
                status: head.status.as_u16(),
                content_type: head
                    .headers
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
                body: body.to_vec(),
            };
            if let Err(e) = state
                .app
                .keep_idempotent_answer(&actor, &key, &answer)
                .await
            {
                // The record was made and is answered; a retry within the next minutes is
                // told the key is in use rather than making a second one.
                tracing::warn!(code = e.code(), "idempotent answer not kept");
            }
            Response::from_parts(head, Body::from(body))
        }
    }
}

fn replay(answer: StoredAnswer) -> Response {
    let mut res = Response::new(Body::from(answer.body));
    *res.status_mut() = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    if let Some(ct) = answer
        .content_type
        .and_then(|c| HeaderValue::from_str(&c).ok())
    {
        res.headers_mut().insert(header::CONTENT_TYPE, ct);
    }
    res.headers_mut()
        .insert(REPLAYED, HeaderValue::from_static("true"));
    res
}
