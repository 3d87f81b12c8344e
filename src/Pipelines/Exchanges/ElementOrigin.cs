namespace Pipelines;

/// <summary>
/// Where in its source an element was read: the source's partition and the record's offset in it. An exchange that
/// receives origins (<see cref="Sink{T}.ReceivesOrigins"/>) sends them with the elements, so that the instance
/// reading the exchange drops an element it already has when a record is read twice (its partition moved to
/// another instance, or an instance crashed, after reading past its last commit). Offsets only grow within a
/// partition; every instance reading the same source numbers its partitions the same way.
/// </summary>
/// <param name="Partition">The source's partition (a Kafka source numbers its topics' partitions).</param>
/// <param name="Offset">The record's offset in <paramref name="Partition"/>.</param>
public readonly record struct ElementOrigin(int Partition, long Offset);
