//! Fault drills: crashes, restarts, hostile input and overload (issue 16). Drills that need
//! minutes or hundreds of connections live in `scripts/drill` instead.

mod health;
mod input;
mod overload;
mod processes;
mod starts;

/// The text of the error page's panel (`section.error-panel`), tags removed: what the person
/// reads, not the whole document.
pub(crate) fn error_panel_text(html: &str) -> String {
    let start = html
        .find("<section class=\"error-panel\">")
        .expect("an error page");
    let end = start + html[start..].find("</section>").expect("a closed panel");
    let mut text = String::new();
    let mut in_tag = false;
    for c in html[start..end].chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
