// The Kafka tests coordinate consumer groups by wall-clock timeouts (session, rebalance); running them one at a
// time keeps those timings far from the limits on a small CI machine.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
