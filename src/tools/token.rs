//! `ringside token create`: a team API token from a shell, for bootstrapping CI before anyone
//! has signed in to the tokens page. Same rules as the page; audited as made by the command
//! line. The token goes to standard output alone, so `TOKEN=$(ringside token create …)` works.

use anyhow::{Context, bail};
use time::OffsetDateTime;

use crate::auth::Scope;
use crate::cli::{TokenArgs, TokenCommand, TokenCreateArgs};
use crate::db::{Database, api_tokens};
use crate::domain::span::parse_span;
use crate::web::accounts::tokens::{create_token, token_name_problem};

/// Runs `ringside token …`.
pub async fn run(args: TokenArgs) -> anyhow::Result<()> {
    match args.command {
        TokenCommand::Create(args) => create(args).await,
    }
}

async fn create(args: TokenCreateArgs) -> anyhow::Result<()> {
    let name = args.name.trim();
    if let Some(problem) = token_name_problem(name) {
        bail!("--name: {problem}");
    }
    let Some(scope) = Scope::parse(&args.scope) else {
        bail!("--scope must be read, run or admin (got “{}”).", args.scope);
    };
    let expires_at = match &args.expires_in {
        None => None,
        Some(text) => {
            let span = parse_span(text).with_context(|| {
                format!(
                    "--expires-in must be a number and a unit, like 90d, 12h or 2w (got “{text}”)."
                )
            })?;
            Some(OffsetDateTime::now_utc() + span)
        }
    };
    let database = Database::connect(&args.database.config()).await?;
    database.migrate().await?;
    let result = async {
        let teams = api_tokens::teams_named(&database.pool, args.team.trim()).await?;
        let team_id = match teams.as_slice() {
            [one] => *one,
            [] => bail!("No team is called “{}”.", args.team.trim()),
            _ => bail!(
                "{} teams are called “{}”; rename one on its team page first.",
                teams.len(),
                args.team.trim()
            ),
        };
        let secret = create_token(&database.pool, team_id, name, scope, expires_at, None).await?;
        eprintln!(
            "Created the {} token “{name}” for team “{}”{}. It is shown only now:",
            scope.as_str(),
            args.team.trim(),
            expires_at.map_or_else(String::new, |at| format!(", expiring {}", at.date())),
        );
        println!("{secret}");
        Ok(())
    }
    .await;
    database.close().await?;
    result
}
