// GraphQL over HTTP: POST /graphql on this origin, with the access token
// as a Bearer header when there is one.

/** A GraphQL answer with errors; `code` is the first error's extensions.code. */
export class GraphQLError extends Error {
  constructor(errors) {
    super(errors[0]?.message ?? 'The server refused the request.');
    this.name = 'GraphQLError';
    this.errors = errors;
    this.code = errors[0]?.extensions?.code;
  }
}

/** Runs `query` with `variables` and resolves to its `data`. */
export async function request(query, variables, token) {
  const headers = {
    'content-type': 'application/json',
    accept: 'application/graphql-response+json, application/json',
  };
  if (token) {
    headers.authorization = `Bearer ${token}`;
  }
  const response = await fetch('/graphql', {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json().catch(() => null);
  if (body === null) {
    throw new Error(`The server answered ${response.status} without a GraphQL body.`);
  }
  if (body.errors?.length) {
    throw new GraphQLError(body.errors);
  }
  return body.data;
}
