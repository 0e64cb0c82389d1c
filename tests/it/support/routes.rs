//! The routes the router declares, read from its source (`src/web`), so that tests over every
//! route notice a route nobody listed.

use std::collections::BTreeSet;
use std::path::Path;

/// Reads which routes the router declares, as `(method, path)`, from `src/web`: every
/// `.route("path", get(..).post(..))`, with `run_pages("prefix")` expanded for members.
pub(crate) fn declared_routes() -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web");
    for file in source_files(&web) {
        let source = std::fs::read_to_string(&file).unwrap();
        for (at, _) in source.match_indices(".route(") {
            let call = balanced(&source[at + ".route".len()..]);
            let (path, methods) = call
                .split_once(',')
                .expect("a route has a path and methods");
            let path = route_path(path.trim());
            for method in ["get", "post", "put", "patch", "delete"] {
                if methods.contains(&format!("{method}(")) {
                    found.insert((method.to_uppercase(), path.clone()));
                }
            }
        }
    }
    found
}

fn source_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(source_files(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    files
}

/// The text inside the parentheses that open `text`.
fn balanced(text: &str) -> &str {
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &text[1..i];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced route call")
}

/// A route's path from its first argument: a literal, `prefix`, or `&format!("{prefix}…")`.
fn route_path(argument: &str) -> String {
    const MEMBERS_RUN: &str = "/runs/{run_id}";
    if argument == "prefix" {
        return MEMBERS_RUN.to_owned();
    }
    let literal = argument
        .trim_start_matches("&format!(")
        .trim_end_matches(')')
        .trim_matches('"');
    literal
        .replace("{prefix}", MEMBERS_RUN)
        .replace("{PREFIX}", "/api/v1")
        .replace("{{", "{")
        .replace("}}", "}")
}
