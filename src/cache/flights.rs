//! Single flight: concurrent misses of one entity on one instance load it
//! once. The first reader leads the load; the others wait for its result
//! rather than sending the same statement.
//!
//! A reader only follows a leader whose stamp is no older than its own:
//! the leader then read the database after every write that had committed
//! when the follower started, so what it found is fresh enough for both.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use tokio::sync::watch;

use super::{Stamp, local::Shared};

use crate::sync::lock;

/// What a leader found: the value, or `None` when the row does not exist.
pub(super) type Landing = Option<Shared>;

struct Flight {
    id: u64,
    stamp: Stamp,
    landed: watch::Receiver<Option<Landing>>,
}

#[derive(Default)]
struct Board {
    next_id: u64,
    flights: HashMap<String, Flight>,
}

/// The loads in flight on this instance, by entry key.
#[derive(Default)]
pub(super) struct Flights(Arc<Mutex<Board>>);

/// A load this reader leads: it must [`land`](Led::land) each key, and
/// its followers fall back to loading themselves if it is dropped first.
pub(super) struct Led {
    board: Arc<Mutex<Board>>,
    id: u64,
    keys: Vec<(String, watch::Sender<Option<Landing>>)>,
}

/// What one reader does about each of its missing keys.
pub(super) struct Claim {
    /// Indexes of the keys this reader loads.
    pub lead: Vec<usize>,
    /// Indexes of the keys another reader is loading, with their landings.
    pub follow: Vec<(usize, watch::Receiver<Option<Landing>>)>,
    /// The flights this reader leads.
    pub led: Led,
}

impl Flights {
    /// Splits `keys` (a reader's misses, read under `stamp`) into those it
    /// leads and those it follows.
    pub(super) fn claim(&self, keys: &[&str], stamp: Stamp) -> Claim {
        let mut board = lock(&self.0);
        board.next_id += 1;
        let id = board.next_id;
        let mut claim = Claim {
            lead: Vec::new(),
            follow: Vec::new(),
            led: Led {
                board: self.0.clone(),
                id,
                keys: Vec::new(),
            },
        };
        for (index, key) in keys.iter().enumerate() {
            if let Some(flight) = board.flights.get(*key)
                && flight.stamp >= stamp
            {
                claim.follow.push((index, flight.landed.clone()));
                continue;
            }
            let (sender, landed) = watch::channel(None);
            board
                .flights
                .insert((*key).to_owned(), Flight { id, stamp, landed });
            claim.lead.push(index);
            claim.led.keys.push(((*key).to_owned(), sender));
        }
        claim
    }
}

impl Led {
    /// Hands what was found to every follower: `found` gives the value of
    /// each led key, if its row exists.
    pub(super) fn land(self, mut found: impl FnMut(&str) -> Landing) {
        for (key, sender) in &self.keys {
            sender.send_replace(Some(found(key)));
        }
    }
}

impl Drop for Led {
    fn drop(&mut self) {
        let mut board = lock(&self.board);
        for (key, _) in &self.keys {
            if board
                .flights
                .get(key)
                .is_some_and(|flight| flight.id == self.id)
            {
                board.flights.remove(key);
            }
        }
    }
}

/// Waits for a leader's landing; `None` when the leader gave up (failed or
/// was cancelled) and the follower must load the key itself.
pub(super) async fn landing(mut landed: watch::Receiver<Option<Landing>>) -> Option<Landing> {
    landed
        .wait_for(Option::is_some)
        .await
        .ok()
        .and_then(|landing| landing.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_reader_follows_the_first_and_gets_its_value() {
        let flights = Flights::default();
        let first = flights.claim(&["Product:1"], Stamp(3));
        assert_eq!(first.lead, vec![0]);
        let second = flights.claim(&["Product:1", "Product:2"], Stamp(3));
        assert_eq!(second.lead, vec![1]);
        let (_, landed) = second.follow.into_iter().next().expect("a follow");
        first.led.land(|_| Some(Arc::new(7_i64)));
        let value = landing(landed).await.flatten().expect("a value");
        assert_eq!(value.downcast_ref::<i64>(), Some(&7));
    }

    #[tokio::test]
    async fn a_newer_reader_does_not_follow_an_older_leader() {
        let flights = Flights::default();
        let _older = flights.claim(&["Product:1"], Stamp(3));
        let newer = flights.claim(&["Product:1"], Stamp(4));
        assert_eq!(newer.lead, vec![0]);
        assert!(newer.follow.is_empty());
    }

    #[tokio::test]
    async fn followers_load_themselves_when_the_leader_gives_up() {
        let flights = Flights::default();
        let first = flights.claim(&["Product:1"], Stamp(3));
        let second = flights.claim(&["Product:1"], Stamp(3));
        let (_, landed) = second.follow.into_iter().next().expect("a follow");
        drop(first);
        assert!(landing(landed).await.is_none());
        assert_eq!(flights.claim(&["Product:1"], Stamp(3)).lead, vec![0]);
    }
}
