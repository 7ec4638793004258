//! Word lists the demo data is composed from.

pub const FIRST_NAMES: &[&str] = &[
    "Ada",
    "Alan",
    "Grace",
    "Linus",
    "Barbara",
    "Ken",
    "Margaret",
    "Dennis",
    "Frances",
    "Edsger",
    "Radia",
    "Donald",
    "Hedy",
    "Tim",
    "Katherine",
    "Niklaus",
    "Joan",
    "Guido",
    "Sophie",
    "Bjarne",
];

pub const LAST_NAMES: &[&str] = &[
    "Lovelace",
    "Turing",
    "Hopper",
    "Torvalds",
    "Liskov",
    "Thompson",
    "Hamilton",
    "Ritchie",
    "Allen",
    "Dijkstra",
    "Perlman",
    "Knuth",
    "Lamarr",
    "Berners-Lee",
    "Johnson",
    "Wirth",
    "Clarke",
    "Rossum",
    "Wilson",
    "Stroustrup",
];

pub const TOP_CATEGORIES: &[&str] = &[
    "Electronics",
    "Books",
    "Home",
    "Garden",
    "Toys",
    "Sports",
    "Clothing",
    "Beauty",
    "Grocery",
    "Automotive",
    "Music",
    "Office",
    "Pets",
    "Health",
    "Tools",
    "Games",
    "Jewelry",
    "Baby",
    "Outdoors",
    "Crafts",
];

pub const SUBCATEGORIES: &[&str] = &[
    "Essentials",
    "Accessories",
    "Premium",
    "Basics",
    "Kits",
    "Classics",
    "Gear",
    "Supplies",
    "Deals",
];

pub const ADJECTIVES: &[&str] = &[
    "Ergonomic",
    "Rustic",
    "Sleek",
    "Compact",
    "Durable",
    "Handmade",
    "Vintage",
    "Modern",
    "Lightweight",
    "Heavy-Duty",
    "Elegant",
    "Portable",
    "Smart",
    "Classic",
    "Refined",
    "Bold",
];

pub const MATERIALS: &[&str] = &[
    "Steel", "Wooden", "Cotton", "Leather", "Ceramic", "Bamboo", "Granite", "Copper", "Wool",
    "Glass", "Rubber", "Linen", "Marble", "Silk", "Titanium", "Oak",
];

pub const NOUNS: &[&str] = &[
    "Chair",
    "Lamp",
    "Backpack",
    "Kettle",
    "Notebook",
    "Headphones",
    "Blanket",
    "Mug",
    "Watch",
    "Keyboard",
    "Bottle",
    "Jacket",
    "Speaker",
    "Table",
    "Wallet",
    "Pan",
    "Clock",
    "Pillow",
    "Sneakers",
    "Umbrella",
];

pub const REVIEW_PHRASES: &[&str] = &[
    "Exactly as described.",
    "Great value for the price.",
    "Arrived quickly and well packed.",
    "Would buy again.",
    "Not quite what I expected.",
    "Solid build quality.",
    "My kids love it.",
    "Stopped working after a month.",
    "Looks even better in person.",
    "Does the job.",
];

/// A URL-friendly form of `text`: lower-case ASCII words joined by dashes.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}
