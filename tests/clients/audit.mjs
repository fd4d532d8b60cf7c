// The graphql-http server audit (GraphQL over HTTP) against a running Dealflow:
// prints one JSON line {ok, warn, error, notice, failures: [...]}.
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
const counts = { ok: 0, warn: 0, error: 0, notice: 0 };
const failures = [];
for (const audit of serverAudits({ url })) {
  const result = await audit.fn();
  counts[result.status] += 1;
  if (result.status === 'warn' || result.status === 'error') {
    failures.push(`${result.status} ${audit.id} ${audit.name}: ${result.reason}`);
  }
}
console.log(JSON.stringify({ ...counts, failures }));
