using System.Text;

namespace Pipelines.Files.Tests;

/// <summary>Runs alone (no other test allocates meanwhile), so the process's live memory is this test's.</summary>
[Collection(nameof(LargeFileTests))]
public sealed class LargeFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task AMillionLines_AreReadWithMemoryFarBelowTheFilesSize()
    {
        const int lines = 1_000_000;
        string path = _dir["big.jsonl"];
        await using (var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16))
        {
            for (int i = 0; i < lines; i++) await writer.WriteLineAsync($"{{\"id\":{i},\"text\":\"line number {i} of the large file\"}}");
        }

        long fileSize = new FileInfo(path).Length;
        long baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peak = 0, count = 0, sum = 0;
        var p = new PipelineBuilder();
        p.From(FileSources.JsonLines<Line>(path, new FileSourceOptions { ReadBufferSize = 16 * 1024 })).To(Sinks.Action<Line>(l =>
        {
            count++;
            sum += l.Id;
            if (count % 100_000 == 0) peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - baseline);
        }));
        await new BoundedExecutor().RunAsync(p.Build());

        count.Should().Be(lines);
        sum.Should().Be((long)lines * (lines - 1) / 2);
        fileSize.Should().BeGreaterThan(50_000_000);
        peak.Should().BeLessThan(8_000_000, "the reader holds one buffer and one batch, not the file ({0} bytes)", fileSize);
    }
}

/// <summary>The collection of <see cref="LargeFileTests"/>: not run in parallel with anything else.</summary>
[CollectionDefinition(nameof(LargeFileTests), DisableParallelization = true)]
public sealed class LargeFileCollection;
