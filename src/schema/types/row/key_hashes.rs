//! The hash of a response key, computed once per document instead of once
//! per object.
//!
//! A row object's fields go into an `IndexMap<Name, Value>`, async-graphql's
//! object type, whose `RandomState` hashes every key with SipHash: about 170
//! instructions, some 900 times on a catalog page for a dozen distinct keys.
//! Row objects share one `RandomState`, so a key hashes alike in all of
//! them, and each thread remembers the last hashes it computed by the
//! address of the key's text. A document's response keys are shared `Name`s:
//! the fifty products of a page insert the same allocation fifty times.

use std::{cell::RefCell, collections::hash_map::RandomState, hash::BuildHasher, sync::LazyLock};

use async_graphql::Name;

/// The hasher of every row object's map. Random per process, as std's is.
static SHARED: LazyLock<RandomState> = LazyLock::new(RandomState::new);

/// Hashes each thread remembers: more than the distinct keys of most
/// documents. A key whose slot holds another key is hashed again.
const SLOTS: usize = 64;

thread_local! {
    /// Each slot keeps its key alive, so an address it remembers cannot
    /// be reused by another key's text while it is there.
    static REMEMBERED: RefCell<[Option<(Name, u64)>; SLOTS]> =
        const { RefCell::new([const { None }; SLOTS]) };
}

/// The hasher to build a row object's map with, so that [`hash_of`] gives
/// the hashes its lookups compute.
pub fn shared_hasher() -> RandomState {
    SHARED.clone()
}

/// `key`'s hash under [`shared_hasher`].
pub fn hash_of(key: &Name) -> u64 {
    let text = key.as_str();
    // Allocations are at least 8-byte aligned: the low bits carry nothing.
    let slot = (text.as_ptr() as usize >> 3) % SLOTS;
    REMEMBERED.with_borrow_mut(|slots| {
        if let Some((known, hash)) = &slots[slot]
            && std::ptr::eq(known.as_str(), text)
        {
            return *hash;
        }
        let hash = SHARED.hash_one(key);
        slots[slot] = Some((key.clone(), hash));
        hash
    })
}

#[cfg(test)]
mod tests {
    use indexmap::{
        IndexMap,
        map::raw_entry_v1::{RawEntryApiV1, RawEntryMut},
    };

    use super::*;

    #[test]
    fn remembered_hashes_are_the_hashes_a_row_map_computes() {
        let mut map: IndexMap<Name, u32> = IndexMap::with_hasher(shared_hasher());
        let names = ["id", "name", "slug", "category", "reviews"].map(Name::new);
        for (index, name) in names.iter().enumerate() {
            let first = hash_of(name);
            assert_eq!(hash_of(name), first, "remembered");
            let value = u32::try_from(index).unwrap_or_default();
            match map.raw_entry_mut_v1().from_key_hashed_nocheck(first, name) {
                RawEntryMut::Vacant(entry) => {
                    entry.insert_hashed_nocheck(first, name.clone(), value);
                }
                RawEntryMut::Occupied(_) => panic!("{name} inserted twice"),
            }
        }
        // Lookups hash the key themselves, here from another allocation of
        // the same text: they must find what the remembered hashes stored.
        for (index, name) in names.iter().enumerate() {
            let copy = Name::new(name.as_str());
            assert_eq!(map.get(&copy), u32::try_from(index).ok().as_ref());
            assert_eq!(hash_of(&copy), hash_of(name));
        }
    }
}
