// The dashboard: sign-in, then two subscriptions on one socket — the
// `dashboard` snapshots (figures, chart, top products, low stock, newest
// orders) and `orderEvents`, resumed after its last cursor on every
// reconnect so that orders placed meanwhile still show, once each.

import { GraphQLError } from './http.js';
import { RecentOrders } from './orders.js';
import { NotAdminError, Session, SessionEndedError } from './session.js';
import { LiveSocket, graphqlSocketUrl } from './socket.js';
import {
  clearBoard,
  notice,
  showBoard,
  showConnection,
  showOrders,
  showSignIn,
  showSnapshot,
} from './view.js';

const RECENT_ORDERS = 20;

const ORDER_FIELDS = 'id number status createdAt updatedAt total { amount currency } customer { name }';

const DASHBOARD = `subscription Dashboard {
  dashboard {
    generatedAt
    ordersToday
    revenueToday { amount currency }
    ordersLastHour
    ordersPerMinute { minute orders }
    topProducts { product { id name } unitsSold revenue { amount currency } }
    lowStock { id name sku stock }
    recentOrders { ${ORDER_FIELDS} }
  }
}`;

const ORDER_EVENTS = `subscription OrderEvents($after: String) {
  orderEvents(after: $after) { cursor type occurredAt order { ${ORDER_FIELDS} } }
}`;

let orders = new RecentOrders(RECENT_ORDERS);

const errorText = (errors) => {
  const first = errors?.[0];
  switch (first?.extensions?.code) {
    case 'FORBIDDEN':
      return 'This account may not see the dashboard: it is for administrators only.';
    case 'UNAUTHENTICATED':
      return 'The server did not accept the sign-in.';
    default:
      return first?.message ?? 'The server reported an error.';
  }
};

const session = new Session({
  onRenewed: () => socket.restart(),
  onEnded: (error) => {
    socket.stop('signed out');
    clearBoard();
    showSignIn(error.message);
  },
});

const socket = new LiveSocket({
  url: graphqlSocketUrl(),
  token: () => session.accessToken,
  onState: showConnection,
  onForbidden: async (refusedToken) => {
    if (refusedToken !== session.accessToken) {
      return true;
    }
    try {
      await session.renew();
      return true;
    } catch (error) {
      return !(error instanceof SessionEndedError);
    }
  },
});

const orderEventsFailed = (errors) => {
  // The cursor's events were pruned: start afresh from the snapshot.
  if (errors?.[0]?.extensions?.code === 'BAD_USER_INPUT' && orders.cursor !== null) {
    orders.forgetCursor();
    notice('orderEvents', 'Some orders placed while offline were too old to replay.');
    socket.resubscribe('orderEvents');
    return;
  }
  notice('orderEvents', `Live orders are unavailable. ${errorText(errors)}`);
};

// orderEvents first: it listens before the first snapshot is taken, so
// that no order falls between the two.
socket.subscribe('orderEvents', ORDER_EVENTS, () => ({ after: orders.cursor }), {
  next: (payload) => {
    if (payload.errors?.length) {
      orderEventsFailed(payload.errors);
    }
    const event = payload.data?.orderEvents;
    if (event && orders.applyEvent(event)) {
      showOrders(orders.list());
    }
  },
  error: orderEventsFailed,
  complete: () => {},
});

socket.subscribe('dashboard', DASHBOARD, () => ({}), {
  next: (payload) => {
    if (payload.errors?.length) {
      notice('dashboard', `Live figures are unavailable. ${errorText(payload.errors)}`);
    }
    if (payload.data?.dashboard) {
      notice('dashboard', '');
      showSnapshot(payload.data.dashboard);
      orders.applySnapshot(payload.data.dashboard.recentOrders);
      showOrders(orders.list());
    }
  },
  error: (errors) => notice('dashboard', `Live figures are unavailable. ${errorText(errors)}`),
  complete: () => {},
});

const signInText = (error) => {
  if (error instanceof NotAdminError) {
    return error.message;
  }
  if (error instanceof GraphQLError) {
    switch (error.code) {
      case 'UNAUTHENTICATED':
        return 'Wrong email or password.';
      case 'RATE_LIMITED':
        return 'Too many attempts. Wait a moment, then try again.';
      case 'BAD_USER_INPUT':
        return `Check the form: ${error.message}`;
      default:
        return `Sign-in failed: ${error.message}`;
    }
  }
  return 'The server could not be reached. Try again.';
};

const open = () => {
  showBoard(session.user);
  socket.start();
};

document.getElementById('sign-in-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  document.getElementById('sign-in-message').textContent = '';
  try {
    await session.signIn(form.elements.email.value, form.elements.password.value);
    open();
  } catch (error) {
    showSignIn(signInText(error));
  } finally {
    button.disabled = false;
  }
});

document.getElementById('sign-out').addEventListener('click', async () => {
  socket.stop('signed out');
  await session.signOut();
  orders = new RecentOrders(RECENT_ORDERS);
  clearBoard();
  showSignIn();
});

const resume = async () => {
  if (session.user === null) {
    showSignIn();
    return;
  }
  if (session.due) {
    try {
      await session.renew();
    } catch (error) {
      if (error instanceof SessionEndedError) {
        return;
      }
    }
  }
  session.resume();
  open();
};

resume();
