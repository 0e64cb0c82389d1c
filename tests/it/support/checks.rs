//! Page checks that stand outside the portal: axe-core in the browser (a pinned copy vendored in
//! `tests/assets/axe.min.js`), the Nu HTML checker (`vnu.jar` from npm, installed by
//! `scripts/test` into `tests/.tools/`, run on the machine's Java), and screenshots.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::Browser;

/// axe-core 4.11.0 from npm, unmodified (MPL-2.0).
const AXE: &str = include_str!("../../assets/axe.min.js");

/// Where `scripts/test` installs the Nu HTML checker.
const VNU_JAR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/.tools/node_modules/vnu-jar/build/dist/vnu.jar"
);

/// Runs axe-core on the browser's current page; returns its critical and serious violations,
/// one line each (rule, impact, the first few elements).
pub(crate) async fn axe_serious(browser: &Browser) -> Vec<String> {
    browser.execute(AXE, vec![]).await.expect("axe-core loads");
    let script = r#"
        const done = arguments[arguments.length - 1];
        axe.run(document, { resultTypes: ['violations'] }).then(
          (r) => done(r.violations
            .filter((v) => v.impact === 'critical' || v.impact === 'serious')
            .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 4)
              .map((n) => n.target.join(' ')).join(' | ')}`)),
          (e) => done([`axe failed: ${e}`]));
    "#;
    let found = browser
        .execute_async(script, vec![])
        .await
        .expect("axe-core runs");
    found
        .as_array()
        .expect("a list")
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The folder screenshots go to: `screenshots/` in the cargo target folder.
pub(crate) fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target folder")
        .join("screenshots");
    std::fs::create_dir_all(&dir).expect("a screenshot folder");
    dir
}

/// Saves a PNG of the browser's viewport as `<name>.png` in [`screenshot_dir`].
pub(crate) async fn screenshot(browser: &Browser, name: &str) {
    let png = browser.screenshot().await.expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG"), "{name}: a PNG");
    std::fs::write(screenshot_dir().join(format!("{name}.png")), png).expect("saved");
}

/// Validates HTML documents (`(name, html)`) with the Nu HTML checker; returns its errors, one
/// line each with the page's name.
pub(crate) async fn vnu_errors(pages: &[(String, String)]) -> Vec<String> {
    assert!(
        Path::new(VNU_JAR).is_file(),
        "the Nu HTML checker is missing at {VNU_JAR}: run scripts/test once to install it"
    );
    let dir = std::env::temp_dir().join(format!("ringside-vnu-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for (name, html) in pages {
        let file = dir.join(format!("{name}.html"));
        std::fs::write(&file, html).unwrap();
        files.push(file);
    }
    let output = tokio::process::Command::new("java")
        .args(["-jar", VNU_JAR, "--errors-only", "--format", "json"])
        .args(&files)
        .output()
        .await
        .expect("java runs the Nu HTML checker");
    let _ = std::fs::remove_dir_all(&dir);
    let report: Value = serde_json::from_slice(&output.stderr).unwrap_or_else(|_| {
        panic!(
            "the checker's report: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    report["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["type"] == "error" || m["subType"] == "fatal")
        .map(|m| {
            let url = m["url"].as_str().unwrap_or_default();
            let page = url.rsplit('/').next().unwrap_or(url);
            format!(
                "{page}:{}: {} — {}",
                m["lastLine"],
                m["message"].as_str().unwrap_or_default(),
                m["extract"].as_str().unwrap_or_default()
            )
        })
        .collect()
}
