using Confluent.Kafka;

namespace Pipelines.Kafka;

/// <summary>The types Confluent's builders serialize and deserialize without being given a serde.</summary>
internal static class DefaultSerdes
{
    private static readonly HashSet<Type> Supported =
        [typeof(string), typeof(byte[]), typeof(int), typeof(long), typeof(float), typeof(double), typeof(Null), typeof(Ignore)];

    public static void EnsureDeserializer<T>(IDeserializer<T>? given, string property)
    {
        if (given is null && !Supported.Contains(typeof(T)))
        {
            throw new ArgumentException(
                $"There is no built-in deserializer for {typeof(T).Name}: set {property}, e.g. to new JsonSerde<{typeof(T).Name}>() or your own IDeserializer<{typeof(T).Name}>.",
                property);
        }
    }

    public static void EnsureSerializer<T>(ISerializer<T>? given, string property)
    {
        if (given is null && (!Supported.Contains(typeof(T)) || typeof(T) == typeof(Ignore)))
        {
            throw new ArgumentException(
                $"There is no built-in serializer for {typeof(T).Name}: set {property}, e.g. to new JsonSerde<{typeof(T).Name}>() or your own ISerializer<{typeof(T).Name}>.",
                property);
        }
    }
}
