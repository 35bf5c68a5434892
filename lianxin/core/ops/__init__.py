"""Operations: request ids and structured logs, liveness/readiness probes, Prometheus metrics."""
