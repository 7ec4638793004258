// The orders-per-minute chart: one bar per minute of the last hour, drawn
// as SVG elements (no library), with its figures also told in words (the
// SVG's <desc> and the caption) and as a table.

import { count, utcMinute } from './format.js';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 640;
const HEIGHT = 200;
const LEFT = 36;
const BOTTOM = 24;
const TOP = 12;

const element = (name, attributes, text) => {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) {
    node.setAttribute(key, String(value));
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
};

/** The chart's figures in one sentence. */
export const describe = (minutes) => {
  if (minutes.length === 0) {
    return 'No figures yet.';
  }
  const total = minutes.reduce((sum, minute) => sum + minute.orders, 0);
  const current = minutes.at(-1);
  if (total === 0) {
    return `No orders in the last ${minutes.length} minutes.`;
  }
  const busiest = minutes.reduce((best, minute) => (minute.orders > best.orders ? minute : best));
  return (
    `${count(total)} orders in the last ${minutes.length} minutes; ` +
    `busiest minute ${utcMinute(busiest.minute)} UTC with ${count(busiest.orders)}; ` +
    `${count(current.orders)} so far in the current minute.`
  );
};

/** Redraws `svg` (keeping its <title> and <desc>) and fills `table`'s body. */
export const draw = (svg, table, minutes) => {
  const text = describe(minutes);
  svg.querySelector('desc').textContent = text;
  for (const node of [...svg.children]) {
    if (node.localName !== 'title' && node.localName !== 'desc') {
      node.remove();
    }
  }
  const top = Math.max(1, ...minutes.map((minute) => minute.orders));
  const plotHeight = HEIGHT - BOTTOM - TOP;
  const slot = (WIDTH - LEFT) / Math.max(1, minutes.length);
  svg.append(
    element('line', { class: 'axis', x1: LEFT, y1: HEIGHT - BOTTOM, x2: WIDTH, y2: HEIGHT - BOTTOM }),
    element('line', { class: 'axis', x1: LEFT, y1: TOP, x2: LEFT, y2: HEIGHT - BOTTOM }),
    element('text', { class: 'label', x: LEFT - 6, y: TOP + 4, 'text-anchor': 'end' }, count(top)),
    element('text', { class: 'label', x: LEFT - 6, y: HEIGHT - BOTTOM, 'text-anchor': 'end' }, '0'),
  );
  minutes.forEach((minute, index) => {
    const height = (minute.orders / top) * plotHeight;
    const current = index === minutes.length - 1;
    svg.append(
      element('rect', {
        class: current ? 'bar-rect current' : 'bar-rect',
        x: LEFT + index * slot + 1,
        y: HEIGHT - BOTTOM - height,
        width: Math.max(1, slot - 2),
        height,
      }),
    );
  });
  if (minutes.length > 0) {
    svg.append(
      element('text', { class: 'label', x: LEFT, y: HEIGHT - 6 }, `${utcMinute(minutes[0].minute)} UTC`),
      element('text', { class: 'label', x: WIDTH, y: HEIGHT - 6, 'text-anchor': 'end' }, 'now'),
    );
  }

  const body = table.tBodies[0];
  body.replaceChildren(
    ...minutes
      .filter((minute) => minute.orders > 0)
      .map((minute) => {
        const row = document.createElement('tr');
        const when = document.createElement('td');
        const stamp = document.createElement('time');
        stamp.dateTime = minute.minute;
        stamp.textContent = utcMinute(minute.minute);
        when.append(stamp);
        const orders = document.createElement('td');
        orders.className = 'num';
        orders.textContent = count(minute.orders);
        row.append(when, orders);
        return row;
      }),
  );
  return text;
};
