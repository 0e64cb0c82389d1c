//! Error bodies of every shape become typed errors; the key never leaks.

use super::*;

#[tokio::test]
async fn statuses_become_typed_errors() {
    let cases = [
        (
            401,
            json!({"error": {"code": "UNAUTHORIZED", "message": "Invalid API key"}}),
            ErrorKind::Unauthorized,
        ),
        (403, json!({"error": "forbidden"}), ErrorKind::Unauthorized),
        (
            404,
            json!({"message": "Test suite not found"}),
            ErrorKind::NotFound,
        ),
        (
            400,
            json!({"errors": [{"message": "At least one test case is required"}]}),
            ErrorKind::Validation,
        ),
        (409, json!("Run already finished"), ErrorKind::Validation),
        (
            422,
            json!({"error": {"message": "maxConcurrency must be at least 2"}}),
            ErrorKind::Validation,
        ),
    ];
    for (status, body, kind) in cases {
        let (fake, client) = serve(vec![reply(status, body)]).await;
        let error = client.get_suite("s").await.unwrap_err();
        assert_eq!(error.kind(), kind, "{status}");
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
        assert!(error.upstream_message().is_some(), "{status}: {error:?}");
        assert_eq!(fake.hits(), 1, "{status} is not retried");
    }
    let (_, client) = serve(vec![reply(
        400,
        json!({"error": {"message": "name is too long"}}),
    )])
    .await;
    let error = client
        .create_test("s", &Default::default())
        .await
        .unwrap_err();
    assert_eq!(
        error.user_message(),
        "RevRing did not accept the request: name is too long"
    );
}

#[tokio::test]
async fn html_and_text_error_pages() {
    let mut page = reply(502, Value::Null);
    page.body = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>".into();
    let (_, client) = serve(vec![page]).await;
    let error = client.get_call("c").await.unwrap_err();
    assert_eq!(error.upstream_message(), Some("502 Bad Gateway"));

    let mut text = reply(401, Value::Null);
    text.body = "Unauthorized".into();
    let (_, client) = serve(vec![text]).await;
    let error = client.verify_key().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unauthorized);
    assert_eq!(error.upstream_message(), Some("Unauthorized"));
}

#[tokio::test]
async fn the_key_never_leaks() {
    let echo = reply(401, json!({"error": format!("key {KEY} is revoked")}));
    let (_, client) = serve(vec![echo]).await;
    assert!(!format!("{client:?}").contains(KEY));
    let error = client.verify_key().await.unwrap_err();
    for text in [
        format!("{error}"),
        format!("{error:?}"),
        error.user_message(),
    ] {
        assert!(!text.contains(KEY), "{text}");
    }
    assert_eq!(error.upstream_message(), Some("key [redacted] is revoked"));
}

#[tokio::test]
async fn malformed_success_is_a_decode_error() {
    let mut garbage = reply(200, Value::Null);
    garbage.body = "{not json".into();
    let (fake, client) = serve(vec![garbage]).await;
    let error = client.get_run("s", "r").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Decode);
    assert_eq!(fake.hits(), 1, "a bad body is not retried");
}
