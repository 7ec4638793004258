//! One operation's idle PostgreSQL connection, kept for its next statement.
//!
//! sqlx checks every connection it gets back with a round trip to the
//! server (a `Sync`, answered by `ReadyForQuery`) in a task of its own, and
//! no option turns that off. The read path sends an operation's statements
//! one level after another, so taking a connection from the pool for each
//! of them paid that round trip, the task and the pool's bookkeeping once
//! per statement: four times for a catalog page, five for an orders page.
//! An HTTP operation now keeps the connection its last statement finished
//! with, and gives it back to the pool when it ends.
//!
//! A connection is kept only while none of the operation's statements waits
//! for the pool, through here or any other way (a transaction, SeaORM's own
//! pool calls): with every operation holding an idle connection and waiting
//! for a second one, a full pool would stop them all until their acquire
//! timeout.

use std::sync::{Mutex, MutexGuard};

use sea_orm::sqlx::{self, PgPool, Postgres, pool::PoolConnection};

use crate::sync::lock;

/// The connection one operation keeps between its statements.
#[derive(Default)]
pub struct ConnectionReuse {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The connection the last finished statement left, ready for a query.
    idle: Option<PoolConnection<Postgres>>,
    /// Statements of the operation waiting for the pool.
    waiting: usize,
    /// Set when the operation has ended: connections go back to the pool.
    ended: bool,
}

impl ConnectionReuse {
    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// The operation's idle connection, or one from `pool`.
    pub async fn acquire(&self, pool: &PgPool) -> Result<PoolConnection<Postgres>, sqlx::Error> {
        {
            let mut state = self.state();
            if let Some(connection) = state.idle.take() {
                return Ok(connection);
            }
            state.waiting += 1;
        }
        let _waiting = Waiting(self);
        boxed_acquire(pool).await
    }

    /// For a statement that takes its connection from the pool another way
    /// (a transaction, SeaORM's pool): the idle connection goes back to the
    /// pool first, and none is kept while the returned guard lives.
    pub fn bypass(&self) -> Waiting<'_> {
        let idle = {
            let mut state = self.state();
            state.waiting += 1;
            state.idle.take()
        };
        drop(idle);
        Waiting(self)
    }

    /// Keeps `connection`, which just finished a statement, for the next
    /// one; or lets the pool have it when another statement of this
    /// operation waits for the pool, one is already kept, or the operation
    /// has ended.
    pub fn give_back(&self, connection: PoolConnection<Postgres>) {
        let mut state = self.state();
        if state.waiting == 0 && state.idle.is_none() && !state.ended {
            state.idle = Some(connection);
            return;
        }
        drop(state);
        drop(connection);
    }

    /// Ends the operation: its idle connection goes back to the pool.
    pub fn end(&self) {
        let idle = {
            let mut state = self.state();
            state.ended = true;
            state.idle.take()
        };
        drop(idle);
    }
}

/// A connection from `pool`, through a boxed future. sqlx's `acquire`
/// future is sized for opening a new connection, about 14 KB; held inline,
/// it made every statement's future that large, and each one was copied
/// whole as it moved into its caller's future and into SeaORM's box,
/// though most statements take the operation's idle connection and never
/// run it.
pub async fn boxed_acquire(pool: &PgPool) -> Result<PoolConnection<Postgres>, sqlx::Error> {
    Box::pin(pool.acquire()).await
}

/// Counts a statement waiting for the pool while it lives, so that a
/// cancelled wait stops counting too.
pub struct Waiting<'a>(&'a ConnectionReuse);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.state().waiting -= 1;
    }
}
