using System.Diagnostics.Metrics;
using System.Globalization;
using Pipelines.Diagnostics;

namespace Pipelines.Dashboard.Kafka;

/// <summary>
/// Listens to the Kafka package's meter (<c>Pipelines.Kafka</c>) and the core meter's moving-state instruments by
/// instrument name, and keeps, per (topic, partition) in this process, the consumer lag, the committed offset, the
/// records read and their rate, assignments, repartition traffic and watermark lag; and per (keyed stage, partition)
/// the state restores. <see cref="Collect"/> reads the observable instruments (lag, committed offset, records read):
/// the sampler calls it once a second, so rates are per second between two collections.
/// </summary>
/// <remarks>
/// Counters and histograms are pushed by the threads that record them and count from the moment this listener starts
/// (the dashboard's start); records read is cumulative since the process started. Observable measurements arrive on
/// the collecting thread and are staged, then applied under the lock, so the lock is never held while the Kafka
/// package's own locks are taken.
/// </remarks>
internal sealed class KafkaPartitionListener : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Lock _gate = new();
    private readonly Lock _collecting = new();
    private readonly Lock _stageGate = new();
    private readonly Dictionary<(string Topic, int Partition), KafkaPartitionState> _partitions = [];
    private readonly Dictionary<(string Operator, int Partition), PartitionRestoreState> _restores = [];
    private readonly List<(string Instrument, long Value, Tags Tags)> _staged = [];

    public KafkaPartitionListener()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (KafkaInstruments.IsWanted(instrument.Meter.Name, instrument.Name)) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => OnMeasurement(instrument, value, Tags.Of(tags)));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => OnMeasurement(instrument, value, Tags.Of(tags)));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => OnMeasurement(instrument, value, Tags.Of(tags)));
        _listener.Start();
    }

    /// <summary>Reads the observable instruments now: lag and committed offset of owned partitions, records read and their rate since the last collection.</summary>
    public void Collect(DateTimeOffset now)
    {
        lock (_collecting)
        {
            List<(string Instrument, long Value, Tags Tags)> staged;
            lock (_stageGate) _staged.Clear();
            _listener.RecordObservableInstruments();
            lock (_stageGate)
            {
                staged = [.. _staged];
                _staged.Clear();
            }

            lock (_gate)
            {
                foreach (var state in _partitions.Values) (state.Lag, state.CommittedOffset) = (null, null);
                var read = new Dictionary<KafkaPartitionState, long>();
                foreach (var (instrument, value, tags) in staged)
                {
                    if (Row(tags) is not { } state) continue;
                    switch (instrument)
                    {
                        case KafkaInstruments.Lag: state.Lag = Math.Max(state.Lag ?? 0, value); break;
                        case KafkaInstruments.CommittedOffset: state.CommittedOffset = Math.Max(state.CommittedOffset ?? 0, value); break;
                        case KafkaInstruments.RecordsRead: read[state] = read.GetValueOrDefault(state) + value; break;
                    }
                }

                foreach (var (state, total) in read)
                {
                    state.RecordsRead = total;
                    if (state.PreviousRead is { } previous && now > previous.At)
                    {
                        state.RecordsPerSecond = Math.Max(0, (total - previous.Read) / (now - previous.At).TotalSeconds);
                    }

                    state.PreviousRead = (now, total);
                }
            }
        }
    }

    /// <summary>Copies of what is known now: partitions by topic and number, and restores by operator and partition.</summary>
    public (IReadOnlyList<KafkaPartitionState> Partitions, IReadOnlyList<PartitionRestoreState> Restores) Snapshot()
    {
        lock (_gate)
        {
            var partitions = _partitions.Values.OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition).Select(Copy).ToList();
            var restores = _restores.Values.Select(r => new PartitionRestoreState(r.OperatorId, r.Partition)
            {
                Restores = r.Restores, LastMilliseconds = r.LastMilliseconds, LastBytes = r.LastBytes, TotalBytes = r.TotalBytes,
            }).ToList();
            return (partitions, restores);
        }
    }

    /// <summary>
    /// Forgets the partitions and restores no listed run shows (<see cref="KafkaView"/> matches a run's rows by its
    /// sources' names, its repartition topics and its operator ids): a process that runs pipeline after pipeline, each
    /// on topics and repartition topics of its own, would keep a row for every partition it ever read. The runs are
    /// listed under the lock measurements take, so a row a run has just created belongs to a run listed already (a run
    /// is listed before its sources open).
    /// </summary>
    public void Retain()
    {
        lock (_gate)
        {
            var sources = new HashSet<string>(StringComparer.Ordinal);
            var topics = new HashSet<string>(StringComparer.Ordinal);
            var operators = new HashSet<string>(StringComparer.Ordinal);
            foreach (var run in PipelineMonitor.Runs)
            {
                foreach (var node in run.Nodes)
                {
                    if (node.OperatorId is { } op) operators.Add(op);
                    if (node.Detail is not { } detail) continue;
                    if (node.Kind == NodeKind.Source) sources.Add(detail);
                    if (node.Kind is NodeKind.Source or NodeKind.Sink && detail.StartsWith(KafkaView.RepartitionPrefix, StringComparison.Ordinal))
                    {
                        topics.Add(detail[KafkaView.RepartitionPrefix.Length..]);
                    }
                }
            }

            foreach (var (key, state) in _partitions.ToList())
            {
                if (!state.Sources.Overlaps(sources) && !topics.Contains(state.Topic)) _partitions.Remove(key);
            }

            foreach (var key in _restores.Keys.Where(k => !operators.Contains(k.Operator)).ToList()) _restores.Remove(key);
        }
    }

    public void Dispose() => _listener.Dispose();

    private void OnMeasurement<T>(Instrument instrument, T value, Tags tags)
        where T : struct, IConvertible
    {
        string name = instrument.Name;
        if (name is KafkaInstruments.Lag or KafkaInstruments.CommittedOffset or KafkaInstruments.RecordsRead)
        {
            long whole = value.ToInt64(CultureInfo.InvariantCulture);
            lock (_stageGate) _staged.Add((name, whole, tags));
            return;
        }

        lock (_gate)
        {
            if (name is KafkaInstruments.RestoreDuration or KafkaInstruments.RestoreBytes)
            {
                if (tags.Operator is not { } op || tags.Partition is not { } partition) return;
                if (!_restores.TryGetValue((op, partition), out var restore)) _restores[(op, partition)] = restore = new PartitionRestoreState(op, partition);
                if (name == KafkaInstruments.RestoreDuration)
                {
                    restore.Restores++;
                    restore.LastMilliseconds = value.ToDouble(CultureInfo.InvariantCulture);
                }
                else
                {
                    long bytes = value.ToInt64(CultureInfo.InvariantCulture);
                    restore.LastBytes = bytes;
                    restore.TotalBytes += bytes;
                }

                return;
            }

            if (Row(tags) is not { } state) return;
            switch (name)
            {
                case KafkaInstruments.Assigned: state.Assigned += value.ToInt64(CultureInfo.InvariantCulture); break;
                case KafkaInstruments.Revoked: state.Revoked += value.ToInt64(CultureInfo.InvariantCulture); break;
                case KafkaInstruments.ReadAgain: state.RecordsReadAgain += value.ToInt64(CultureInfo.InvariantCulture); break;
                case KafkaInstruments.DuplicatesDropped:
                    state.DuplicatesDropped += value.ToInt64(CultureInfo.InvariantCulture);
                    state.IsRepartition = true;
                    break;
                case KafkaInstruments.Sent:
                    state.RecordsSent += value.ToInt64(CultureInfo.InvariantCulture);
                    state.IsRepartition = true;
                    break;
                case KafkaInstruments.Received:
                    state.RecordsReceived += value.ToInt64(CultureInfo.InvariantCulture);
                    state.IsRepartition = true;
                    break;
                case KafkaInstruments.WatermarkLag:
                    state.WatermarkLagSeconds = value.ToDouble(CultureInfo.InvariantCulture);
                    state.IsRepartition = true;
                    break;
            }
        }
    }

    /// <summary>The row of the measurement's topic and partition (under <see cref="_gate"/>), noting its source and group; null without both tags.</summary>
    private KafkaPartitionState? Row(Tags tags)
    {
        if (tags.Topic is not { } topic || tags.Partition is not { } partition) return null;
        if (!_partitions.TryGetValue((topic, partition), out var state)) _partitions[(topic, partition)] = state = new KafkaPartitionState(topic, partition);
        if (tags.Source is { } source)
        {
            state.Sources.Add(source);
            if (source.StartsWith(KafkaView.RepartitionPrefix, StringComparison.Ordinal)) state.IsRepartition = true;
        }

        if (tags.Group is { } group) state.Groups.Add(group);
        return state;
    }

    private static KafkaPartitionState Copy(KafkaPartitionState s)
    {
        var copy = new KafkaPartitionState(s.Topic, s.Partition)
        {
            Lag = s.Lag, CommittedOffset = s.CommittedOffset, RecordsRead = s.RecordsRead, RecordsPerSecond = s.RecordsPerSecond,
            PreviousRead = s.PreviousRead, Assigned = s.Assigned, Revoked = s.Revoked, RecordsReadAgain = s.RecordsReadAgain, DuplicatesDropped = s.DuplicatesDropped, RecordsSent = s.RecordsSent,
            RecordsReceived = s.RecordsReceived, WatermarkLagSeconds = s.WatermarkLagSeconds, IsRepartition = s.IsRepartition,
        };
        copy.Sources.UnionWith(s.Sources);
        copy.Groups.UnionWith(s.Groups);
        return copy;
    }

    /// <summary>The tags the panel uses.</summary>
    internal readonly record struct Tags(string? Topic, int? Partition, string? Source, string? Group, string? Operator)
    {
        public static Tags Of(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? topic = null, source = null, group = null, op = null;
            int? partition = null;
            foreach (var (key, value) in tags)
            {
                switch (key)
                {
                    case "topic": topic = value as string; break;
                    case "partition": partition = value switch { int i => i, long l => (int)l, string s when int.TryParse(s, CultureInfo.InvariantCulture, out int p) => p, _ => null }; break;
                    case "source": source = value as string; break;
                    case "group": group = value as string; break;
                    case "operator": op = value as string; break;
                }
            }

            return new Tags(topic, partition, source, group, op);
        }
    }
}
