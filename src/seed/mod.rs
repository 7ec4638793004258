//! Deterministic demo data: the same `--seed` always gives the same rows.
//! Rows are generated in memory and written with multi-row inserts in one
//! transaction, so a seed either lands whole or not at all.

mod words;

use std::collections::HashSet;

use argon2::{Argon2, PasswordHasher, password_hash::SaltString};
use chrono::{DateTime, Duration, TimeZone, Utc};
use clap::ValueEnum;
use indicatif::{ProgressBar, ProgressStyle};
use rand::{Rng, SeedableRng, seq::IndexedRandom};
use rand_chacha::ChaCha8Rng;
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, PaginatorTrait,
    TransactionTrait,
};

use crate::{
    domain::{OrderStatus, Role},
    entities::{categories, order_items, orders, products, reviews, users},
};
use words::{
    ADJECTIVES, FIRST_NAMES, LAST_NAMES, MATERIALS, NOUNS, REVIEW_PHRASES, SUBCATEGORIES,
    TOP_CATEGORIES, slugify,
};

/// Password of every seeded account, so that the demo can be signed into.
pub const DEMO_PASSWORD: &str = "storefront-demo";

/// Preset data sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Scale {
    /// A few dozen rows: demos and tests.
    Tiny,
    /// Hundreds of products.
    Small,
    /// ≈ 2,000 users, 5,000 products, 50,000 reviews, 20,000 orders.
    Medium,
    /// Ten times medium.
    Large,
}

/// How many rows of each kind to create.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeedPlan {
    /// Accounts; the first is an administrator.
    pub users: usize,
    /// Top-level categories.
    pub top_categories: usize,
    /// Subcategories under each top-level category.
    pub subcategories: usize,
    /// Products, spread over the subcategories.
    pub products: usize,
    /// Reviews (at most one per user and product).
    pub reviews: usize,
    /// Orders of one to five lines.
    pub orders: usize,
}

impl Scale {
    /// The preset sizes.
    pub fn plan(self) -> SeedPlan {
        let (users, top, sub, products, reviews, orders) = match self {
            Self::Tiny => (10, 3, 2, 40, 100, 20),
            Self::Small => (200, 5, 3, 500, 3_000, 1_000),
            Self::Medium => (2_000, 10, 4, 5_000, 50_000, 20_000),
            Self::Large => (20_000, 20, 9, 50_000, 500_000, 200_000),
        };
        SeedPlan {
            users,
            top_categories: top,
            subcategories: sub,
            products,
            reviews,
            orders,
        }
    }
}

impl SeedPlan {
    /// Replaces single figures; reviews follow the product count.
    pub fn with_counts(
        mut self,
        users: Option<usize>,
        products: Option<usize>,
        orders: Option<usize>,
    ) -> Self {
        if let Some(products) = products {
            self.reviews = self.reviews * products / self.products.max(1);
            self.products = products;
        }
        self.users = users.unwrap_or(self.users).max(1);
        self.orders = orders.unwrap_or(self.orders);
        self
    }

    fn category_count(&self) -> usize {
        self.top_categories * (1 + self.subcategories)
    }
}

/// What a seed wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    /// Users written.
    pub users: usize,
    /// Categories written.
    pub categories: usize,
    /// Products written.
    pub products: usize,
    /// Reviews written.
    pub reviews: usize,
    /// Orders written.
    pub orders: usize,
    /// Order lines written.
    pub order_items: usize,
}

/// Whether the catalog and accounts are empty (the only state seeding accepts).
pub async fn is_empty(db: &DatabaseConnection) -> Result<bool, sea_orm::DbErr> {
    Ok(users::Entity::find().count(db).await? == 0
        && categories::Entity::find().count(db).await? == 0
        && products::Entity::find().count(db).await? == 0)
}

/// A fixed epoch, so timestamps depend only on the seed.
fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

fn some_time_after(rng: &mut ChaCha8Rng, start: DateTime<Utc>, span_days: i64) -> DateTime<Utc> {
    start + Duration::seconds(rng.random_range(0..span_days.max(1) * 86_400))
}

fn pick<'a>(rng: &mut ChaCha8Rng, words: &'a [&'a str]) -> &'a str {
    words.choose(rng).copied().unwrap_or_default()
}

fn id(index: usize) -> i64 {
    i64::try_from(index + 1).unwrap_or(i64::MAX)
}

struct Generated {
    users: Vec<users::ActiveModel>,
    categories: Vec<categories::ActiveModel>,
    products: Vec<products::ActiveModel>,
    reviews: Vec<reviews::ActiveModel>,
    orders: Vec<orders::ActiveModel>,
    order_items: Vec<order_items::ActiveModel>,
}

fn generate(plan: SeedPlan, seed: u64, password_hash: &str) -> Generated {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let start = epoch();

    let users: Vec<users::ActiveModel> = (0..plan.users)
        .map(|i| {
            let created = some_time_after(&mut rng, start, 30);
            let (email, role) = if i == 0 {
                ("admin@example.com".to_owned(), Role::Admin)
            } else {
                (format!("user{}@example.com", i + 1), Role::Customer)
            };
            users::ActiveModel {
                id: Set(id(i)),
                email: Set(email),
                name: Set(format!(
                    "{} {}",
                    pick(&mut rng, FIRST_NAMES),
                    pick(&mut rng, LAST_NAMES)
                )),
                password_hash: Set(password_hash.to_owned()),
                role: Set(role),
                created_at: Set(created),
                updated_at: Set(created),
            }
        })
        .collect();

    let mut categories = Vec::with_capacity(plan.category_count());
    let mut leaves = Vec::new();
    for top in 0..plan.top_categories {
        let top_name = match TOP_CATEGORIES.get(top) {
            Some(name) => (*name).to_owned(),
            None => format!("{} {}", pick(&mut rng, TOP_CATEGORIES), top + 1),
        };
        let top_id = id(categories.len());
        categories.push(categories::ActiveModel {
            id: Set(top_id),
            slug: Set(slugify(&top_name)),
            name: Set(top_name.clone()),
            parent_id: Set(None),
            created_at: Set(start),
            updated_at: Set(start),
        });
        for sub in 0..plan.subcategories {
            let suffix = SUBCATEGORIES.get(sub).copied().unwrap_or("More");
            let name = format!("{top_name} {suffix}");
            let sub_id = id(categories.len());
            leaves.push(sub_id);
            categories.push(categories::ActiveModel {
                id: Set(sub_id),
                slug: Set(format!("{}-{}", slugify(&name), sub_id)),
                name: Set(name),
                parent_id: Set(Some(top_id)),
                created_at: Set(start),
                updated_at: Set(start),
            });
        }
    }
    if leaves.is_empty() {
        leaves = (0..categories.len()).map(id).collect();
    }

    struct ProductFacts {
        price_cents: i64,
        created: DateTime<Utc>,
        rating_sum: i64,
        rating_count: i64,
    }
    let mut product_facts: Vec<ProductFacts> = (0..plan.products)
        .map(|_| ProductFacts {
            // Prices end in .99 and repeat, so orderings by price have ties.
            price_cents: rng.random_range(1..=400_i64) * 100 - 1,
            created: some_time_after(&mut rng, start, 200),
            rating_sum: 0,
            rating_count: 0,
        })
        .collect();

    let mut reviews = Vec::with_capacity(plan.reviews);
    let mut reviewed = HashSet::with_capacity(plan.reviews);
    let possible = plan.users.saturating_mul(plan.products);
    let review_target = plan.reviews.min(possible);
    while reviews.len() < review_target {
        let product = rng.random_range(0..plan.products);
        let user = rng.random_range(0..plan.users);
        if !reviewed.insert((user, product)) {
            continue;
        }
        let rating: i16 = *[5, 5, 5, 4, 4, 4, 3, 2, 1].choose(&mut rng).unwrap_or(&5);
        let facts = &mut product_facts[product];
        facts.rating_sum += i64::from(rating);
        facts.rating_count += 1;
        let created = some_time_after(&mut rng, facts.created, 100);
        reviews.push(reviews::ActiveModel {
            id: Set(id(reviews.len())),
            product_id: Set(id(product)),
            user_id: Set(id(user)),
            rating: Set(rating),
            body: Set(pick(&mut rng, REVIEW_PHRASES).to_owned()),
            created_at: Set(created),
            updated_at: Set(created),
        });
    }

    let products: Vec<products::ActiveModel> = product_facts
        .iter()
        .enumerate()
        .map(|(i, facts)| {
            let name = format!(
                "{} {} {}",
                pick(&mut rng, ADJECTIVES),
                pick(&mut rng, MATERIALS),
                pick(&mut rng, NOUNS)
            );
            let stock = if rng.random_ratio(1, 10) {
                0
            } else {
                rng.random_range(1..=500)
            };
            let average_milli = if facts.rating_count == 0 {
                0
            } else {
                (facts.rating_sum * 1000 + facts.rating_count / 2) / facts.rating_count
            };
            products::ActiveModel {
                id: Set(id(i)),
                category_id: Set(*leaves.choose(&mut rng).unwrap_or(&1)),
                sku: Set(format!("SKU-{:07}", i + 1)),
                slug: Set(format!("{}-{}", slugify(&name), i + 1)),
                description: Set(format!(
                    "A {} that is {}.",
                    name.to_lowercase(),
                    pick(&mut rng, REVIEW_PHRASES).to_lowercase()
                )),
                name: Set(name),
                price_cents: Set(facts.price_cents),
                stock: Set(stock),
                rating_average_milli: Set(average_milli),
                created_at: Set(facts.created),
                updated_at: Set(facts.created),
            }
        })
        .collect();

    let mut orders = Vec::with_capacity(plan.orders);
    let mut order_items = Vec::with_capacity(plan.orders * 3);
    if plan.products > 0 {
        for i in 0..plan.orders {
            let order_id = id(i);
            let lines = rng.random_range(1..=5_usize).min(plan.products);
            let mut chosen = HashSet::with_capacity(lines);
            let (mut total, mut count) = (0_i64, 0_i32);
            while chosen.len() < lines {
                let product = rng.random_range(0..plan.products);
                if !chosen.insert(product) {
                    continue;
                }
                let quantity = rng.random_range(1..=3_i32);
                let unit_price = product_facts[product].price_cents;
                total += unit_price * i64::from(quantity);
                count += quantity;
                order_items.push(order_items::ActiveModel {
                    id: Set(id(order_items.len())),
                    order_id: Set(order_id),
                    product_id: Set(id(product)),
                    quantity: Set(quantity),
                    unit_price_cents: Set(unit_price),
                });
            }
            let status = *[
                OrderStatus::Delivered,
                OrderStatus::Delivered,
                OrderStatus::Shipped,
                OrderStatus::Paid,
                OrderStatus::Pending,
                OrderStatus::Cancelled,
            ]
            .choose(&mut rng)
            .unwrap_or(&OrderStatus::Pending);
            let created = some_time_after(&mut rng, start, 300);
            orders.push(orders::ActiveModel {
                id: Set(order_id),
                number: Set(format!("SF-{:08}", i + 1)),
                user_id: Set(id(rng.random_range(0..plan.users))),
                status: Set(status),
                total_cents: Set(total),
                item_count: Set(count),
                created_at: Set(created),
                updated_at: Set(created),
            });
        }
    }

    Generated {
        users,
        categories,
        products,
        reviews,
        orders,
        order_items,
    }
}

/// Bind parameters per statement: under SQLite's 32,766 and PostgreSQL's 65,535.
const MAX_PARAMS_PER_STATEMENT: usize = 30_000;

async fn insert_all<E, A, C>(
    db: &C,
    rows: Vec<A>,
    columns: usize,
    progress: &ProgressBar,
) -> Result<(), sea_orm::DbErr>
where
    E: EntityTrait,
    A: sea_orm::ActiveModelTrait<Entity = E> + Send,
    C: ConnectionTrait,
{
    let chunk = (MAX_PARAMS_PER_STATEMENT / columns).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<A> = rows.by_ref().take(chunk).collect();
        let written = batch.len() as u64;
        E::insert_many(batch).exec_without_returning(db).await?;
        progress.inc(written);
    }
    Ok(())
}

/// Writes the demo data into an empty database.
pub async fn run(
    db: &DatabaseConnection,
    plan: SeedPlan,
    seed: u64,
    show_progress: bool,
) -> anyhow::Result<SeedReport> {
    if !is_empty(db).await? {
        anyhow::bail!("the database already has data; run `storefront migrate fresh` first");
    }
    let mut salt_bytes = [0_u8; 16];
    rand::rng().fill(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|err| anyhow::anyhow!("encoding a password salt: {err}"))?;
    let password_hash = Argon2::default()
        .hash_password(DEMO_PASSWORD.as_bytes(), &salt)
        .map_err(|err| anyhow::anyhow!("hashing the demo password: {err}"))?
        .to_string();
    let data = generate(plan, seed, &password_hash);
    let report = SeedReport {
        users: data.users.len(),
        categories: data.categories.len(),
        products: data.products.len(),
        reviews: data.reviews.len(),
        orders: data.orders.len(),
        order_items: data.order_items.len(),
    };
    let total = report.users
        + report.categories
        + report.products
        + report.reviews
        + report.orders
        + report.order_items;
    let progress = if show_progress {
        let bar = ProgressBar::new(total as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{msg:>12} [{bar:40}] {pos}/{len} rows ({per_sec}, {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };

    let txn = db.begin().await?;
    progress.set_message("users");
    insert_all(&txn, data.users, 7, &progress).await?;
    progress.set_message("categories");
    insert_all(&txn, data.categories, 6, &progress).await?;
    progress.set_message("products");
    insert_all(&txn, data.products, 11, &progress).await?;
    progress.set_message("reviews");
    insert_all(&txn, data.reviews, 7, &progress).await?;
    progress.set_message("orders");
    insert_all(&txn, data.orders, 8, &progress).await?;
    progress.set_message("order items");
    insert_all(&txn, data.order_items, 5, &progress).await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        // Rows were written with explicit ids; move each identity past them.
        for table in [
            "users",
            "categories",
            "products",
            "reviews",
            "orders",
            "order_items",
        ] {
            txn.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            ))
            .await?;
        }
    }
    txn.commit().await?;
    // Fresh statistics, so the planner sizes the new tables right at once.
    db.execute_unprepared("ANALYZE").await?;
    progress.finish_with_message("done");
    Ok(report)
}
