//! Installation details on the empty-team page: admins only, never the URL's userinfo.

use ringside::auth::Role;

use crate::support::TestApp;
use crate::support::accounts::{member, setup};
use crate::support::app::serve_args;

#[tokio::test]
async fn only_admins_see_the_installation_and_never_its_credentials() {
    let app = TestApp::spawn_with(serve_args(&[
        "--revring-base-url",
        "http://robot:hunter2@127.0.0.1:9/v1",
        "--no-sync",
    ]))
    .await;
    let (admin, team) = setup(&app, "QA").await;
    let page = admin.page("/").await;
    assert!(
        page.contains("Installation") && page.contains("PostgreSQL"),
        "{page}"
    );
    assert!(page.contains("http://127.0.0.1:9/v1"), "{page}");
    assert!(
        !page.contains("hunter2") && !page.contains("robot"),
        "{page}"
    );

    let (viewer, _) = member(&app, "vic@example.com", team, Role::Member).await;
    let page = viewer.page("/").await;
    assert!(
        !page.contains("Installation") && !page.contains("PostgreSQL"),
        "{page}"
    );
    assert!(!page.contains("127.0.0.1:9"), "{page}");
}
