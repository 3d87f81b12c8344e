using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Pipelines.Checkpoints.Serialization;

/// <summary>The System.Text.Json settings state is serialized with by default.</summary>
internal static class JsonStateOptions
{
    /// <summary>
    /// Fields included (tuples, structs with public fields), the reflection resolver System.Text.Json uses by
    /// default (none where reflection is disabled, as under native AOT: then every state type needs a serializer or
    /// a source-generated contract).
    /// </summary>
    public static readonly JsonSerializerOptions Default = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions
        {
            IncludeFields = true,
            TypeInfoResolver = Reflection(),
        };
        // Without a resolver (reflection disabled) the options cannot be made read-only; nothing edits them.
        if (options.TypeInfoResolver is not null) options.MakeReadOnly();
        return options;
    }

    /// <summary>
    /// Options fit to resolve contracts: read-only, with the reflection resolver where the options have none. Options
    /// that are not read-only yet are copied, so the caller's instance stays editable.
    /// </summary>
    public static JsonSerializerOptions Prepare(JsonSerializerOptions options)
    {
        if (options.IsReadOnly) return options;
        var copy = new JsonSerializerOptions(options);
        copy.TypeInfoResolver ??= Reflection();
        if (copy.TypeInfoResolver is not null) copy.MakeReadOnly();
        return copy;
    }

    /// <summary>The contract of <typeparamref name="T"/> under <paramref name="options"/>.</summary>
    public static JsonTypeInfo<T> TypeInfo<T>(JsonSerializerOptions options)
    {
        options = Prepare(options);
        if (options.TypeInfoResolver is null)
        {
            throw new NotSupportedException("has no System.Text.Json contract: reflection-based serialization is disabled in this application (native AOT or trimming), and the options have no source-generated resolver.");
        }

        return (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
    }

    /// <summary>The reflection-based resolver, where the application allows it (not under native AOT).</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Used only where the application keeps reflection-based JSON on (JsonSerializer.IsReflectionEnabledByDefault, off under native AOT); elsewhere state types need a registered serializer or a source-generated contract, which the check before a run enforces.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "As above: reflection-based JSON only where the application enables it.")]
    private static IJsonTypeInfoResolver? Reflection() => JsonSerializer.IsReflectionEnabledByDefault ? new DefaultJsonTypeInfoResolver() : null;
}
