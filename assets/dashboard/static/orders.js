// The recent orders the page shows, merged from `orderEvents` and the
// snapshots' `recentOrders`: one row per order (its newest state wins),
// each event applied once (by cursor), newest order first.

const KEPT_CURSORS = 1_000;

const newer = (a, b) => Date.parse(a.updatedAt) >= Date.parse(b.updatedAt);

const byNewest = (a, b) =>
  Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.number.localeCompare(a.number);

/** The list, the last event cursor (to resume from) and the cursors seen. */
export class RecentOrders {
  #orders = new Map();
  #cursors = new Set();
  #limit;
  #snapshotSeen = false;
  /** The cursor of the last event applied: `after` for the next subscribe. */
  cursor = null;

  constructor(limit) {
    this.#limit = limit;
  }

  /** Applies an `orderEvents` event; false when it was already applied. */
  applyEvent(event) {
    if (this.#cursors.has(event.cursor)) {
      return false;
    }
    this.#cursors.add(event.cursor);
    if (this.#cursors.size > KEPT_CURSORS) {
      this.#cursors.delete(this.#cursors.values().next().value);
    }
    this.cursor = event.cursor;
    this.#upsert(event.order, event.type === 'PLACED');
    return true;
  }

  /**
   * Merges a snapshot's `recentOrders`. After the first snapshot, an order
   * the list did not hold yet is new (placed while the page was away).
   */
  applySnapshot(orders) {
    for (const order of orders) {
      this.#upsert(order, this.#snapshotSeen);
    }
    this.#snapshotSeen = true;
  }

  /** Forgets the resume point (its events were pruned from the server). */
  forgetCursor() {
    this.cursor = null;
  }

  /** The orders to show, newest first; `fresh` marks orders new since the first snapshot. */
  list() {
    return [...this.#orders.values()].sort((a, b) => byNewest(a.order, b.order));
  }

  #upsert(order, isNew) {
    const known = this.#orders.get(order.id);
    if (known) {
      if (newer(order, known.order)) {
        known.order = order;
      }
      return;
    }
    this.#orders.set(order.id, { order, fresh: isNew });
    if (this.#orders.size > this.#limit) {
      const oldest = this.list().at(-1);
      this.#orders.delete(oldest.order.id);
    }
  }
}
