namespace Pipelines.State.Snapshots;

/// <summary>
/// A type's name as a snapshot records it, to refuse restoring state into another type: the full name with
/// generic arguments, without assembly versions (which change with every runtime update):
/// <c>System.Collections.Generic.List`1[System.Int32]</c>.
/// </summary>
internal static class StableTypeName
{
    public static string Of(Type type)
    {
        if (type.IsArray) return Of(type.GetElementType()!) + "[" + new string(',', type.GetArrayRank() - 1) + "]";
        if (!type.IsGenericType || type.IsGenericTypeDefinition) return type.FullName ?? type.Name;
        var definition = type.GetGenericTypeDefinition();
        return $"{definition.FullName ?? definition.Name}[{string.Join(", ", type.GetGenericArguments().Select(Of))}]";
    }
}
