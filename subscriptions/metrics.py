"""The live part's Prometheus metrics (served with the others at `/metrics`,
`server.metrics`). Gauges add up over the processes of a `--workers` server
(`livesum`: a dead process's share goes with it)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

SUBSCRIPTIONS = Gauge(
    "dealflow_subscriptions_active",
    "Live subscriptions, by kind (boardEvents, dealEvents, notifications, activityEvents).",
    ["kind"],
    multiprocess_mode="livesum",
)
EVENTS_FANNED_OUT = Counter(
    "dealflow_events_fanned_out_total",
    "Changes handed to subscribers, queued or written by the feed (one per subscriber "
    "an event concerns).",
)
FEED_EVENT_SECONDS = Histogram(
    "dealflow_feed_event_seconds",
    "Time a feed takes over one event: who it concerns, what each group gets, queueing.",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)
BUS_RECONNECTS = Counter(
    "dealflow_bus_reconnects_total",
    "Times the bus connected again after losing its connection.",
)
