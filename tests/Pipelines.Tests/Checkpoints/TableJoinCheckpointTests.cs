using static Pipelines.Tests.Tables.TableScenario;

namespace Pipelines.Tests.Checkpoints;

/// <summary>Temporal and lookup joins in streaming runs that store checkpoints: their tables are checkpointed state.</summary>
public sealed class TableJoinCheckpointTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pipelines-tablecp-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task TemporalAndLookupJoins_StartWithCheckpointStorage_AndJoinAsWithout(int parallelism)
    {
        Change<string, string>[] changes = [Insert("a", "silver", 10), Update("a", "gold", 20), Insert("b", "bronze", 5), Delete("b", 30)];
        Order[] orders = [O(1, "a", 15), O(2, "a", 25), O(3, "b", 6), O(4, "b", 31)];
        var temporal = new List<string>();
        var lookup = new List<string>();
        var p = new PipelineBuilder("tables");
        var strategy = Watermarks.BoundedOutOfOrderness(TimeSpan.FromSeconds(1));
        var tiers = p.From(Sources.Enumerable(changes)).WithEventTime(c => c.Time, strategy).ToTable();
        var stream = p.From(Sources.Enumerable(orders)).WithEventTime(o => o.Time, strategy);
        stream.LeftTemporalJoin(tiers, o => o.Customer, Enriched).To(Sinks.Collection(temporal));
        stream.LeftLookupJoin(tiers, o => o.Customer, Enriched).To(Sinks.Collection(lookup));

        var options = new StreamingOptions
        {
            Parallelism = parallelism,
            CheckpointStorage = CheckpointStorage.Directory(_directory),
            CheckpointInterval = TimeSpan.FromMilliseconds(10),
        };
        await new StreamingExecutor(options).RunAsync(p.Build());

        temporal.Should().BeEquivalentTo(["1:silver", "2:gold", "3:bronze", "4:none"]);
        lookup.Should().HaveCount(orders.Length, "a left lookup join emits every element, with the row it found or none");
    }
}
