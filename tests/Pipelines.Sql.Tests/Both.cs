using Pipelines.Sql.Types;

namespace Pipelines.Sql.Tests;

/// <summary>Runs a script on the bounded and the streaming executor and checks that their final results agree.</summary>
internal static class Both
{
    public static async Task<List<string>> RunAsync(string script, string baseDirectory, bool ordered = false, Action<SqlEnvironment>? configure = null, int resultIndex = 0)
    {
        var batch = await SqlRunner.RunAsync(script, new SqlRunOptions { Mode = SqlExecutionMode.Batch, BaseDirectory = baseDirectory, Configure = configure });
        var stream = await SqlRunner.RunAsync(script, new SqlRunOptions
        {
            Mode = SqlExecutionMode.Streaming,
            BaseDirectory = baseDirectory,
            Configure = configure,
            Streaming = new StreamingOptions { Parallelism = 2, MaxBatchSize = 7 },
        });
        batch.Streaming.Should().BeFalse();
        stream.Streaming.Should().BeTrue();
        var a = Lines(batch.Results[resultIndex].Rows);
        var b = Lines(stream.Results[resultIndex].Rows);
        if (ordered) b.Should().Equal(a, "the streaming run must give the batch run's rows in the same order (ORDER BY)");
        else b.Should().BeEquivalentTo(a, "the streaming run must give the batch run's final rows");
        return ordered ? a : [.. a.Order(StringComparer.Ordinal)];
    }

    public static List<string> Lines(IEnumerable<Row> rows) => rows.Select(r => string.Join("|", Enumerable.Range(0, r.Count).Select(i => SqlValues.Format(r[i])))).ToList();
}
