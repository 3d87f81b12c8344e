using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Pipelines.Runtime;
using Pipelines.State.Snapshots;

namespace Pipelines.Checkpoints.Serialization;

/// <summary>
/// Which codec writes each state type of a pipeline: a serializer the user registered, else a built-in binary
/// codec for numbers, strings, GUIDs and times, else System.Text.Json with the pipeline's options. Also checks,
/// before a run with checkpoints starts, that every state type can be written and read back.
/// </summary>
internal sealed class StateSerializerRegistry
{
    private readonly Dictionary<Type, object> _registered = [];
    private readonly ConcurrentDictionary<Type, object> _codecs = new();

    /// <summary>The options state types without a serializer go through JSON with.</summary>
    public JsonSerializerOptions JsonOptions { get; private set; } = JsonStateOptions.Default;

    /// <summary>Uses <paramref name="serializer"/> for every state of type <typeparamref name="T"/>.</summary>
    public void Register<T>(StateSerializer<T> serializer)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        _registered[typeof(T)] = serializer;
        _codecs.Clear();
    }

    /// <summary>Serializes state types without a registered serializer with <paramref name="options"/>.</summary>
    public void UseJson(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        JsonOptions = JsonStateOptions.Prepare(options);
        _codecs.Clear();
    }

    /// <summary>The codec of <typeparamref name="T"/>.</summary>
    public StateCodec<T> Codec<T>() => (StateCodec<T>)_codecs.GetOrAdd(typeof(T), static (_, self) => self.Create<T>(), this);

    private StateCodec<T> Create<T>()
    {
        if (_registered.TryGetValue(typeof(T), out var serializer)) return new SerializerCodec<T>((StateSerializer<T>)serializer);
        return PrimitiveCodecs.For<T>() ?? new SerializerCodec<T>(new JsonStateSerializer<T>(JsonStateOptions.TypeInfo<T>(JsonOptions)));
    }

    /// <summary>
    /// Checks that state of type <typeparamref name="T"/> can be checkpointed and returns its codec; otherwise
    /// throws an error naming the operator, what the state is and the type, and saying how to fix it.
    /// </summary>
    /// <param name="operatorName">The operator keeping the state.</param>
    /// <param name="role">What the state is ("key", "accumulator", "left element", "state 'seen'").</param>
    public StateCodec<T> Require<T>(string operatorName, string role)
    {
        StateCodec<T> codec;
        try
        {
            codec = Codec<T>();
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or ArgumentException)
        {
            throw Refused<T>(operatorName, role, ex.Message, ex);
        }

        if (codec is SerializerCodec<T> { Serializer: JsonStateSerializer<T> json } && JsonProblem(json.TypeInfo, JsonOptions, []) is { } problem)
        {
            throw Refused<T>(operatorName, role, problem, null);
        }

        return codec;
    }

    private static InvalidOperationException Refused<T>(string operatorName, string role, string why, Exception? inner) => new(
        $"Operator '{operatorName}' keeps state that cannot be checkpointed: its {role} type {TypeNames.Of<T>()} {why} "
        + $"Register a serializer for it (PipelineBuilder.WithStateSerializer(StateSerializers.Json(MyContext.Default.{TypeNames.Of<T>()}) or your own StateSerializer<{TypeNames.Of<T>()}>)), "
        + "or make the type one System.Text.Json can write and read back (public properties or fields, a constructor it can use), or run without CheckpointStorage.",
        inner);

    /// <summary>Why System.Text.Json cannot round-trip the type (looking into its members and elements), or null.</summary>
    private static string? JsonProblem(JsonTypeInfo info, JsonSerializerOptions options, HashSet<Type> seen)
    {
        var type = info.Type;
        if (!seen.Add(type)) return null;
        if (type == typeof(object)) return "is declared as object: System.Text.Json reads it back as a JsonElement, not as the value written.";

        // Delegates, pointers, reflection types and the like: System.Text.Json gives them a converter that throws when used.
        if (info.Kind == JsonTypeInfoKind.None && info.Converter.GetType().Name.StartsWith("UnsupportedTypeConverter", StringComparison.Ordinal)) return "is not supported by System.Text.Json.";
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Object:
                if ((type.IsAbstract || type.IsInterface) && info.PolymorphismOptions is null) return "is abstract or an interface, and System.Text.Json cannot tell which type to create.";
                if (info.Properties.Count == 0) return "has no public property or field that System.Text.Json writes, so its state would be lost.";
                if (info.CreateObject is null && info.ConstructorAttributeProvider is null && !type.IsValueType) return "has no constructor System.Text.Json can use.";
                foreach (var property in info.Properties)
                {
                    if (Nested(property.PropertyType, options, seen) is { } inner) return $"has member '{property.Name}' whose type {TypeNames.Of(property.PropertyType)} {inner}";
                }

                return null;
            case JsonTypeInfoKind.Enumerable:
            case JsonTypeInfoKind.Dictionary:
                if (info.KeyType is { } key && Nested(key, options, seen) is { } keyProblem) return $"has keys of type {TypeNames.Of(key)}, which {keyProblem}";
                return info.ElementType is { } element && Nested(element, options, seen) is { } elementProblem ? $"has elements of type {TypeNames.Of(element)}, which {elementProblem}" : null;
            default:
                return null;
        }
    }

    private static string? Nested(Type type, JsonSerializerOptions options, HashSet<Type> seen)
    {
        try
        {
            return JsonProblem(options.GetTypeInfo(type), options, seen);
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or ArgumentException)
        {
            return ex.Message;
        }
    }
}
