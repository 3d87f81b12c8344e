namespace Pipelines.Runtime;

/// <summary>Readable type names for default source and sink names: <c>WindowResult&lt;String, Int64&gt;</c>, not <c>WindowResult`2</c>.</summary>
internal static class TypeNames
{
    public static string Of<T>() => Of(typeof(T));

    public static string Of(Type type)
    {
        if (!type.IsGenericType) return type.Name;
        string name = type.Name;
        int tick = name.IndexOf('`', StringComparison.Ordinal);
        if (tick >= 0) name = name[..tick];
        return $"{name}<{string.Join(", ", type.GetGenericArguments().Select(Of))}>";
    }
}
