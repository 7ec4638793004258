//! What checking an access token costs each request: `KeyRing::verify` for
//! HS256, EdDSA and RS256, `viewer_from_header` as the HTTP layer calls it,
//! and `issue` for comparison. Run with `cargo bench --bench jwt`; the
//! medians are printed at the end.

use std::{hint::black_box, path::PathBuf, time::Duration};

use criterion::{Criterion, criterion_group};
use storefront::auth::{
    KeyRing, Role,
    tokens::{KeySources, TokenPolicy},
};

const ALGORITHMS: [&str; 3] = ["HS256", "EdDSA", "RS256"];

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|err| panic!("reading {}: {err}", path.display()))
}

/// A ring that signs with `algorithm`, as the server builds it.
fn ring(algorithm: &str) -> KeyRing {
    let mut sources = KeySources {
        secret: Some("bench-secret-of-at-least-thirty-two-bytes".into()),
        ..KeySources::default()
    };
    let pair = match algorithm {
        "EdDSA" => Some(("ed25519-private.pem", "ed25519-public.pem")),
        "RS256" => Some(("rsa-private.pem", "rsa-public.pem")),
        _ => None,
    };
    if let Some((private, public)) = pair {
        sources.private_key_pem = Some(fixture(private));
        sources.public_key_pem = Some(fixture(public));
    }
    let policy = TokenPolicy {
        issuer: "storefront".to_owned(),
        audience: "storefront".to_owned(),
        access_ttl: Duration::from_secs(900),
        refresh_ttl: Duration::from_secs(30 * 24 * 3600),
        refresh_reuse_grace: Duration::from_secs(10),
    };
    KeyRing::new(&sources, policy).expect("key ring")
}

fn verify(c: &mut Criterion) {
    let mut group = c.benchmark_group("verify");
    for algorithm in ALGORITHMS {
        let keys = ring(algorithm);
        let token = keys.issue(42, Role::Customer).expect("issue").token;
        group.bench_function(algorithm, |b| {
            b.iter(|| keys.verify(black_box(&token)).expect("valid"))
        });
    }
    group.finish();
}

fn viewer_from_header(c: &mut Criterion) {
    let mut group = c.benchmark_group("viewer_from_header");
    let keys = ring("HS256");
    let header = format!(
        "Bearer {}",
        keys.issue(42, Role::Customer).expect("issue").token
    );
    group.bench_function("anonymous", |b| {
        b.iter(|| keys.viewer_from_header(black_box(None)).expect("anonymous"))
    });
    group.bench_function("HS256", |b| {
        b.iter(|| {
            keys.viewer_from_header(black_box(Some(header.as_str())))
                .expect("viewer")
        })
    });
    group.finish();
}

fn issue(c: &mut Criterion) {
    let mut group = c.benchmark_group("issue");
    for algorithm in ALGORITHMS {
        let keys = ring(algorithm);
        group.bench_function(algorithm, |b| {
            b.iter(|| keys.issue(black_box(42), Role::Customer).expect("issue"))
        });
    }
    group.finish();
}

criterion_group!(benches, verify, viewer_from_header, issue);

/// Criterion reports means; the medians it saved are printed here.
fn print_medians() {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let ids = ALGORITHMS
        .iter()
        .map(|id| ("verify", *id))
        .chain([
            ("viewer_from_header", "anonymous"),
            ("viewer_from_header", "HS256"),
        ])
        .chain(ALGORITHMS.iter().map(|id| ("issue", *id)));
    println!("\nmedians:");
    for (group, id) in ids {
        let path = target
            .join("criterion")
            .join(group)
            .join(id)
            .join("new/estimates.json");
        let median = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
            .and_then(|estimates| estimates["median"]["point_estimate"].as_f64());
        let name = format!("{group}/{id}");
        match median {
            Some(nanos) => println!("  {name:<30} {:>10.2} µs", nanos / 1000.0),
            None => println!("  {name:<30} not measured"),
        }
    }
}

fn main() {
    benches();
    print_medians();
}
