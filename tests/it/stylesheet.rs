//! The stylesheet parses cleanly: every block it opens it closes, and no rule hides inside a
//! media query by accident (an unclosed `@media (max-width: 900px) {` once took 51 desktop
//! rules with it).

use cssparser::{ParseError, Parser, Token};

/// The one stylesheet, as the portal serves it.
const APP_CSS: &str = include_str!("../../static/app.css");

/// Walks every token of `parser`, descending into blocks, and notes each block whose closing
/// bracket is missing (the tokenizer closes them silently at the end of the file) and each
/// closing bracket that closes nothing.
fn check_blocks(parser: &mut Parser<'_>, problems: &mut Vec<String>) -> Result<(), ParseError<()>> {
    loop {
        let at = parser.current_source_location();
        let token = match parser.next_including_whitespace_and_comments() {
            Ok(token) => token.clone(),
            Err(_) => return Ok(()),
        };
        let closer = match token {
            Token::CurlyBracketBlock => '}',
            Token::ParenthesisBlock | Token::Function(_) => ')',
            Token::SquareBracketBlock => ']',
            Token::CloseCurlyBracket | Token::CloseParenthesis | Token::CloseSquareBracket => {
                problems.push(format!(
                    "line {}: a closing bracket that closes nothing",
                    at.line + 1
                ));
                continue;
            }
            Token::BadString(_) | Token::BadUrl(_) => {
                problems.push(format!(
                    "line {}: an unterminated string or url",
                    at.line + 1
                ));
                continue;
            }
            _ => continue,
        };
        let inside = parser.position();
        parser.parse_nested_block(|nested| check_blocks(nested, problems))?;
        if !parser.slice_from(inside).ends_with(closer) {
            problems.push(format!(
                "line {}: a block opened here is never closed with `{closer}`",
                at.line + 1
            ));
        }
    }
}

fn problems_in(css: &str) -> Vec<String> {
    let mut parser = Parser::new(css);
    let mut problems = Vec::new();
    check_blocks(&mut parser, &mut problems).expect("the walk itself never fails");
    problems
}

#[test]
fn the_stylesheet_closes_every_block_it_opens() {
    let problems = problems_in(APP_CSS);
    assert!(problems.is_empty(), "static/app.css: {problems:#?}");
}

#[test]
fn the_check_catches_an_unclosed_media_query_and_a_stray_bracket() {
    let unclosed =
        ".a { color: red; }\n@media (max-width: 900px) {\n  .b { color: blue; }\n.c { x: 1; }\n";
    assert_eq!(
        problems_in(unclosed),
        vec!["line 2: a block opened here is never closed with `}`".to_owned()]
    );
    assert_eq!(
        problems_in(".a { color: red; } }\n"),
        vec!["line 1: a closing bracket that closes nothing".to_owned()]
    );
    assert!(problems_in(".a { width: calc(1px + 2px); }").is_empty());
}
