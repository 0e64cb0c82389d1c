//! Numbered pages of a list: fetch one row more than a page to know whether a next exists.

use serde::Deserialize;

/// `?page=` of paginated lists.
#[derive(Debug, Deserialize)]
pub(crate) struct PageQuery {
    /// 1-based page number.
    pub(crate) page: Option<i64>,
}

/// Page `number` of a list, `size` per page.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Page {
    /// 1-based page number.
    pub number: i64,
    /// Items per page.
    pub size: i64,
    /// Whether a next page exists.
    pub has_next: bool,
}

impl Page {
    /// Page `number` (clamped to 1..) of `size` items.
    pub(crate) fn new(number: i64, size: i64) -> Self {
        Self {
            number: number.max(1),
            size,
            has_next: false,
        }
    }

    /// Rows to fetch: one more than a page, to know whether there is a next one.
    pub(crate) fn fetch_limit(&self) -> i64 {
        self.size + 1
    }

    /// Rows to skip.
    pub(crate) fn offset(&self) -> i64 {
        (self.number - 1).saturating_mul(self.size)
    }

    /// Trims the extra row and remembers whether it was there.
    pub(crate) fn with_more<T>(mut self, rows: &mut Vec<T>) -> Self {
        self.has_next = rows.len() as i64 > self.size;
        rows.truncate(self.size as usize);
        self
    }

    /// Whether a previous page exists.
    pub(crate) fn has_prev(&self) -> bool {
        self.number > 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_know_their_neighbours() {
        let mut rows: Vec<i32> = (0..21).collect();
        let page = Page::new(2, 20).with_more(&mut rows);
        assert!(page.has_next && page.has_prev());
        assert_eq!(rows.len(), 20);
        assert_eq!(page.offset(), 20);
        let mut last: Vec<i32> = (0..3).collect();
        assert!(!Page::new(0, 20).with_more(&mut last).has_next);
    }
}
