using Npgsql;
using NpgsqlTypes;

namespace Pipelines.Postgres.Writing;

/// <summary>
/// The labels of an enum column (or of the enum under a domain column) and how a sink's values become one: a text that
/// is a label, or a .NET enum's defined member by its name — the label of that name, or else the one equal to it with
/// case, underscores and hyphens set aside (<see cref="EnumLabels"/>), any of the member's aliases — remembered per
/// member. A value no label takes makes the labels be read again once (a migration may have added the label with
/// <c>ALTER TYPE … ADD VALUE</c> while the sink runs), on a connection of its own; then it is refused. Used by one
/// sink writer at a time.
/// </summary>
internal sealed class EnumColumn(string connectionString, uint typeOid, string typeName, string[] labels)
{
    /// <summary>Values that matched no label, remembered so each makes the labels be read again once; at most this many.</summary>
    private const int MissesKept = 1024;

    private readonly Dictionary<Enum, string> _byMember = [];
    private readonly HashSet<string> _missed = new(StringComparer.Ordinal);
    private HashSet<string> _labels = new(labels, StringComparer.Ordinal);
    private string[] _ordered = labels;

    /// <summary>
    /// The label for <paramref name="value"/>, or null when it is neither a text nor a .NET enum; throws
    /// <see cref="InvalidCastException"/> saying why a text or member has none.
    /// </summary>
    public string? LabelOf(object value) => value switch
    {
        string text => Known(text) ? text : throw new InvalidCastException($"'{text}' is not a label of {typeName} ({string.Join(", ", _ordered)})."),
        Enum member => Member(member),
        _ => null,
    };

    private string Member(Enum member)
    {
        if (_byMember.TryGetValue(member, out string? label)) return label;
        var type = member.GetType();
        if (!Enum.IsDefined(type, member))
        {
            throw new InvalidCastException($"{member} is not a defined member of {type.Name}: only members write as enum labels.");
        }

        label = Match(member, type);
        if (label is null && Missed(type.FullName + "." + member) && Reload()) label = Match(member, type);
        if (label is null)
        {
            throw new InvalidCastException(
                $"{type.Name}.{member} matches no label of {typeName} ({string.Join(", ", _ordered)}); name the member after a label (case, underscores and hyphens aside: very_glad is VeryGlad).");
        }

        _byMember[member] = label;
        return label;
    }

    /// <summary>The label for a member: by one of its names exactly, else by the one label equal to them loosely; null when none matches, and throws when two do.</summary>
    private string? Match(Enum member, Type type)
    {
        var values = Enum.GetValues(type);
        var names = Enum.GetNames(type).Where((_, i) => Equals(values.GetValue(i), member)).ToArray();
        foreach (string name in names)
        {
            if (_labels.Contains(name)) return name;
        }

        var loose = names.Select(EnumLabels.Loosen).ToHashSet(StringComparer.Ordinal);
        string[] matching = [.. _ordered.Where(l => loose.Contains(EnumLabels.Loosen(l)))];
        if (matching.Length > 1)
        {
            throw new InvalidCastException($"{type.Name}.{member} matches the labels {string.Join(" and ", matching)} of {typeName} alike.");
        }

        return matching.Length == 1 ? matching[0] : null;
    }

    private bool Known(string text) => _labels.Contains(text) || (Missed(text) && Reload() && _labels.Contains(text));

    /// <summary>True the first time a value matches no label (the labels are then read again); the values remembered are bounded.</summary>
    private bool Missed(string value)
    {
        if (_missed.Count >= MissesKept) _missed.Clear();
        return _missed.Add(value);
    }

    /// <summary>Reads the labels again; true when they changed (a label added, or renamed with <c>ALTER TYPE … RENAME VALUE</c>).</summary>
    private bool Reload()
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand("SELECT array_agg(enumlabel::text ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = typeOid, NpgsqlDbType = NpgsqlDbType.Oid });
        if (command.ExecuteScalar() is not string[] fresh || fresh.AsSpan().SequenceEqual(_ordered)) return false;
        _ordered = fresh;
        _labels = new HashSet<string>(fresh, StringComparer.Ordinal);
        return true;
    }
}
