//! Alert e-mail over SMTP (`lettre`): a message with plain-text and HTML parts, sent through the
//! server the operator configured with `RINGSIDE_SMTP_*`.

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message as Mail, Tokio1Executor};
use secrecy::ExposeSecret;

use super::alerts::{Message, email_parts};
use super::deliver::{SEND_TIMEOUT, SmtpSettings};

/// Why a mail was not sent: plain words, the SMTP code if any, and whether to try again.
pub type MailError = (String, Option<i32>, bool);

/// Parses comma-separated recipients; None if any is not an address.
pub fn recipients(to: &str) -> Option<Vec<Mailbox>> {
    let list: Option<Vec<Mailbox>> = to
        .split(',')
        .map(str::trim)
        .filter(|address| !address.is_empty())
        .map(|address| address.parse().ok())
        .collect();
    list.filter(|list| !list.is_empty())
}

/// Sends `message` to `to`; returns the server's reply code.
pub async fn send(smtp: &SmtpSettings, to: &str, message: &Message) -> Result<i32, MailError> {
    let from: Mailbox = smtp.from.parse().map_err(|_| {
        let error = "RINGSIDE_SMTP_FROM is not an e-mail address.".to_owned();
        (error, None, true)
    })?;
    let Some(to) = recipients(to) else {
        return Err((
            "The recipients are not e-mail addresses.".into(),
            None,
            false,
        ));
    };
    let (plain, html) = email_parts(message);
    let mut builder = Mail::builder().from(from).subject(message.title.clone());
    for recipient in to {
        builder = builder.to(recipient);
    }
    let mail = builder
        .multipart(MultiPart::alternative_plain_html(plain, html))
        .map_err(|_| ("The e-mail could not be composed.".to_owned(), None, false))?;
    let transport = match smtp.tls.as_str() {
        "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host),
        "none" => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
            &smtp.host,
        )),
        _ => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host),
    };
    let Ok(mut transport) = transport else {
        return Err((
            "The SMTP server's name is not usable for TLS.".into(),
            None,
            true,
        ));
    };
    transport = transport.port(smtp.port).timeout(Some(SEND_TIMEOUT));
    if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
        transport = transport.credentials(Credentials::new(
            user.clone(),
            password.expose_secret().into(),
        ));
    }
    match transport.build().send(mail).await {
        Ok(response) => Ok(code(response.code())),
        Err(error) => {
            let status = error.status().map(code);
            let words = if error.is_timeout() {
                "The mail server did not answer in time.".to_owned()
            } else if let Some(status) = status {
                format!("The mail server refused the message (code {status}).")
            } else {
                "The mail server could not be reached.".to_owned()
            };
            Err((words, status, !error.is_permanent()))
        }
    }
}

fn code(code: lettre::transport::smtp::response::Code) -> i32 {
    code.to_string().parse().unwrap_or(0)
}
