using System.Globalization;

namespace Pipelines.Checkpoints.Storage;

/// <summary>The names of a checkpoint's parts: safe as file and blob names on every platform.</summary>
internal static class PartNames
{
    /// <summary>The snapshot of worker <paramref name="worker"/> of an operator.</summary>
    public static string OperatorState(string operatorId, int worker) => $"{Sanitize(operatorId)}.w{worker.ToString(CultureInfo.InvariantCulture)}.state";

    /// <summary>Throws when <paramref name="name"/> is not a valid part name.</summary>
    public static void Validate(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Length > 200 || name[0] == '.' || name.StartsWith('_') || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_')))
        {
            throw new ArgumentException($"'{name}' is not a valid checkpoint part name: letters, digits, '.', '-' and '_' only, at most 200 characters, not starting with '.' or '_'.", nameof(name));
        }
    }

    /// <summary>An operator id made safe for a part name (other characters become '_'), with a hash of the original so two ids never collide.</summary>
    public static string Sanitize(string id)
    {
        var chars = id.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_').Take(120).ToArray();
        string safe = new(chars);
        if (safe.Length == 0 || safe[0] is '.' or '_') safe = "op" + safe;
        return safe == id ? safe : $"{safe}-{State.Snapshots.StableHash.String(id):x8}";
    }
}
