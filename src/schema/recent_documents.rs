//! A worker thread's few most recently readmitted documents, in front of
//! the observer's cache of parsed documents that every thread shares.
//!
//! moka's `get` hashes the whole text, records the read in a queue that
//! every thread writes to, and now and then runs the cache's upkeep under
//! its lock. On `{ __typename }` with two worker threads that cost about
//! 5 % of the server's CPU per request (bench/RESULTS.md). A frontend sends
//! the same few documents again and again, and a thread finds them here by
//! comparing their text, touching nothing another thread writes.

/// Documents kept per thread.
const CAPACITY: usize = 8;

/// The longest text kept, in bytes. The shared cache bounds its documents
/// by weight; this bounds what each thread holds beside it (a parsed
/// document takes about ten times its text) to about a megabyte.
const MAX_TEXT: usize = 16 << 10;

/// Values by owner (an observer, so that two schemas in one process never
/// share an entry) and document text; the oldest is replaced first.
pub(super) struct RecentDocuments<V> {
    entries: Vec<(u64, Box<str>, V)>,
    /// The entry to replace next once all are taken.
    next: usize,
}

impl<V: Clone> RecentDocuments<V> {
    pub(super) const fn new() -> Self {
        Self {
            entries: Vec::new(),
            next: 0,
        }
    }

    /// The value kept for `text` by `owner`.
    pub(super) fn get(&self, owner: u64, text: &str) -> Option<V> {
        self.entries
            .iter()
            .find(|(kept_by, kept, _)| *kept_by == owner && **kept == *text)
            .map(|(_, _, value)| value.clone())
    }

    /// Keeps `value` for `text` by `owner`, in place of the oldest entry
    /// once all are taken; a text over [`MAX_TEXT`] is not kept.
    pub(super) fn put(&mut self, owner: u64, text: &str, value: V) {
        if text.len() > MAX_TEXT {
            return;
        }
        let entry = (owner, Box::from(text), value);
        if self.entries.len() < CAPACITY {
            self.entries.push(entry);
            return;
        }
        let slot = self.next % CAPACITY;
        self.entries[slot] = entry;
        self.next = slot + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_is_found_by_its_owner_and_text_only() {
        let mut recent = RecentDocuments::new();
        recent.put(1, "{ a }", "first schema");
        recent.put(2, "{ a }", "second schema");
        assert_eq!(recent.get(1, "{ a }"), Some("first schema"));
        assert_eq!(recent.get(2, "{ a }"), Some("second schema"));
        assert_eq!(recent.get(1, "{ a  }"), None);
        assert_eq!(recent.get(3, "{ a }"), None);
    }

    #[test]
    fn a_document_over_the_size_bound_is_not_kept() {
        let mut recent = RecentDocuments::new();
        let long = format!("{{ {} }}", "f ".repeat(MAX_TEXT));
        recent.put(1, &long, 1);
        assert_eq!(recent.get(1, &long), None);
    }

    #[test]
    fn past_its_capacity_the_oldest_document_goes_first() {
        let mut recent = RecentDocuments::new();
        let texts: Vec<String> = (0..=CAPACITY).map(|n| format!("{{ f{n} }}")).collect();
        for (n, text) in texts.iter().enumerate() {
            recent.put(1, text, n);
        }
        assert_eq!(recent.get(1, &texts[0]), None, "the oldest was kept");
        for (n, text) in texts.iter().enumerate().skip(1) {
            assert_eq!(recent.get(1, text), Some(n));
        }
        recent.put(1, "{ newer }", 99);
        assert_eq!(recent.get(1, &texts[1]), None, "the next oldest was kept");
        assert_eq!(recent.get(1, &texts[2]), Some(2));
        assert_eq!(recent.get(1, "{ newer }"), Some(99));
    }
}
