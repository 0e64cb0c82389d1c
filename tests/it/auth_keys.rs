//! RevRing API keys: verified against the simulator before saving, stored encrypted, shown
//! masked, rotated and revoked; unreadable under another master key without crashing.

use reqwest::StatusCode;
use ringside::auth::Role;
use ringside::crypto::MasterKey;
use ringside::simulator::{Simulator, SimulatorConfig};
use ringside::sync::keys::KeyProblem;
use secrecy::ExposeSecret;
use sqlx::PgPool;
use uuid::Uuid;

use crate::auth_teams::stored_key;
use crate::support::TestApp;
use crate::support::accounts::{Visitor, create_team, location, member, setup};
use crate::support::app::serve_args;

/// Keys the simulator accepts (each its own organization).
pub(crate) const PRODUCTION: &str = "rr_sim_production_SECRETPLAIN_a1b2";
const STAGING: &str = "rr_sim_staging_SECRETPLAIN_c3d4";
const ROTATED: &str = "rr_sim_rotated_SECRETPLAIN_e5f6";

/// A simulator accepting the three keys above.
pub(crate) async fn simulator() -> Simulator {
    Simulator::start(SimulatorConfig {
        keys: [PRODUCTION, STAGING, ROTATED].map(str::to_owned).to_vec(),
        ..SimulatorConfig::default_for_tests()
    })
    .await
    .expect("the simulator starts")
}

/// Every row of every table (sessions included) as text, bytea as hex.
async fn database_dump(db: &PgPool) -> String {
    let tables: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_schema::text, table_name::text FROM information_schema.tables
         WHERE table_schema IN ('public', 'tower_sessions') AND table_type = 'BASE TABLE'",
    )
    .fetch_all(db)
    .await
    .unwrap();
    assert!(tables.iter().any(|(_, name)| name == "api_keys"));
    let mut dump = String::new();
    for (schema, table) in tables {
        let rows: String = sqlx::query_scalar(&format!(
            "SELECT coalesce(string_agg(t::text, E'\\n'), '') FROM \"{schema}\".\"{table}\" t"
        ))
        .fetch_one(db)
        .await
        .unwrap();
        dump.push_str(&rows);
    }
    dump
}

fn hex(text: &str) -> String {
    text.bytes().map(|byte| format!("{byte:02x}")).collect()
}

#[tokio::test]
async fn keys_are_verified_encrypted_masked_rotated_and_revoked() {
    let sim = simulator().await;
    let app = TestApp::spawn_with(serve_args(&[
        "--revring-base-url",
        &sim.base_url(),
        "--master-key",
        TEST_MASTER_KEY,
    ]))
    .await;
    let (admin, team) = setup(&app, "QA").await;
    let mut pages = Vec::new();

    // A key RevRing rejects is explained and not saved; the secret is not sent back.
    let response = admin
        .post(
            "/keys",
            &[("label", "Production"), ("secret", "rr_wrong_key_0000")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("RevRing rejected the API key"), "{html}");
    assert!(html.contains("value=\"Production\"") && !html.contains("rr_wrong_key_0000"));
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM api_keys")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(count, 0);

    let response = admin
        .post("/keys", &[("label", "Production"), ("secret", PRODUCTION)])
        .await;
    assert_eq!(location(&response), "/keys");
    let keys = admin.page("/keys").await;
    assert!(keys.contains("Added the key “Production”"));
    assert!(keys.contains("••••a1b2") && keys.contains("Active"));
    pages.push(keys);

    // Several keys per team, labels unique among active keys.
    let response = admin
        .post("/keys", &[("label", "production"), ("secret", STAGING)])
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("already has this label")
    );
    admin
        .post("/keys", &[("label", "Staging"), ("secret", STAGING)])
        .await;
    let active = ringside::db::api_keys::active_keys(&app.db, team)
        .await
        .unwrap();
    assert_eq!(
        active
            .iter()
            .map(|k| (k.label.as_str(), k.hint.as_str()))
            .collect::<Vec<_>>(),
        [("Production", "a1b2"), ("Staging", "c3d4")]
    );
    let production = active[0].id;

    // Rotation: a bad secret is refused inline; a good one keeps id, label and history.
    let rotate = format!("/keys/{production}/rotate");
    let response = admin.post(&rotate, &[("secret", "rr_bad_0000")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("RevRing rejected the API key")
    );
    assert_eq!(
        location(&admin.post(&rotate, &[("secret", ROTATED)]).await),
        "/keys"
    );
    let keys = admin.page("/keys").await;
    assert!(keys.contains("Rotated the key “Production”") && keys.contains("••••e5f6"));
    pages.push(keys);
    let (label, rotated): (String, bool) =
        sqlx::query_as("SELECT label, rotated_at IS NOT NULL FROM api_keys WHERE id = $1")
            .bind(production)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!((label.as_str(), rotated), ("Production", true));

    // The decrypted client works; other teams' and revoked keys are not found.
    let state = app_state(&app, &sim);
    let client = state
        .revring_access()
        .client_for(team, production)
        .await
        .unwrap();
    client.verify_key().await.unwrap();
    let other_team = create_team(&app.db, "Other").await;
    let refused = state
        .revring_access()
        .client_for(other_team, production)
        .await;
    assert!(matches!(refused, Err(KeyProblem::Revoked)));

    let response = admin.post(&format!("/keys/{production}/revoke"), &[]).await;
    assert_eq!(location(&response), "/keys");
    let keys = admin.page("/keys").await;
    assert!(
        keys.contains("Revoked the key “Production”")
            && keys.contains("Revoked <time datetime=\"20")
    );
    pages.push(keys);
    let refused = state.revring_access().client_for(team, production).await;
    assert!(matches!(refused, Err(KeyProblem::Revoked)));
    assert_eq!(
        ringside::db::api_keys::active_keys(&app.db, team)
            .await
            .unwrap()
            .len(),
        1
    );

    // Every page a team member can see, and the whole database, lack every plaintext.
    let (viewer, _) = member(&app, "vic@example.com", team, Role::Viewer).await;
    for path in ["/", "/keys", "/team", "/audit", "/account"] {
        pages.push(admin.page(path).await);
    }
    pages.push(viewer.page("/keys").await);
    let dump = database_dump(&app.db).await;
    for secret in [PRODUCTION, STAGING, ROTATED] {
        for page in &pages {
            assert!(!page.contains(secret), "a page shows {secret}");
            assert!(
                !page.contains(&secret[..secret.len() - 4]),
                "a page shows most of {secret}"
            );
        }
        assert!(!dump.contains(secret), "the database holds {secret}");
        assert!(
            !dump.contains(&hex(secret)),
            "the database holds {secret} as bytes"
        );
    }
    let audit = admin.page("/audit").await;
    for action in ["added API key", "rotated API key", "revoked API key"] {
        assert!(audit.contains(action), "{action}");
    }
}

/// A fixed master key for tests that call library functions with the app's key.
const TEST_MASTER_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// The state the portal runs with (same database, master key and upstream), for calling
/// library functions directly.
fn app_state(app: &TestApp, sim: &Simulator) -> ringside::app::state::AppState {
    let key = MasterKey::from_base64(&TEST_MASTER_KEY.to_owned().into()).unwrap();
    state_with(app.db.clone(), sim.base_url(), key)
}

fn state_with(
    db: PgPool,
    base_url: String,
    master_key: MasterKey,
) -> ringside::app::state::AppState {
    ringside::app::state::AppState {
        run_updates: ringside::sync::live::RunUpdates::listen(db.clone()),
        stopping: Default::default(),
        db,
        settings: std::sync::Arc::new(ringside::app::state::WebSettings {
            revring_base_url: base_url.parse().unwrap(),
            secure_cookies: false,
            public_url: None,
        }),
        master_key: std::sync::Arc::new(master_key),
        revring: ringside::revring::RevRing::new(&base_url).unwrap(),
        setup_done: Default::default(),
        delivery: Default::default(),
    }
}

#[tokio::test]
async fn another_master_key_reports_unreadable_keys_instead_of_crashing() {
    let first = TestApp::spawn().await;
    let (_admin, team) = setup(&first, "QA").await;
    let old_key = MasterKey::generate();
    let key_id: Uuid = stored_key(&first, &old_key, team, "Production", PRODUCTION).await;

    // A second server on the same data with another master key starts and says what is wrong.
    let new_key = MasterKey::generate();
    assert_eq!(
        ringside::app::startup::report_undecryptable_keys(&first.db, &new_key)
            .await
            .unwrap(),
        1
    );
    let encoded = new_key.to_base64();
    let second = TestApp::spawn_on(
        serve_args(&["--master-key", encoded.expose_secret()]),
        first.db.clone(),
    )
    .await;
    let admin = Visitor::new(&second);
    assert_eq!(
        admin
            .login(
                crate::support::accounts::ADMIN_EMAIL,
                crate::support::accounts::PASSWORD
            )
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let keys = admin.page("/keys").await;
    assert!(keys.contains("Cannot be decrypted"), "{keys}");
    assert!(keys.contains("1 stored key(s) cannot be decrypted with this server"));

    let state = state_with(first.db.clone(), "http://127.0.0.1:9/v1".into(), new_key);
    match state.revring_access().client_for(team, key_id).await {
        Err(KeyProblem::Undecryptable(label)) => assert_eq!(label, "Production"),
        other => panic!("expected a clear refusal, got {:?}", other.map(|_| ())),
    }

    // Entering the key again (rotate) repairs it under the new master key.
    let sim = simulator().await;
    let repaired = TestApp::spawn_on(
        serve_args(&[
            "--master-key",
            encoded.expose_secret(),
            "--revring-base-url",
            &sim.base_url(),
        ]),
        first.db.clone(),
    )
    .await;
    let admin = Visitor::new(&repaired);
    admin
        .login(
            crate::support::accounts::ADMIN_EMAIL,
            crate::support::accounts::PASSWORD,
        )
        .await;
    let response = admin
        .post(&format!("/keys/{key_id}/rotate"), &[("secret", PRODUCTION)])
        .await;
    assert_eq!(location(&response), "/keys");
    assert!(!admin.page("/keys").await.contains("Cannot be decrypted"));
}
