using Confluent.Kafka;

namespace Pipelines.Kafka;

/// <summary>
/// Why a Kafka record could not be read: its key or value could not be deserialized. Names the topic, partition
/// and offset, so the record can be found and inspected; the deserializer's exception is the inner exception. The
/// source reports it with the record (<see cref="MalformedKafkaRecord"/>) to the run's error policy: under
/// <see cref="ErrorPolicy.Fail"/> the run fails with a <see cref="PipelineExecutionException"/> wrapping this one;
/// under <see cref="ErrorPolicy.DeadLetter"/> it is the <see cref="DeadLetter.Exception"/>.
/// </summary>
public sealed class KafkaDeserializationException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="topic">The record's topic.</param>
    /// <param name="partition">The record's partition.</param>
    /// <param name="offset">The record's offset.</param>
    /// <param name="component">Whether the key or the value failed.</param>
    /// <param name="innerException">What the deserializer threw.</param>
    public KafkaDeserializationException(string topic, int partition, long offset, MessageComponentType component, Exception innerException)
        : base(
            $"Could not deserialize the {(component == MessageComponentType.Key ? "key" : "value")} of the record at topic '{topic}' partition {partition} offset {offset}: " +
            $"{innerException.GetType().Name}: {innerException.Message}",
            innerException)
    {
        Topic = topic;
        Partition = partition;
        Offset = offset;
        Component = component;
    }

    /// <summary>The record's topic.</summary>
    public string Topic { get; }

    /// <summary>The record's partition.</summary>
    public int Partition { get; }

    /// <summary>The record's offset.</summary>
    public long Offset { get; }

    /// <summary>Whether the key or the value could not be deserialized.</summary>
    public MessageComponentType Component { get; }
}
