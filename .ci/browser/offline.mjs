// Headless Chromium confined to loopback, for every browser test here:
// requests and sockets beyond loopback are aborted and recorded, and the
// page's policy violations, console errors and page errors are recorded,
// so that a test can assert that none happened.

import { chromium } from 'playwright-core';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export const isLoopback = (url) => LOOPBACK.has(new URL(url).hostname);

// Launches the browser (CHROMIUM, default /usr/bin/chromium) and opens a
// context of `viewport`; offsite URLs go to `offsite`, CSP violations to
// `problems`.
export async function launchOffline({ viewport, offsite, problems }) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const context = await browser.newContext({ viewport });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('data:') || isLoopback(url)) {
      return route.continue();
    }
    offsite.push(url);
    return route.abort('blockedbyclient');
  });
  await context.routeWebSocket(
    (url) => !isLoopback(url.href),
    (socket) => {
      offsite.push(socket.url());
      return socket.close();
    },
  );
  // Reported by the browser itself, so that the page's policy cannot hide
  // its own violations.
  await context.exposeBinding('reportViolation', (_source, violation) => {
    problems.push(`CSP violation: ${violation}`);
  });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      window.reportViolation(
        `${event.effectiveDirective} blocked ${event.blockedURI || 'inline'} ` +
          `(${event.sourceFile}:${event.lineNumber})`,
      );
    });
  });
  return { browser, context };
}

// Records `page`'s console errors and uncaught errors in `problems`.
export function recordPageProblems(page, problems) {
  page.on('console', (message) => {
    if (message.type() === 'error') {
      problems.push(`console error: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
}
