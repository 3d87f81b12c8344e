using System.Collections.Concurrent;

namespace Pipelines.Postgres;

/// <summary>
/// PostgreSQL enum labels and the members of .NET enums: a label maps to the member of the same name, or else to the
/// one whose name equals it with case, underscores and hyphens set aside (<c>very_glad</c> and <c>VeryGlad</c>, the
/// way Npgsql's default name translator pairs them; aliases of one value are one member); a label no member or two
/// members match is refused with the members named. Names only: a label that looks like a number is not taken as the
/// member's value.
/// </summary>
internal static class EnumLabels
{
    private static readonly ConcurrentDictionary<Type, Members> ByType = new();

    /// <summary>The member of <paramref name="type"/> for <paramref name="label"/>, or null with <paramref name="reason"/> saying why none.</summary>
    public static object? ToMember(string label, Type type, out string? reason)
    {
        var members = ByType.GetOrAdd(type, static t => new Members(t));
        reason = null;
        if (members.Exact.TryGetValue(label, out var exact)) return exact;
        if (members.Loose.TryGetValue(Loosen(label), out var loose))
        {
            if (loose.Length == 1) return loose[0];
            reason = $"the label '{label}' matches {string.Join(" and ", loose.Select(m => m.ToString()))} of {type.Name} alike; give the members names that differ by more than case, underscores and hyphens.";
            return null;
        }

        reason = $"the label '{label}' matches no member of {type.Name} ({string.Join(", ", members.Exact.Keys)}); name a member after it (case, underscores and hyphens aside: very_glad is VeryGlad) or make the member a string.";
        return null;
    }

    /// <summary>The label with case, underscores and hyphens set aside.</summary>
    public static string Loosen(string name) => string.Concat(name.Where(c => c is not ('_' or '-'))).ToLowerInvariant();

    private sealed class Members
    {
        public Members(Type type)
        {
            foreach (string name in Enum.GetNames(type)) Exact[name] = Enum.Parse(type, name);
            Loose = Exact.GroupBy(e => Loosen(e.Key)).ToDictionary(g => g.Key, g => g.Select(e => e.Value).Distinct().ToArray(), StringComparer.Ordinal);
        }

        public Dictionary<string, object> Exact { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, object[]> Loose { get; }
    }
}
