// A small graphql-transport-ws client (PROTOCOL.md of graphql-ws): one
// WebSocket on /graphql, `connection_init` with the access token,
// subscribe / next / error / complete, `pong` for every `ping`. It keeps
// its operations across reconnects, re-subscribing each with fresh
// variables, and reconnects with exponential backoff and jitter.

const SUBPROTOCOL = 'graphql-transport-ws';

/** The server closes with this when the token is refused or has expired. */
export const FORBIDDEN = 4403;

// Closes after which retrying cannot help: client and server disagree on
// the protocol itself.
const FATAL = new Map([
  [4400, 'the server could not read a message'],
  [4401, 'the server saw a subscription before the connection was accepted'],
  [4406, 'the server does not speak graphql-transport-ws'],
  [4409, 'the server saw one operation id twice'],
]);

const ACK_TIMEOUT_MS = 10_000;
const FIRST_RETRY_MS = 500;
const LONGEST_RETRY_MS = 8_000;

/** The WebSocket URL of /graphql on this page's origin. */
export const graphqlSocketUrl = () => {
  const url = new URL('/graphql', location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
};

// Exponential backoff with equal jitter: half the step, plus up to half at
// random, so that many dashboards do not come back in lockstep.
const backoff = (attempt) => {
  const step = Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** attempt);
  return step / 2 + Math.random() * (step / 2);
};

/**
 * The connection. `token()` gives the access token for `connection_init`;
 * `onState(state, reason)` hears 'connecting' | 'live' | 'reconnecting' |
 * 'offline'; `onForbidden()` runs on a 4403 close and resolves to true to
 * reconnect at once (with a renewed token) or false to stay offline.
 */
export class LiveSocket {
  #url;
  #token;
  #onState;
  #onForbidden;
  #operations = new Map();
  #socket = null;
  #attempt = 0;
  #everLive = false;
  #retryTimer = null;
  #ackTimer = null;
  #running = false;
  #sequence = 0;
  #forbidden = 0;

  constructor({ url, token, onState, onForbidden }) {
    this.#url = url;
    this.#token = token;
    this.#onState = onState;
    this.#onForbidden = onForbidden;
    addEventListener('online', () => {
      if (this.#running && this.#socket === null) {
        this.#connect();
      }
    });
  }

  /**
   * Registers an operation, run on every connection until removed:
   * `variables()` is asked anew at each subscribe; `sink` gets
   * `next(payload)`, `error(errors)` and `complete()`.
   */
  subscribe(name, query, variables, sink) {
    this.#operations.set(name, { query, variables, sink, id: null });
    if (this.#isLive()) {
      this.#start(name);
    }
  }

  /** Subscribes `name` again on the open connection (after its `error`). */
  resubscribe(name) {
    const operation = this.#operations.get(name);
    if (operation && this.#isLive()) {
      if (operation.id !== null) {
        this.#send({ id: operation.id, type: 'complete' });
      }
      this.#start(name);
    }
  }

  /** Connects, unless already connected or connecting. */
  start() {
    this.#running = true;
    if (this.#socket === null && this.#retryTimer === null) {
      this.#connect();
    }
  }

  /** Closes the connection and connects again at once (after a token renewal). */
  restart() {
    if (!this.#running) {
      return;
    }
    this.#drop(1000, 'token renewed');
    this.#connect();
  }

  /** Closes the connection and stays offline. */
  stop(reason = 'signed out') {
    this.#running = false;
    this.#everLive = false;
    this.#drop(1000, reason);
    this.#onState('offline', reason);
  }

  #isLive() {
    return this.#socket !== null && this.#socket.live;
  }

  #connect() {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    if (!navigator.onLine) {
      this.#onState('offline', 'this browser is offline');
      return;
    }
    this.#onState(this.#everLive ? 'reconnecting' : 'connecting');
    const ws = new WebSocket(this.#url, SUBPROTOCOL);
    const socket = { ws, live: false, token: this.#token() };
    this.#socket = socket;
    ws.addEventListener('open', () => {
      this.#send({
        type: 'connection_init',
        payload: { authorization: `Bearer ${socket.token}` },
      });
      this.#ackTimer = setTimeout(() => ws.close(4408, 'no connection_ack'), ACK_TIMEOUT_MS);
    });
    ws.addEventListener('message', (event) => this.#receive(socket, event.data));
    ws.addEventListener('close', (event) => this.#closed(socket, event));
  }

  #receive(socket, data) {
    if (socket !== this.#socket) {
      return;
    }
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      socket.ws.close(4400, 'invalid JSON');
      return;
    }
    switch (message.type) {
      case 'connection_ack':
        clearTimeout(this.#ackTimer);
        socket.live = true;
        this.#attempt = 0;
        this.#forbidden = 0;
        this.#everLive = true;
        this.#onState('live');
        for (const name of this.#operations.keys()) {
          this.#start(name);
        }
        break;
      case 'ping':
        this.#send({ type: 'pong' });
        break;
      case 'next':
      case 'error':
      case 'complete':
        this.#deliver(message);
        break;
      default:
        break;
    }
  }

  #deliver(message) {
    for (const operation of this.#operations.values()) {
      if (operation.id !== message.id) {
        continue;
      }
      if (message.type === 'next') {
        operation.sink.next(message.payload);
      } else {
        operation.id = null;
        if (message.type === 'error') {
          operation.sink.error(message.payload);
        } else {
          operation.sink.complete();
        }
      }
    }
  }

  #start(name) {
    const operation = this.#operations.get(name);
    this.#sequence += 1;
    operation.id = `${name}-${this.#sequence}`;
    this.#send({
      id: operation.id,
      type: 'subscribe',
      payload: { query: operation.query, variables: operation.variables() },
    });
  }

  #send(message) {
    if (this.#socket?.ws.readyState === WebSocket.OPEN) {
      this.#socket.ws.send(JSON.stringify(message));
    }
  }

  // Forgets the current connection without reacting to its close.
  #drop(code, reason) {
    clearTimeout(this.#ackTimer);
    clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    const socket = this.#socket;
    this.#socket = null;
    for (const operation of this.#operations.values()) {
      operation.id = null;
    }
    if (socket && socket.ws.readyState <= WebSocket.OPEN) {
      socket.ws.close(code, reason);
    }
  }

  async #closed(socket, event) {
    if (socket !== this.#socket) {
      return;
    }
    this.#drop(1000, 'closed');
    if (!this.#running) {
      return;
    }
    if (FATAL.has(event.code)) {
      this.#running = false;
      this.#onState('offline', FATAL.get(event.code));
      return;
    }
    if (event.code === FORBIDDEN) {
      // Refused again and again with fresh tokens: something else is wrong.
      this.#forbidden += 1;
      this.#onState('reconnecting', 'renewing the sign-in');
      if (this.#forbidden > 3 || !(await this.#onForbidden(socket.token))) {
        this.stop('the server refused the sign-in');
        return;
      }
      if (!this.#running || this.#socket !== null) {
        return;
      }
      if (this.#forbidden === 1) {
        this.#connect();
        return;
      }
    }
    this.#onState(this.#everLive ? 'reconnecting' : 'connecting', event.reason);
    const wait = backoff(this.#attempt);
    this.#attempt += 1;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      if (this.#running) {
        this.#connect();
      }
    }, wait);
  }
}
