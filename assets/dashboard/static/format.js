// How figures read on the page: money from its exact decimal string (never
// through a float), times in the browser's locale.

const moneyFormats = new Map();

/** `{ amount: "1234.50", currency: "EUR" }` as "€1,234.50". */
export const money = ({ amount, currency }) => {
  if (!moneyFormats.has(currency)) {
    moneyFormats.set(
      currency,
      new Intl.NumberFormat('en', { style: 'currency', currency }),
    );
  }
  // A string argument is formatted as the exact decimal it spells.
  return moneyFormats.get(currency).format(amount);
};

const timeFormat = new Intl.DateTimeFormat('en', { timeStyle: 'medium' });
const dateTimeFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });
const minuteFormat = new Intl.DateTimeFormat('en', {
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  timeZone: 'UTC',
});

/** An RFC 3339 timestamp as a local time of day, with its date unless it is today. */
export const time = (timestamp) => {
  const when = new Date(timestamp);
  const today = new Date().toDateString() === when.toDateString();
  return (today ? timeFormat : dateTimeFormat).format(when);
};

/** An RFC 3339 timestamp as its UTC hour and minute, "14:05". */
export const utcMinute = (timestamp) => minuteFormat.format(new Date(timestamp));

/** A count with thousands separators. */
export const count = (value) => value.toLocaleString('en');

/** Capitalised status, "PAID" → "Paid". */
export const status = (value) => value.charAt(0) + value.slice(1).toLowerCase();
