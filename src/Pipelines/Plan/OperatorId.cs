using System.Globalization;
using System.Text;

namespace Pipelines.Plan;

/// <summary>
/// The stable id of an operator: the same for the same pipeline in every run, whatever the parallelism, so a
/// checkpoint's state can be matched to the operator that wrote it. Derived from the operator's kind and its
/// place in the graph (see <see cref="OperatorIds"/>), or chosen by the user (<see cref="Node.Uid"/>).
/// </summary>
internal readonly record struct OperatorId(string Value)
{
    public override string ToString() => Value;
}

/// <summary>
/// Derives operator ids the way Flink's <c>StreamGraphHasher</c> does: a hash of what the operator is and where it
/// sits, not of when the builder created it. A source's id comes from its kind and its place among the sources;
/// every other operator's from its kind, the ids of its inputs (in order), and — for operators of the same kind
/// on the same inputs — their order. Adding a branch elsewhere therefore leaves the ids of an unchanged part of the
/// graph alone; changing an operator's inputs changes its id and those of everything downstream. Only operators
/// that run (reach a sink) take part. A node with a user-chosen <see cref="Node.Uid"/> keeps it, and operators
/// downstream derive from it.
/// </summary>
internal static class OperatorIds
{
    /// <summary>The id of every node of <paramref name="nodes"/> that reaches a sink; <paramref name="nodes"/> in graph order (inputs first).</summary>
    /// <exception cref="InvalidOperationException">Two operators have the same user-chosen id.</exception>
    public static IReadOnlyDictionary<Node, OperatorId> Derive(IReadOnlyList<Node> nodes)
    {
        var ids = new Dictionary<Node, OperatorId>(ReferenceEqualityComparer.Instance);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var taken = new Dictionary<string, Node>(StringComparer.Ordinal);
        int sources = 0;
        foreach (var node in nodes)
        {
            if (!node.ReachesSink) continue;
            string signature = node is ISourceNode
                ? $"{node.Kind}[{sources++}]"
                : $"{node.Kind}({string.Join(",", node.Upstream.Select(u => ids[u].Value))})";
            int occurrence = seen.GetValueOrDefault(signature);
            seen[signature] = occurrence + 1;
            if (occurrence > 0) signature += "#" + occurrence.ToString(CultureInfo.InvariantCulture);

            string id = node.Uid ?? $"{node.Kind}-{Fnv1a64(signature):x16}";
            if (!taken.TryAdd(id, node))
            {
                throw new InvalidOperationException(
                    $"Operators '{taken[id].Name}' and '{node.Name}' have the same id '{id}': give each operator its own id.");
            }

            ids[node] = new OperatorId(id);
        }

        return ids;
    }

    /// <summary>FNV-1a over the UTF-8 bytes: stable across processes and platforms (unlike <see cref="string.GetHashCode()"/>).</summary>
    private static ulong Fnv1a64(string text)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(text))
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }

        return hash;
    }
}
