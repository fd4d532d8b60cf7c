"""What the tests and the benchmarks share: GraphQL documents and clients, teams and
seeded boards, servers in processes of their own, live WebSocket clients, databases,
and the faults the tests inject (a TCP proxy, a Redis of their own).

Fixtures stay in the tests' conftest.py files; everything else they share lives here,
so that no test imports another test module and `bench/` imports nothing from
`tests/`."""
