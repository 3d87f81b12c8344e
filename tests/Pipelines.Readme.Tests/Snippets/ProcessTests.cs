namespace Pipelines.Readme.Tests.Snippets;

#region README: process
sealed class InactivityAlert(TimeSpan timeout) : KeyedProcessFunction<string, Reading, string>
{
    private ValueState<DateTimeOffset> _lastSeen = null!;

    public override void Open(KeyedStateRegistry state) => _lastSeen = state.Value<DateTimeOffset>("last-seen");

    public override void ProcessElement(Reading r, KeyedProcessContext<string, string> ctx)
    {
        if (_lastSeen.HasValue) ctx.DeleteEventTimeTimer(_lastSeen.Value + timeout);
        _lastSeen.Value = ctx.Timestamp;
        ctx.RegisterEventTimeTimer(ctx.Timestamp + timeout);   // fires when the watermark passes it
    }

    public override void OnTimer(DateTimeOffset time, TimeDomain domain, KeyedProcessContext<string, string> ctx)
    {
        ctx.Emit($"{ctx.Key} silent since {_lastSeen.Value:O}");
        _lastSeen.Clear();
    }
}
#endregion

/// <summary>A sensor reading.</summary>
internal sealed record Reading(string Sensor, DateTimeOffset Time);

/// <summary>The README's process-function example, run on both executors.</summary>
public class ProcessTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task InactivityAlert_AlertsEachSensorOnce_AfterItsLastReading(bool streaming)
    {
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var results = new List<string>();
        var p = new PipelineBuilder();
        var readings = p.From(Sources.Enumerable(new[]
            {
                new Reading("s1", t0), new Reading("s2", t0.AddMinutes(1)), new Reading("s1", t0.AddMinutes(3)),
            }))
            .WithEventTime(r => r.Time, Watermarks.Monotonic());
        var alerts = Sinks.Collection(results);

        #region README: process
        readings.KeyBy(r => r.Sensor).Process(() => new InactivityAlert(TimeSpan.FromMinutes(5))).To(alerts);
        #endregion

        if (streaming) await new StreamingExecutor(new StreamingOptions { Parallelism = 2 }).RunAsync(p.Build());
        else await new BoundedExecutor().RunAsync(p.Build());

        results.Should().BeEquivalentTo($"s1 silent since {t0.AddMinutes(3):O}", $"s2 silent since {t0.AddMinutes(1):O}");
    }
}
