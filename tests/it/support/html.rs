//! Reading pages as HTML elements, so that an assertion looks at the row or cell it is about
//! instead of searching the whole page (where a legend or an intro text could satisfy it).

use scraper::{ElementRef, Html, Selector};

/// A parsed page.
pub(crate) struct Page(Html);

/// One table row: its header and data cells in order.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// The row's cells (`th` and `td`).
    pub cells: Vec<Cell>,
}

/// One table cell.
#[derive(Debug, Clone)]
pub(crate) struct Cell {
    /// Its text, whitespace collapsed.
    pub text: String,
    /// Its classes.
    pub classes: Vec<String>,
    /// The `href` of its first link, if any.
    pub href: Option<String>,
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|error| panic!("selector {css}: {error}"))
}

/// An element's text with runs of whitespace collapsed to one space.
pub(crate) fn text(element: ElementRef<'_>) -> String {
    element
        .text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The texts of the elements matching `css` inside `element`.
pub(crate) fn texts_in(element: ElementRef<'_>, css: &str) -> Vec<String> {
    element.select(&selector(css)).map(text).collect()
}

fn cell(element: ElementRef<'_>) -> Cell {
    Cell {
        text: text(element),
        classes: element.value().classes().map(str::to_owned).collect(),
        href: element
            .select(&selector("a[href]"))
            .next()
            .and_then(|link| link.value().attr("href"))
            .map(str::to_owned),
    }
}

impl Cell {
    /// Whether the cell has class `class`.
    pub(crate) fn has_class(&self, class: &str) -> bool {
        self.classes.iter().any(|c| c == class)
    }
}

impl Row {
    /// The text of the first cell (the row's name in most tables).
    pub(crate) fn name(&self) -> &str {
        self.cells.first().map_or("", |cell| cell.text.as_str())
    }
}

impl Page {
    /// Parses a whole document.
    pub(crate) fn parse(html: &str) -> Self {
        Self(Html::parse_document(html))
    }

    /// Elements matching `css`, in document order.
    pub(crate) fn select(&self, css: &str) -> Vec<ElementRef<'_>> {
        self.0.select(&selector(css)).collect()
    }

    /// The texts of the elements matching `css`.
    pub(crate) fn texts(&self, css: &str) -> Vec<String> {
        self.select(css).into_iter().map(text).collect()
    }

    /// The text of the one element matching `css`; panics when none or several match.
    pub(crate) fn text_of(&self, css: &str) -> String {
        let texts = self.texts(css);
        assert_eq!(texts.len(), 1, "exactly one {css}: {texts:?}");
        texts.into_iter().next().unwrap_or_default()
    }

    /// The values of `attr` on the elements matching `css` that have it.
    pub(crate) fn attrs(&self, css: &str, attr: &str) -> Vec<String> {
        self.select(css)
            .into_iter()
            .filter_map(|element| element.value().attr(attr).map(str::to_owned))
            .collect()
    }

    /// How many elements match `css`.
    pub(crate) fn count(&self, css: &str) -> usize {
        self.select(css).len()
    }

    /// The rows matching `css` (e.g. `table.grid tbody tr`), cell by cell.
    pub(crate) fn rows(&self, css: &str) -> Vec<Row> {
        self.select(css)
            .into_iter()
            .map(|row| Row {
                cells: row
                    .children()
                    .filter_map(ElementRef::wrap)
                    .filter(|child| matches!(child.value().name(), "th" | "td"))
                    .map(cell)
                    .collect(),
            })
            .collect()
    }

    /// The row matching `css` whose first cell reads `name`; panics when there is none.
    pub(crate) fn row(&self, css: &str, name: &str) -> Row {
        let rows = self.rows(css);
        let names: Vec<String> = rows.iter().map(|row| row.name().to_owned()).collect();
        rows.into_iter()
            .find(|row| row.name() == name)
            .unwrap_or_else(|| panic!("no row {name:?} in {css}: {names:?}"))
    }
}
