//! Stored API keys are bound to their team and id: keys stored before are re-sealed at boot,
//! once, and a ciphertext moved to another team's row no longer decrypts.

use ringside::auth::Role;
use ringside::crypto::MasterKey;
use ringside::db::api_keys::{self, AAD_BOUND, AAD_UNBOUND};
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

use crate::support::TestApp;
use crate::support::accounts::{create_team, member, setup};
use crate::support::app::serve_args;
use crate::support::upstream::PRODUCTION;
use crate::support::upstream::stored_key;

#[derive(sqlx::FromRow)]
struct Stored {
    team_id: Uuid,
    ciphertext: Vec<u8>,
    nonce: Vec<u8>,
    aad_version: i16,
}

async fn stored(app: &TestApp, id: Uuid) -> Stored {
    sqlx::query_as("SELECT team_id, ciphertext, nonce, aad_version FROM api_keys WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn keys_stored_before_binding_are_rebound_in_place_at_boot_once() {
    let master = MasterKey::generate();
    let encoded = master.to_base64();
    let first = TestApp::spawn_with(serve_args(&["--master-key", encoded.expose_secret()])).await;
    let (_admin, team) = setup(&first, "QA").await;
    let id = stored_key(&first, &master, team, "Legacy", PRODUCTION).await;
    let before = stored(&first, id).await;
    assert_eq!(before.aad_version, AAD_UNBOUND);

    // A server starting on this data re-seals the key bound to its row…
    let args = serve_args(&["--master-key", encoded.expose_secret()]);
    let second = TestApp::spawn_on(args, first.db.clone()).await;
    let after = stored(&second, id).await;
    assert_eq!(after.aad_version, AAD_BOUND);
    assert_ne!(after.ciphertext, before.ciphertext);
    let opened = api_keys::open(
        &master,
        team,
        id,
        &after.ciphertext,
        &after.nonce,
        AAD_BOUND,
    )
    .expect("the re-sealed key opens bound to its row");
    assert_eq!(opened.expose_secret(), PRODUCTION);
    assert!(master.decrypt(&after.ciphertext, &after.nonce).is_err());

    // …once: a further start changes nothing.
    assert_eq!(api_keys::bind_legacy(&second.db, &master).await.unwrap(), 0);
    assert_eq!(stored(&second, id).await.ciphertext, after.ciphertext);
}

#[tokio::test]
async fn a_key_moved_to_another_teams_row_does_not_decrypt() {
    let master = MasterKey::generate();
    let encoded = master.to_base64();
    let app = TestApp::spawn_with(serve_args(&["--master-key", encoded.expose_secret()])).await;
    let (_admin, team_a) = setup(&app, "Victim").await;
    let team_b = create_team(&app.db, "Attacker").await;
    let (attacker, attacker_id) = member(&app, "mallory@example.com", team_b, Role::Admin).await;
    let secret = SecretString::from(PRODUCTION.to_owned());
    let key_a = api_keys::insert(&app.db, &master, team_a, "Production", &secret, attacker_id)
        .await
        .unwrap();
    let decoy = SecretString::from("rr_sim_decoy_key_0000".to_owned());
    let key_b = api_keys::insert(&app.db, &master, team_b, "Mine", &decoy, attacker_id)
        .await
        .unwrap();
    assert_eq!(
        attacker
            .page("/keys")
            .await
            .matches("cannot be decrypted")
            .count(),
        0
    );

    // Someone with write access to the database copies team A's sealed key into team B's row.
    let a = stored(&app, key_a).await;
    assert_eq!(a.team_id, team_a);
    sqlx::query("UPDATE api_keys SET ciphertext = $2, nonce = $3, aad_version = $4 WHERE id = $1")
        .bind(key_b)
        .bind(&a.ciphertext)
        .bind(&a.nonce)
        .bind(a.aad_version)
        .execute(&app.db)
        .await
        .unwrap();
    let b = stored(&app, key_b).await;
    assert!(
        api_keys::open(
            &master,
            team_b,
            key_b,
            &b.ciphertext,
            &b.nonce,
            b.aad_version
        )
        .is_err()
    );
    let page = attacker.page("/keys").await;
    assert!(page.contains("cannot be decrypted"), "{page}");
    assert!(!page.contains(PRODUCTION));
}
