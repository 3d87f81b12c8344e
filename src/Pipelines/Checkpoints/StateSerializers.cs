using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Pipelines.Checkpoints.Serialization;

namespace Pipelines;

/// <summary>Ready-made <see cref="StateSerializer{T}"/>s.</summary>
public static class StateSerializers
{
    /// <summary>
    /// State as JSON through System.Text.Json with <paramref name="options"/> (the default: fields included, so
    /// tuples and structs with public fields round-trip). Uses reflection unless the options carry a
    /// source-generated resolver (<c>JsonSerializerContext</c>), which native AOT needs.
    /// </summary>
    /// <typeparam name="T">The state type.</typeparam>
    /// <param name="options">Serializer options, or null for the default.</param>
    public static StateSerializer<T> Json<T>(JsonSerializerOptions? options = null) => new JsonStateSerializer<T>(JsonStateOptions.TypeInfo<T>(options ?? JsonStateOptions.Default));

    /// <summary>State as JSON through a System.Text.Json contract, typically source-generated (<c>MyContext.Default.MyState</c>): no reflection, fit for native AOT.</summary>
    /// <typeparam name="T">The state type.</typeparam>
    /// <param name="typeInfo">The contract.</param>
    public static StateSerializer<T> Json<T>(JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        return new JsonStateSerializer<T>(typeInfo);
    }
}
