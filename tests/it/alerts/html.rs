//! Reading pages element by element: one element by id, a table's rows and cells as text.

/// The element with `id="{id}"`, from its start tag to its matching end tag.
pub(crate) fn element(html: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let start = html[..at].rfind('<').unwrap();
    let tag: String = html[start + 1..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    let (open, close) = (format!("<{tag}"), format!("</{tag}>"));
    let mut depth = 0;
    let mut cursor = start;
    loop {
        let next_open = html[cursor + 1..].find(&open).map(|i| i + cursor + 1);
        let next_close = html[cursor + 1..]
            .find(&close)
            .map(|i| i + cursor + 1)
            .unwrap();
        match next_open {
            Some(o) if o < next_close => {
                depth += 1;
                cursor = o;
            }
            _ if depth > 0 => {
                depth -= 1;
                cursor = next_close;
            }
            _ => return html[start..next_close + close.len()].to_owned(),
        }
    }
}

pub(crate) fn strip_tags(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of each body row's cells.
pub(crate) fn rows(table: &str) -> Vec<Vec<String>> {
    let body = table.split("<tbody>").nth(1).unwrap_or_default();
    body.split("<tr")
        .skip(1)
        .map(|row| {
            row.split("<td")
                .skip(1)
                .map(|cell| strip_tags(&format!("<td{cell}")))
                .collect()
        })
        .collect()
}
