//! The alert delivery worker: claims due outbox rows under a lease (`FOR UPDATE SKIP LOCKED`),
//! sends each to its channel (generic webhook signed with HMAC-SHA256, Slack incoming webhook,
//! e-mail over SMTP) and records the attempt; failures are retried with exponential backoff. Two
//! replicas never hold one row at once, and a process stopping mid-send leaves the row to be
//! sent again after its lease (so a receiver that accepted but timed out may see it twice: the
//! body's `id` lets it tell).

use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use sha2::Sha256;
use sqlx::PgPool;
use time::OffsetDateTime;
use url::Url;
use uuid::Uuid;

use super::alerts::{self, Message};
use super::targets;
use crate::crypto::MasterKey;
use crate::db::alert_channels::{self, SealedChannel};
use crate::db::alert_deliveries::{self, DueDelivery};

/// Header with the Unix time (seconds) the webhook body was signed at.
pub const TIMESTAMP_HEADER: &str = "X-Ringside-Timestamp";
/// Header with `sha256=<hex HMAC-SHA256 of "{timestamp}.{body}">` under the channel's secret.
pub const SIGNATURE_HEADER: &str = "X-Ringside-Signature";
/// Header with the delivery's id.
pub const DELIVERY_HEADER: &str = "X-Ringside-Delivery";

/// First retry after a failed attempt; doubles with each further failure.
pub const FIRST_RETRY: Duration = Duration::from_secs(30);
/// Longest wait between attempts.
pub const MAX_RETRY: Duration = Duration::from_secs(3600);
/// Attempts before an alert is given up.
pub const MAX_ATTEMPTS: i32 = 10;
/// How long a claimed delivery stays with its worker: longer than one send.
pub const DELIVERY_LEASE: Duration = Duration::from_secs(60);
/// Time limit of one send.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(15);
/// Deliveries claimed per tick.
const BATCH: i64 = 20;

/// How SMTP mail leaves (from `RINGSIDE_SMTP_*`).
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    /// Server host.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// `starttls`, `tls` or `none`.
    pub tls: String,
    /// Login name, if the server wants one.
    pub username: Option<String>,
    /// Its password.
    pub password: Option<SecretString>,
    /// Sender address.
    pub from: String,
}

/// What deliveries need besides the database.
#[derive(Debug, Clone, Default)]
pub struct DeliverySettings {
    /// Send to loopback and private networks too.
    pub allow_private_targets: bool,
    /// SMTP, when configured.
    pub smtp: Option<SmtpSettings>,
    /// The portal's public URL, for absolute links in alerts.
    pub public_url: Option<Url>,
}

/// The wait before attempt `attempts + 1`, after `attempts` failures.
pub fn retry_delay(attempts: i32) -> Duration {
    let exponent = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(16);
    FIRST_RETRY.saturating_mul(1 << exponent).min(MAX_RETRY)
}

/// Hex HMAC-SHA256 of `"{timestamp}.{body}"` under `secret`: what `X-Ringside-Signature`
/// carries after `sha256=`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// One attempt's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// Accepted by the receiver.
    pub delivered: bool,
    /// HTTP status or SMTP reply code.
    pub status: Option<i32>,
    /// What went wrong, in plain words.
    pub error: Option<String>,
    /// Worth trying again (a refused target is not).
    pub retry: bool,
}

impl Attempt {
    fn failed(error: impl Into<String>, status: Option<i32>, retry: bool) -> Self {
        Self {
            delivered: false,
            status,
            error: Some(error.into()),
            retry,
        }
    }
}

/// One process's delivery worker.
#[derive(Clone)]
pub struct Deliverer {
    db: PgPool,
    master_key: Arc<MasterKey>,
    settings: Arc<DeliverySettings>,
    owner: String,
}

impl Deliverer {
    /// A worker acting as `owner` in leases.
    pub fn new(
        db: PgPool,
        master_key: Arc<MasterKey>,
        settings: Arc<DeliverySettings>,
        owner: impl Into<String>,
    ) -> Self {
        Self {
            db,
            master_key,
            settings,
            owner: owner.into(),
        }
    }

    /// Delivers what is due at `now` (or only `only`); returns how many attempts were made.
    pub async fn tick(&self, now: OffsetDateTime, only: Option<Uuid>) -> sqlx::Result<usize> {
        let lease = DELIVERY_LEASE.as_secs_f64();
        let due =
            alert_deliveries::claim_due(&self.db, &self.owner, lease, now, BATCH, only).await?;
        let count = due.len();
        for delivery in due {
            let attempt = self.attempt(&delivery, now).await;
            let attempts = delivery.attempts + 1;
            let retry_at = (!attempt.delivered && attempt.retry && attempts < MAX_ATTEMPTS)
                .then(|| now + retry_delay(attempts));
            if !attempt.delivered {
                tracing::info!(delivery = %delivery.id, attempts, error = ?attempt.error, "alert delivery failed");
            }
            alert_deliveries::record_attempt(
                &self.db,
                delivery.id,
                &self.owner,
                attempt.delivered,
                attempt.status,
                attempt.error.as_deref(),
                retry_at,
                now,
            )
            .await?;
        }
        Ok(count)
    }

    async fn attempt(&self, delivery: &DueDelivery, now: OffsetDateTime) -> Attempt {
        let channel =
            match alert_channels::get_sealed(&self.db, delivery.team_id, delivery.channel_id).await
            {
                Ok(Some(channel)) => channel,
                Ok(None) => return Attempt::failed("The channel was removed.", None, false),
                Err(error) => {
                    return Attempt::failed(format!("Database error: {error}"), None, true);
                }
            };
        self.send(&channel, delivery.id, &delivery.payload, now)
            .await
    }

    /// Sends `payload` to `channel` once.
    pub async fn send(
        &self,
        channel: &SealedChannel,
        id: Uuid,
        payload: &Value,
        now: OffsetDateTime,
    ) -> Attempt {
        let public_url = self.settings.public_url.as_ref();
        match channel.kind.as_str() {
            "email" => {
                let message = alerts::message(payload, public_url);
                self.send_email(channel, &message).await
            }
            kind => {
                let Some(sealed) = &channel.url else {
                    return Attempt::failed("The channel has no address.", None, false);
                };
                let Ok(url) = self.master_key.decrypt(&sealed.ciphertext, &sealed.nonce) else {
                    let error = "The channel's address cannot be decrypted with this master key.";
                    return Attempt::failed(error, None, false);
                };
                let body = if kind == "slack" {
                    alerts::slack_body(&alerts::message(payload, public_url))
                } else {
                    alerts::webhook_body(id, payload, public_url, now)
                };
                let body = serde_json::to_vec(&body).unwrap_or_default();
                let secret = channel
                    .secret
                    .as_ref()
                    .and_then(|s| self.master_key.decrypt(&s.ciphertext, &s.nonce).ok());
                let signed = secret.map(|secret| {
                    let timestamp = now.unix_timestamp();
                    (
                        timestamp,
                        signature(secret.expose_secret(), timestamp, &body),
                    )
                });
                self.post(url.expose_secret(), id, body, signed).await
            }
        }
    }

    async fn post(
        &self,
        raw_url: &str,
        id: Uuid,
        body: Vec<u8>,
        signed: Option<(i64, String)>,
    ) -> Attempt {
        let url = match targets::parse_http_url(raw_url) {
            Ok(url) => url,
            Err(problem) => return Attempt::failed(capitalized(&problem), None, false),
        };
        let target = match targets::check(&url, self.settings.allow_private_targets).await {
            Ok(target) => target,
            Err(problem @ targets::TargetProblem::Unresolvable(_)) => {
                return Attempt::failed(capitalized(&problem), None, true);
            }
            Err(problem) => return Attempt::failed(capitalized(&problem), None, false),
        };
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(SEND_TIMEOUT)
            .resolve_to_addrs(&target.host, &target.addrs)
            .build();
        let Ok(client) = client else {
            return Attempt::failed("Cannot prepare the request.", None, true);
        };
        let mut request = client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::USER_AGENT, "Ringside-Alerts")
            .header(DELIVERY_HEADER, id.to_string())
            .body(body);
        if let Some((timestamp, signature)) = signed {
            request = request
                .header(TIMESTAMP_HEADER, timestamp.to_string())
                .header(SIGNATURE_HEADER, format!("sha256={signature}"));
        }
        match request.send().await {
            Ok(response) if response.status().is_success() => Attempt {
                delivered: true,
                status: Some(i32::from(response.status().as_u16())),
                error: None,
                retry: false,
            },
            Ok(response) => {
                let status = response.status();
                let error = format!("The receiver answered {status}.");
                Attempt::failed(error, Some(i32::from(status.as_u16())), true)
            }
            Err(error) if error.is_timeout() => {
                Attempt::failed("The receiver did not answer in time.", None, true)
            }
            Err(_) => Attempt::failed("The receiver could not be reached.", None, true),
        }
    }

    async fn send_email(&self, channel: &SealedChannel, message: &Message) -> Attempt {
        let Some(smtp) = &self.settings.smtp else {
            let error = "E-mail is not set up on this server (RINGSIDE_SMTP_HOST is unset).";
            return Attempt::failed(error, None, true);
        };
        let to = channel.email_to.as_deref().unwrap_or_default();
        match super::email::send(smtp, to, message).await {
            Ok(code) => Attempt {
                delivered: true,
                status: Some(code),
                error: None,
                retry: false,
            },
            Err((error, code, retry)) => Attempt::failed(error, code, retry),
        }
    }

    /// Runs forever, delivering every `interval`; abort the handle to stop.
    pub fn spawn(self, interval: Duration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                if let Err(error) = self.tick(OffsetDateTime::now_utc(), None).await {
                    tracing::warn!(%error, "alert delivery tick failed");
                }
                tokio::time::sleep(interval).await;
            }
        })
    }
}

fn capitalized(problem: &impl std::fmt::Display) -> String {
    let text = problem.to_string();
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_to_an_hour() {
        let waits: Vec<u64> = (1..=9).map(|n| retry_delay(n).as_secs()).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
    }

    #[test]
    fn the_signature_covers_timestamp_and_body() {
        // Reference value: printf '1700000000.{}' | openssl dgst -sha256 -hmac secret
        let sig = signature("secret", 1_700_000_000, b"{}");
        assert_eq!(
            sig,
            "b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163"
        );
        assert_ne!(sig, signature("secret", 1_700_000_001, b"{}"));
        assert_ne!(sig, signature("other", 1_700_000_000, b"{}"));
    }
}
