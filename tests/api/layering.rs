//! Arrows point down: services and the domain know no GraphQL and no HTTP.
//! This reads their sources and fails on any path into `crate::schema` or
//! `crate::http` (a plain or grouped `use`, a `super::` path, or a path
//! spelled out in code), or into the GraphQL and HTTP crates.

use std::path::{Path, PathBuf};

use syn::visit::{self, Visit};

/// Where services and the domain may not reach.
const FORBIDDEN: [&[&str]; 5] = [
    &["crate", "schema"],
    &["crate", "http"],
    &["async_graphql"],
    &["async_graphql_axum"],
    &["axum"],
];

/// The source trees that must stay below the GraphQL and HTTP layers.
const CHECKED: [&str; 2] = ["services", "domain"];

/// Collects every path of one file that resolves into a forbidden module.
struct Imports {
    module: Vec<String>,
    found: Vec<String>,
}

impl Imports {
    /// `segments` as an absolute path when it starts with `crate`, `self`
    /// or `super`; other paths (external crates) stay as they are.
    fn resolve(&self, segments: &[String]) -> Vec<String> {
        let mut resolved = self.module.clone();
        let mut rest = segments;
        match segments.first().map(String::as_str) {
            Some("crate") => return segments.to_vec(),
            Some("self") => rest = &segments[1..],
            Some("super") => {
                while rest.first().map(String::as_str) == Some("super") {
                    resolved.pop();
                    rest = &rest[1..];
                }
            }
            _ => return segments.to_vec(),
        }
        resolved.extend(rest.iter().cloned());
        resolved
    }

    fn check(&mut self, segments: &[String]) {
        let resolved = self.resolve(segments);
        let forbidden = FORBIDDEN.iter().any(|prefix| {
            resolved.len() >= prefix.len()
                && resolved.iter().zip(prefix.iter()).all(|(a, b)| a == b)
        });
        if forbidden {
            self.found.push(resolved.join("::"));
        }
    }

    /// Every path a `use` tree names, groups and renames included.
    fn use_paths(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        match tree {
            syn::UseTree::Path(path) => {
                prefix.push(path.ident.to_string());
                Self::use_paths(&path.tree, prefix, out);
                prefix.pop();
            }
            syn::UseTree::Name(name) => {
                let mut full = prefix.clone();
                if name.ident != "self" {
                    full.push(name.ident.to_string());
                }
                out.push(full);
            }
            syn::UseTree::Rename(rename) => {
                let mut full = prefix.clone();
                if rename.ident != "self" {
                    full.push(rename.ident.to_string());
                }
                out.push(full);
            }
            syn::UseTree::Glob(_) => out.push(prefix.clone()),
            syn::UseTree::Group(group) => {
                for item in &group.items {
                    Self::use_paths(item, prefix, out);
                }
            }
        }
    }
}

impl<'ast> Visit<'ast> for Imports {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        let mut paths = Vec::new();
        Self::use_paths(&item.tree, &mut Vec::new(), &mut paths);
        for path in paths {
            self.check(&path);
        }
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        self.module.push(item.ident.to_string());
        visit::visit_item_mod(self, item);
        self.module.pop();
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.check(&segments);
        visit::visit_path(self, path);
    }
}

/// The forbidden paths in `source`, the file of module `module` (e.g.
/// `["crate", "services", "orders"]`).
fn forbidden_paths(module: &[&str], source: &str) -> Vec<String> {
    let file = syn::parse_file(source).expect("the source parses");
    let mut imports = Imports {
        module: module.iter().map(|s| (*s).to_owned()).collect(),
        found: Vec::new(),
    };
    imports.visit_file(&file);
    imports.found
}

/// The module path of a file under `src/`: `services/orders/place.rs` is
/// `crate::services::orders::place`, `domain/mod.rs` is `crate::domain`.
fn module_of(relative: &Path) -> Vec<String> {
    let mut module = vec!["crate".to_owned()];
    for part in relative.with_extension("").iter() {
        let part = part.to_string_lossy();
        if part != "mod" {
            module.push(part.into_owned());
        }
    }
    module
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read the source directory") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn services_and_the_domain_import_nothing_from_schema_or_http() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for tree in CHECKED {
        let root = src.join(tree);
        rust_files(&root, &mut files);
        files.push(root.with_extension("rs"));
    }
    let mut violations = Vec::new();
    let mut checked = 0;
    for file in files.iter().filter(|file| file.exists()) {
        let relative = file.strip_prefix(&src).expect("under src");
        let module = module_of(relative);
        let module: Vec<&str> = module.iter().map(String::as_str).collect();
        let source = std::fs::read_to_string(file).expect("read the source");
        for path in forbidden_paths(&module, &source) {
            violations.push(format!("{}: {path}", relative.display()));
        }
        checked += 1;
    }
    assert!(checked > 10, "only {checked} files were checked");
    assert!(
        violations.is_empty(),
        "services and the domain must not reach the GraphQL or HTTP layers:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_check_catches_every_spelling_of_an_upward_import() {
    let module = ["crate", "services", "orders", "place"];
    for source in [
        "use crate::schema;",
        "use crate::schema::ids::NodeKind;",
        "use crate::{error::AppError, schema::ids};",
        "use crate::{error::AppError, schema};",
        "use crate::{error::{AppError}, http::{graphql::{self}}};",
        "use crate::schema::*;",
        "use crate::http as web;",
        "use super::super::super::schema;",
        "fn f() { crate::schema::ids::encode(); }",
        "fn f() -> crate::http::Router { todo!() }",
        "mod inner { use super::super::super::super::http::Router; }",
        "use async_graphql::Enum;",
        "fn f() -> ::axum::response::Response { todo!() }",
    ] {
        assert!(
            !forbidden_paths(&module, source).is_empty(),
            "not caught: {source}"
        );
    }
    for source in [
        "use crate::{domain::Email, error::AppError};",
        "use super::super::catalog;",
        "use crate::services::schema_like;",
        "fn schema() {}",
        "fn f() { let http = 1; }",
    ] {
        assert_eq!(
            forbidden_paths(&module, source),
            Vec::<String>::new(),
            "{source}"
        );
    }
}

#[test]
fn module_paths_follow_the_file_layout() {
    assert_eq!(
        module_of(Path::new("services/orders/place.rs")),
        ["crate", "services", "orders", "place"]
    );
    assert_eq!(module_of(Path::new("domain/mod.rs")), ["crate", "domain"]);
    assert_eq!(module_of(Path::new("services.rs")), ["crate", "services"]);
}
