// The signed-in admin: tokens from `login`, kept in sessionStorage (gone
// when the tab closes), renewed with `refreshToken` ahead of the access
// token's expiry, and revoked with `logout` on sign-out.

import { GraphQLError, request } from './http.js';

const STORAGE_KEY = 'storefront.dashboard.session';

const AUTH_FIELDS = 'accessToken refreshToken expiresAt user { name email role }';
const LOGIN = `mutation DashboardLogin($input: LoginInput!) { login(input: $input) { ${AUTH_FIELDS} } }`;
const REFRESH = `mutation DashboardRefresh($token: String!) { refreshToken(token: $token) { ${AUTH_FIELDS} } }`;
const LOGOUT = 'mutation DashboardLogout($token: String!) { logout(refreshToken: $token) }';

// Renew this long before expiry, or a quarter of the token's lifetime when
// that is shorter.
const RENEW_AHEAD_MS = 60_000;

/** Sign-in refused because the account is not an administrator. */
export class NotAdminError extends Error {
  constructor(user) {
    super(
      `${user.name} is signed in as a customer. The dashboard is for administrators only; ` +
        'sign in with an admin account.',
    );
    this.name = 'NotAdminError';
  }
}

/** The session ended (its refresh token expired or was revoked). */
export class SessionEndedError extends Error {
  constructor() {
    super('Your session has ended. Sign in again.');
    this.name = 'SessionEndedError';
  }
}

// The stored form of an AuthPayload. `renewAt` is on this browser's clock,
// measured from when the payload arrived, so a skewed clock does not matter.
const stored = (payload) => {
  const lifetime = Math.max(0, Date.parse(payload.expiresAt) - Date.now());
  return {
    accessToken: payload.accessToken,
    refreshToken: payload.refreshToken,
    renewAt: Date.now() + lifetime - Math.min(RENEW_AHEAD_MS, lifetime / 4),
    user: payload.user,
  };
};

/** Holds the tokens and renews them; `onRenewed` hears of every new access token. */
export class Session {
  #current = null;
  #renewing = null;
  #timer = null;
  #onRenewed;
  #onEnded;

  constructor({ onRenewed, onEnded }) {
    this.#onRenewed = onRenewed;
    this.#onEnded = onEnded;
    try {
      this.#current = JSON.parse(sessionStorage.getItem(STORAGE_KEY));
    } catch {
      this.#current = null;
    }
  }

  /** The admin signed in, or null. */
  get user() {
    return this.#current?.user ?? null;
  }

  /** The current access token, or null. */
  get accessToken() {
    return this.#current?.accessToken ?? null;
  }

  /** Whether the access token is due for renewal. */
  get due() {
    return this.#current !== null && Date.now() >= this.#current.renewAt;
  }

  /** Signs in; a customer's tokens are revoked at once and NotAdminError thrown. */
  async signIn(email, password) {
    const { login } = await request(LOGIN, { input: { email, password } });
    if (login.user.role !== 'ADMIN') {
      await request(LOGOUT, { token: login.refreshToken }).catch(() => {});
      throw new NotAdminError(login.user);
    }
    this.#store(stored(login));
  }

  /**
   * Exchanges the refresh token for new tokens; concurrent callers share one
   * exchange. A refused exchange ends the session (SessionEndedError).
   */
  renew() {
    this.#renewing ??= this.#exchange().finally(() => {
      this.#renewing = null;
    });
    return this.#renewing;
  }

  async #exchange() {
    const token = this.#current?.refreshToken;
    if (!token) {
      throw new SessionEndedError();
    }
    try {
      const { refreshToken } = await request(REFRESH, { token });
      this.#store(stored(refreshToken));
    } catch (error) {
      if (error instanceof GraphQLError && error.code === 'UNAUTHENTICATED') {
        this.#clear();
        this.#onEnded(new SessionEndedError());
        throw new SessionEndedError();
      }
      throw error;
    }
    this.#onRenewed();
  }

  /** Revokes the refresh token (best effort) and forgets the tokens. */
  async signOut() {
    const token = this.#current?.refreshToken;
    this.#clear();
    if (token) {
      await request(LOGOUT, { token }).catch(() => {});
    }
  }

  #store(session) {
    this.#current = session;
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
    this.#schedule();
  }

  #clear() {
    clearTimeout(this.#timer);
    this.#current = null;
    sessionStorage.removeItem(STORAGE_KEY);
  }

  /** Starts the renewal timer of a session loaded from storage. */
  resume() {
    this.#schedule();
  }

  #schedule() {
    clearTimeout(this.#timer);
    if (this.#current === null) {
      return;
    }
    const wait = Math.max(0, this.#current.renewAt - Date.now());
    this.#timer = setTimeout(() => {
      // A failure other than an ended session (the server is down) is
      // retried by the socket's 4403 path when the token runs out.
      this.renew().catch(() => {});
    }, wait);
  }
}
