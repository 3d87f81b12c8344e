using System.Text;

namespace Pipelines.Sql.Planning;

/// <summary>The operators a statement was compiled to, one line each, for EXPLAIN.</summary>
internal sealed class PlanLog
{
    private readonly StringBuilder _text = new();

    public void Add(int depth, string line) => _text.Append(' ', depth * 2).AppendLine(line);

    public override string ToString() => _text.ToString();
}
