//! The token limit: counted with a lexer before the full parse, so that a
//! huge document is refused after a cheap scan rather than after building
//! its syntax tree.

use apollo_parser::{Lexer, TokenKind};

/// The lexical tokens of `query` that carry meaning (not whitespace, commas
/// or comments), counting no further than `max + 1`.
pub fn count_up_to(query: &str, max: usize) -> usize {
    Lexer::new(query)
        .filter_map(Result::ok)
        .filter(|token| {
            !matches!(
                token.kind(),
                TokenKind::Whitespace | TokenKind::Comment | TokenKind::Comma | TokenKind::Eof
            )
        })
        .take(max.saturating_add(1))
        .count()
}

#[cfg(test)]
mod tests {
    use super::count_up_to;

    #[test]
    fn counts_punctuators_names_and_values_but_not_ignored_tokens() {
        let query = "# a comment\nquery Q($n: Int = 3) { a, b(x: \"s\") ...F }";
        // query Q ( $ n : Int = 3 ) { a b ( x : "s" ) ... F }
        assert_eq!(count_up_to(query, 100), 21);
    }

    #[test]
    fn stops_counting_past_the_limit() {
        let query = "{ a }".repeat(1_000);
        assert_eq!(count_up_to(&query, 10), 11);
    }

    #[test]
    fn block_strings_are_one_token() {
        assert_eq!(count_up_to("{ a(x: \"\"\"many words here\"\"\") }", 100), 8);
    }
}
