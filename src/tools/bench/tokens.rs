//! The bench's API tokens. The API allows each token a burst of requests and then a few a
//! second (`web::api::rate_limit`), far fewer than the bench asks; so the bench uses each token
//! for at most one burst and then makes a fresh read-only token of the subject's team. It
//! counts on no refill: under load, requests handed out a second apart may reach the portal in
//! the same millisecond, and a bucket that starts full and only refills allows a whole burst
//! however they arrive. Made from the command line (audited as such),
//! expiring within the hour, and revoked when the bench ends.

use secrecy::SecretString;
use sqlx::PgPool;
use time::OffsetDateTime;
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::auth::Scope;
use crate::db::api_tokens;
use crate::web::accounts::tokens::create_token;
use crate::web::api::rate_limit::BURST;

/// The name of the bench's tokens on the team's tokens page.
const TOKEN_NAME: &str = "ringside bench";

/// How long a bench token stays valid if the bench cannot revoke it.
const TOKEN_LIFETIME: time::Duration = time::Duration::hours(1);

/// Requests the bench sends with one token: the limiter's burst, less one for rounding.
const USES_PER_TOKEN: u32 = BURST as u32 - 1;

/// The token in use.
struct Current {
    secret: SecretString,
    /// Requests it was handed out for.
    used: u32,
}

/// The tokens the bench asks the API with.
pub(super) struct ApiTokens {
    db: PgPool,
    team_id: Uuid,
    current: Mutex<Option<Current>>,
    made: Mutex<Vec<Uuid>>,
}

impl ApiTokens {
    /// No token yet: the first is made when asked for.
    pub(super) fn new(db: &PgPool, team_id: Uuid) -> Self {
        Self {
            db: db.clone(),
            team_id,
            current: Mutex::new(None),
            made: Mutex::new(Vec::new()),
        }
    }

    /// A token for one more request, made now if the current one has no request left.
    pub(super) async fn next(&self) -> anyhow::Result<SecretString> {
        let mut current = self.current.lock().await;
        if let Some(token) = current.as_mut()
            && token.used < USES_PER_TOKEN
        {
            token.used += 1;
            return Ok(token.secret.clone());
        }
        let mut token = self.make().await?;
        token.used = 1;
        let secret = token.secret.clone();
        *current = Some(token);
        Ok(secret)
    }

    /// The token of a request to an API endpoint (`api`); none for a page.
    pub(super) async fn for_request(&self, api: bool) -> anyhow::Result<Option<SecretString>> {
        Ok(match api {
            true => Some(self.next().await?),
            false => None,
        })
    }

    /// The token last handed out, for the bare SQL of an API endpoint (`api`), which the
    /// limiter does not count; none for a page.
    pub(super) async fn for_sql(&self, api: bool) -> anyhow::Result<Option<SecretString>> {
        if !api {
            return Ok(None);
        }
        if let Some(token) = self.current.lock().await.as_ref() {
            return Ok(Some(token.secret.clone()));
        }
        self.next().await.map(Some)
    }

    async fn make(&self) -> anyhow::Result<Current> {
        let expires = OffsetDateTime::now_utc() + TOKEN_LIFETIME;
        let secret = create_token(
            &self.db,
            self.team_id,
            TOKEN_NAME,
            Scope::Read,
            Some(expires),
            None,
        )
        .await?;
        let hash = crate::auth::token::hash(&secret);
        let id = api_tokens::find_by_hash(&self.db, &hash)
            .await?
            .map(|found| found.id)
            .ok_or_else(|| anyhow::anyhow!("the bench's new API token was not stored"))?;
        self.made.lock().await.push(id);
        Ok(Current {
            secret: SecretString::from(secret),
            used: 0,
        })
    }

    /// Revokes every token the bench made.
    pub(super) async fn revoke(&self) -> anyhow::Result<()> {
        for id in self.made.lock().await.drain(..) {
            api_tokens::revoke(&self.db, self.team_id, id).await?;
        }
        Ok(())
    }
}
