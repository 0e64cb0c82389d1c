//! `Path` and `Query` extractors whose failures read right: a malformed id in a path is a page
//! that does not exist (404), and a malformed query value is a plain 400 that names the field,
//! never the parser's message. Handlers import these instead of axum's.

use axum::extract::FromRequestParts;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::web::kit::error::AppError;

/// axum's `Path`, answering 404 when the path's values do not parse.
#[derive(Debug, Clone, Copy)]
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match <axum::extract::Path<T> as FromRequestParts<S>>::from_request_parts(parts, state)
            .await
        {
            Ok(axum::extract::Path(value)) => Ok(Self(value)),
            Err(rejection) => Err(path_problem(&rejection)),
        }
    }
}

fn path_problem(rejection: &PathRejection) -> AppError {
    match rejection {
        PathRejection::FailedToDeserializePathParams(_) => AppError::NotFound,
        other => AppError::Internal(anyhow::anyhow!("path parameters: {other}")),
    }
}

/// axum's `Query`, answering a plain 400 that names the field whose value does not parse.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match <axum::extract::Query<T> as FromRequestParts<S>>::from_request_parts(parts, state)
            .await
        {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(rejection) => Err(AppError::BadRequest(query_problem(&rejection))),
        }
    }
}

/// The plain words for a query that did not parse: the field's name when the parser gave it.
fn query_problem(rejection: &QueryRejection) -> String {
    let text = rejection.body_text();
    let detail = text
        .strip_prefix("Failed to deserialize query string: ")
        .unwrap_or(&text);
    let field = detail
        .split_once(": ")
        .map(|(field, _)| field)
        .filter(|field| {
            !field.is_empty()
                && field
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        });
    match field {
        Some(field) => format!(
            "The address has a value for “{field}” that this page cannot use. \
             Check the link, or go back and choose again."
        ),
        None => "The address has a value this page cannot use. Check the link, or go back and \
                 choose again."
            .into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Wanted {
        run: Option<uuid::Uuid>,
        page: Option<u32>,
    }

    async fn query(uri: &str) -> Result<Query<Wanted>, AppError> {
        let (mut parts, ()) = Request::get(uri).body(()).unwrap().into_parts();
        <Query<Wanted> as FromRequestParts<()>>::from_request_parts(&mut parts, &()).await
    }

    #[tokio::test]
    async fn a_bad_query_value_is_named_in_plain_words() {
        let Err(AppError::BadRequest(message)) = query("/compare?run=nope").await else {
            panic!("a 400");
        };
        assert!(message.contains("“run”"), "{message}");
        assert!(!message.to_lowercase().contains("uuid"), "{message}");
        assert!(!message.contains("deserialize"), "{message}");
        let Err(AppError::BadRequest(message)) = query("/x?page=-1").await else {
            panic!("a 400");
        };
        assert!(message.contains("“page”"), "{message}");
        assert!(query("/x?page=2").await.is_ok());
    }
}
