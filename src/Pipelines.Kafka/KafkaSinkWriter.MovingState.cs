using Confluent.Kafka;

namespace Pipelines.Kafka;

// Exactly-once after keyed state that moves with the partitions of a repartition topic: results held per partition
// until the pre-commit, dropped when their partition moves (the rest of the writer: KafkaSinkWriter.cs).
internal sealed partial class KafkaSinkWriter<T, TKey, TValue>
{
    /// <summary>
    /// Exactly-once after keyed state that moves with a repartition topic's partitions: the topic's source, whose
    /// reader's offsets the transactions carry, and the records of each partition held until the next pre-commit.
    /// </summary>
    private IRepartitionSource? _movingSource;
    private Dictionary<int, List<Message<TKey, TValue>>>? _held;

    /// <summary>
    /// Exactly-once after keyed state that moves with the partitions of a repartition topic: each partition's results
    /// are held here until the checkpoint's pre-commit, which produces them into its transaction together with the
    /// offsets of the repartition topic at the checkpoint's barrier (sent to the transaction with the repartition
    /// group's metadata), so a partition's results and its position commit at once, when the checkpoint that stored
    /// its state is stored. A partition that moves away before that takes its held results along: its next owner
    /// restores the state of the partition's last checkpoint and emits them again
    /// (<see cref="PartitionsRevoked"/>); and the revocation waits for the checkpoints in flight, so it starts from
    /// the newest one. Refused when the results do not carry their partition (an operator other than <c>Where</c>,
    /// <c>Select</c>, <c>SelectMany</c> or <c>WithEventTime</c> between the keyed stage and the sink) or when
    /// <see cref="KafkaSinkOptions{TKey, TValue}.SendOffsetsOf"/> names the input source (its offsets commit with the
    /// repartition topic's writers, at-least-once, and the repartition topic drops what they write twice).
    /// </summary>
    private void FollowMovingState(SinkCheckpointContext context)
    {
        string why = context.MovingStateSource is null
            ? "an operator between the keyed stage and this sink does not keep each result's partition (only Where, Select, SelectMany and WithEventTime do): move it before the Repartition, or write the results at-least-once (DeliveryGuarantee.AtLeastOnce) to a compacted topic keyed by (key, window)."
            : "that exchange is not a Kafka repartition topic.";
        if (context.MovingStateSource is not IRepartitionSource source || !context.ResultsCarryPartitions)
        {
            throw new InvalidOperationException(
                $"Kafka sink '{_name}' is exactly-once (DeliveryGuarantee.ExactlyOnce), and its input comes from keyed state that moves between instances with the partitions of an exchange. " +
                "It commits each partition's results with that exchange's positions, so it must know which partition produced each result, but " + why);
        }

        if (_options.SendOffsetsOf is { } input)
        {
            throw new InvalidOperationException(
                $"Kafka sink '{_name}' commits its results with the positions of repartition topic '{source.TopicName}', whose keyed state it follows; SendOffsetsOf ('{input.Name}') cannot be sent as well. " +
                "Leave SendOffsetsOf unset: the input source commits its own offsets at checkpoints, and the repartition topic drops the elements its writers send twice.");
        }

        _movingSource = source;
        _held = [];
    }

    /// <summary>Exactly-once after moving state: each result comes with its partition (<see cref="FollowMovingState"/>).</summary>
    public override bool AcceptsStatePartitions => _options.IsExactlyOnce;

    /// <summary>Holds each result, as its record, with its partition until the next pre-commit (<see cref="FollowMovingState"/>).</summary>
    public override void Write(ReadOnlySpan<T> items, ReadOnlySpan<int> partitions)
    {
        var held = _held ?? throw new InvalidOperationException($"Kafka sink '{_name}' received results with their partitions, but it does not follow moving state.");
        ThrowIfFailed();
        for (int i = 0; i < items.Length; i++)
        {
            int partition = partitions[i];
            if (partition < 0)
            {
                throw new SinkElementException(i, items[i], new InvalidOperationException(
                    $"Kafka sink '{_name}' commits each result with the position of the repartition partition whose state produced it, and this result came from no partition's state " +
                    "(an operator emitted it outside the processing of a key). It cannot be committed exactly once; the keyed stages that emit such results cannot feed an exactly-once sink after a Repartition."));
            }

            var message = Message(items[i], i);
            CheckProducible(message, items[i], i);
            if (!held.TryGetValue(partition, out var list)) held[partition] = list = [];
            list.Add(message);
        }
    }

    /// <summary>
    /// Serializes a held record now, while it is an element of the run, and checks it fits the producer's
    /// <c>message.max.bytes</c>: the record is produced at the pre-commit, where a serializer's failure or a record too
    /// large would fail the checkpoint (and the run, and every restart from it, which emits the same result again)
    /// instead of following the pipeline's error policy.
    /// </summary>
    private void CheckProducible(Message<TKey, TValue> message, T item, int index)
    {
        long size;
        try
        {
            // Headers of their own, as producing gives them: a serializer may add to them, and must not add twice.
            var headers = new Headers();
            if (message.Headers is { } given)
            {
                foreach (var header in given) headers.Add(header.Key, header.GetValueBytes());
            }

            size = RecordSize.Of(message.Key, _options.KeySerializer, new SerializationContext(MessageComponentType.Key, _topic, headers))
                + RecordSize.Of(message.Value, _options.ValueSerializer, new SerializationContext(MessageComponentType.Value, _topic, headers))
                + RecordSize.Of(headers);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new SinkElementException(index, item, ex);
        }

        int max = _options.ProducerConfig?.MessageMaxBytes ?? RecordSize.DefaultMessageMaxBytes;
        if (size > max)
        {
            throw new SinkElementException(index, item, RecordSize.TooLarge(_topic, $"takes {size} bytes, more than the producer's message.max.bytes ({max})"));
        }
    }

    /// <summary>The partitions' state moved to another instance: the results held for them go, since their next owner emits them again.</summary>
    public override void PartitionsRevoked(IReadOnlyList<int> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        if (_held is not { } held) return;
        int dropped = 0;
        foreach (int partition in partitions)
        {
            if (held.Remove(partition, out var list)) dropped += list.Count;
        }

        if (dropped == 0) return;
        KafkaMetrics.ResultsWithdrawn.Add(dropped, new KeyValuePair<string, object?>("sink", _name));
        KafkaLog.ResultsWithdrawn(_logger, _name, dropped, string.Join(", ", partitions), _movingSource!.TopicName);
    }

    /// <summary>Produces the held results of every partition into the current transaction, waiting while the producer's queue is full.</summary>
    private async ValueTask ProduceHeldAsync(CancellationToken cancellationToken)
    {
        if (_held is not { Count: > 0 } held) return;
        foreach (var (_, list) in held)
        {
            foreach (var message in list)
            {
                while (!TryProduce(message))
                {
                    ThrowIfFailed();
                    await Task.Delay(QueueFullBackoff, cancellationToken).ConfigureAwait(false);
                }

                _wroteSincePreCommit = true;
            }
        }

        held.Clear();
    }
}
