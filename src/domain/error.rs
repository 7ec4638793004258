//! The one error a domain constructor returns.

/// An input that breaks a domain rule: the field it came in, named as the
/// domain names it (`email`, `items.2.quantity`), and why. Callers place the
/// field in their own argument structure (`input.email`, `--email`).
///
/// Like `AppError`, it deliberately has no `Display`: async-graphql would
/// turn a displayable error into one without a code through its blanket
/// `From`, so the only way out is the conversion into `AppError`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainError {
    field: String,
    message: String,
}

impl DomainError {
    /// `field` breaks a rule, explained by `message`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The domain field at fault.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// Why the value was refused, for the client.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The same error on a field nested under `prefix` (`quantity` within
    /// `items.2` is `items.2.quantity`).
    pub fn within(self, prefix: &str) -> Self {
        Self {
            field: format!("{prefix}.{}", self.field),
            message: self.message,
        }
    }
}
