"""The appeal's actions, one module per workflow (`base`: the shared machinery; `transitions`: the
status changes; `cohandling`, `extensions`, `reclassification`: the recorded actions that keep the
status; `validation`, `recipients`, `access_codes`: what they share). Callers import them from
`lianxin.appeals.services`, which re-exports every public name."""
